"""ONNX export, int8 dynamic quantisation and an ONNX-runtime text classifier.

:func:`export_onnx` traces a fine-tuned
:class:`~shoplens.insight.text.finetune.TransformerClassifier` to ``model.onnx`` (dynamic
batch and sequence axes, logits out) and, with ``int8=True``, also writes
``model.int8.onnx`` (``onnxruntime`` dynamic quantisation: int8 weights of the matrix
multiplications, per output channel; activations quantised on the fly). The folder holds the
tokenizer and a ``shoplens_model.json`` of kind ``onnx``, so it runs with
``onnxruntime`` + ``transformers``' tokenizer only, no PyTorch.

:class:`OnnxClassifier` has the same ``predict_proba`` / ``predict`` / ``classes_`` API as
the PyTorch classifier, batching texts by length.

Examples
--------
>>> paths = export_onnx("models/sentiment", int8=True)  # doctest: +SKIP
>>> OnnxClassifier.load(paths["int8"]).predict(["great"])  # doctest: +SKIP
array(['positive'], dtype='<U8')
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.errors import InputError, require
from shoplens.insight.text.finetune import (
    FORMAT_VERSION,
    META_FILE,
    LogitsClassifier,
    read_meta,
)

__all__ = ["OnnxClassifier", "export_onnx"]

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_onnx(
    model_dir: str | Path, out: str | Path | None = None, *, int8: bool = False, opset: int = 17
) -> dict[str, Path]:
    """Export a saved fine-tuned model to ONNX (and int8); returns the written model files.

    Parameters
    ----------
    model_dir
        Folder written by ``TransformerClassifier.save`` (full or LoRA).
    out
        Export folder (default: ``model_dir/onnx``).
    int8
        Also write the dynamically quantised ``model.int8.onnx``.
    """
    from shoplens.insight.text.finetune import TransformerClassifier

    require("onnx", "nlp")
    meta = read_meta(model_dir)
    if meta["kind"] != "transformer":
        raise InputError(f"{model_dir}: only fine-tuned transformer models export to ONNX")
    clf = TransformerClassifier.load(model_dir)
    import torch

    model = clf.model_.eval()
    enc = clf.tokenizer_(["an example text to trace", "short"], padding=True, return_tensors="pt")
    names = [n for n in _INPUTS if n in enc]

    class Logits(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args, strict=True))).logits

    out = Path(out) if out is not None else Path(model_dir) / "onnx"
    out.mkdir(parents=True, exist_ok=True)
    files = {"fp32": out / "model.onnx"}
    import warnings

    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Logits(model),
            tuple(enc[n] for n in names),
            str(files["fp32"]),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}},
            opset_version=opset,
            dynamo=False,
        )
    if int8:
        require("onnxruntime", "nlp")
        from onnxruntime.quantization import QuantType, quantize_dynamic

        files["int8"] = out / "model.int8.onnx"
        quantize_dynamic(
            str(files["fp32"]), str(files["int8"]), weight_type=QuantType.QInt8, per_channel=True
        )
    clf.tokenizer_.save_pretrained(out)
    header = {
        "format": "shoplens.text_classifier",
        "format_version": FORMAT_VERSION,
        "kind": "onnx",
        "labels": meta["labels"],
        "task": meta.get("task"),
        "max_length": meta["max_length"],
        "inputs": names,
        "files": {k: v.name for k, v in files.items()},
        "source": str(Path(model_dir)),
        "test_report": meta.get("test_report", {}),
    }
    (out / META_FILE).write_text(json.dumps(header, indent=2, ensure_ascii=False))
    return files


class OnnxClassifier(LogitsClassifier):
    """Run an exported text classifier with ``onnxruntime``.

    Parameters
    ----------
    path
        The export folder (loads ``model.onnx``) or one ``.onnx`` file inside it.
    threads
        Intra-op threads of the session (default: onnxruntime's choice).

    Attributes
    ----------
    classes_ : ndarray of str
    session_ : onnxruntime.InferenceSession
    """

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        self.path = path
        self.threads = threads

    @classmethod
    def load(cls, path: str | Path, threads: int | None = None) -> OnnxClassifier:
        """Open the exported model (a folder or an ``.onnx`` file)."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        ort = require("onnxruntime", "nlp")
        require("transformers", "nlp")
        from transformers import AutoTokenizer

        m = cls(path, threads)
        path = Path(path)
        folder, file = (path.parent, path) if path.suffix == ".onnx" else (path, None)
        meta = read_meta(folder)
        if meta["kind"] != "onnx":
            raise InputError(f"{folder} is not an ONNX export; run shoplens text export first")
        file = file or folder / meta["files"]["fp32"]
        if not file.is_file():
            raise InputError(f"{file}: no such ONNX file")
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        m.session_ = ort.InferenceSession(str(file), opts, providers=["CPUExecutionProvider"])
        m.tokenizer_ = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        m.classes_ = np.array(meta["labels"])
        m.max_length_ = meta["max_length"]
        m.inputs_ = meta["inputs"]
        m.meta_ = meta
        return m

    def _batch_logits(self, batch: list[str]) -> np.ndarray:
        enc = self.tokenizer_(
            batch, truncation=True, max_length=self.max_length_, padding=True, return_tensors="np"
        )
        feed = {n: enc[n].astype(np.int64) for n in self.inputs_}
        return self.session_.run(["logits"], feed)[0]
