"""A small multi-class text head on hashed n-grams (e.g. intents of your own chats), as npz.

:class:`NgramClassifier` is the multi-class sibling of
:class:`~shoplens.insight.text.sentiment.SentimentModel`: character 1-3-grams of the
lower-cased text plus word 1-2-grams of its Latin words, hashed into ``n_features`` columns
(no vocabulary to store), sub-linear TF × IDF, L2 norm, and a class-weighted multinomial
logistic regression. Its learned state is plain arrays, written as ``npz`` with a JSON
header and a format version (never pickle); only the columns seen in training are stored.

Examples
--------
>>> clf = NgramClassifier(C=10).fit(
...     ["where is my parcel", "物流到哪了", "I want a refund", "我要退款"] * 3,
...     ["logistics", "logistics", "refund", "refund"] * 3)
>>> clf.predict(["my parcel?", "退款"]).tolist()
['logistics', 'refund']
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from shoplens.errors import InputError
from shoplens.insight.text.ngrams import (
    hashed_counts,
    load_npz,
    ngram_tokens,
    save_npz,
    smooth_idf,
    tfidf_l2,
)

__all__ = ["FORMAT_VERSION", "NgramClassifier"]

FORMAT_VERSION = 1
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


class NgramClassifier:
    """Multi-class linear classifier on hashed character and word n-grams.

    Parameters
    ----------
    ngram_range
        Character n-gram lengths.
    word_ngrams
        Word n-gram lengths of the Latin words (``(0, 0)``: none).
    n_features
        Number of hashed feature columns.
    C
        Inverse regularisation strength of the logistic regression.
    max_chars
        Characters of each text used (the start of the text).

    Attributes
    ----------
    classes_ : ndarray of str
    coef_ : ndarray of float32, shape (n_classes, n_features)
    intercept_ : ndarray of float32, shape (n_classes,)
    idf_ : ndarray of float32, shape (n_features,)
    n_train_ : int

    Examples
    --------
    >>> m = NgramClassifier().fit(["good", "bad", "好", "差"] * 2, ["p", "n", "p", "n"] * 2)
    >>> m.classes_.tolist()
    ['n', 'p']
    """

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 3),
        word_ngrams: tuple[int, int] = (1, 2),
        n_features: int = 2**18,
        C: float = 10.0,
        max_chars: int = 500,
    ) -> None:
        self.ngram_range = ngram_range
        self.word_ngrams = word_ngrams
        self.n_features = n_features
        self.C = C
        self.max_chars = max_chars

    def _tokens(self, text: str) -> list[str]:
        return ngram_tokens(
            text, self.ngram_range, self.word_ngrams, self.max_chars, _LATIN_WORD.findall
        )

    def _features(self, texts: list[str], idf: np.ndarray | None = None) -> sparse.csr_matrix:
        counts = hashed_counts(texts, self._tokens, self.n_features)
        if idf is None:
            idf = self.idf_ = smooth_idf(counts)
        return tfidf_l2(counts, idf)

    def fit(self, texts: list[str], labels: Any) -> NgramClassifier:
        """Fit on texts and their labels (two classes or more); returns ``self``."""
        from sklearn.linear_model import LogisticRegression

        y = np.asarray([str(v) for v in labels])
        if len(texts) != len(y) or len(set(y.tolist())) < 2:
            raise InputError("fit needs as many labels as texts, with at least two classes")
        x = self._features(list(texts))
        clf = LogisticRegression(C=self.C, max_iter=5000, class_weight="balanced").fit(x, y)
        self.classes_ = clf.classes_.astype(str)
        coef, icpt = clf.coef_, clf.intercept_
        if len(self.classes_) == 2:  # binary: sklearn keeps one row; make it symmetric
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            icpt = np.array([-icpt[0] / 2, icpt[0] / 2])
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = icpt.astype(np.float32)
        self.n_train_ = len(y)
        return self

    def decision_function(self, texts: list[str]) -> np.ndarray:
        """Class scores, shape ``(n, n_classes)``."""
        if not hasattr(self, "coef_"):
            raise InputError("this NgramClassifier is not fitted; call fit() or load() first")
        if not len(texts):
            return np.zeros((0, len(self.classes_)))
        x = self._features(list(texts), self.idf_)
        return np.asarray(x @ self.coef_.T) + self.intercept_

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Class probabilities (softmax), shape ``(n, n_classes)``, columns ``classes_``."""
        z = self.decision_function(texts)
        z = np.exp(z - z.max(axis=1, keepdims=True)) if len(z) else z
        return z / z.sum(axis=1, keepdims=True) if len(z) else z

    def predict(self, texts: list[str]) -> np.ndarray:
        """The most probable class of each text."""
        p = self.predict_proba(texts)
        return self.classes_[p.argmax(axis=1)] if len(p) else np.array([], dtype=str)

    def save(self, path: str | Path, **meta: Any) -> Path:
        """Write the model to an ``.npz`` file (arrays + JSON header; no pickle)."""
        cols = np.flatnonzero(np.abs(self.coef_).sum(axis=0) > 0).astype(np.int32)
        header = {
            "format": "shoplens.ngram_head",
            "format_version": FORMAT_VERSION,
            "ngram_range": list(self.ngram_range),
            "word_ngrams": list(self.word_ngrams),
            "n_features": self.n_features,
            "C": self.C,
            "max_chars": self.max_chars,
            "classes": self.classes_.tolist(),
            "intercept": self.intercept_.tolist(),
            "n_train": self.n_train_,
            "default_idf": float(np.log(1.0 + self.n_train_) + 1.0),
            **meta,
        }
        return save_npz(
            path,
            header,
            cols=cols,
            coef=self.coef_[:, cols].astype(np.float16),
            idf=self.idf_[cols].astype(np.float16),
        )

    @classmethod
    def load(cls, path: Any) -> NgramClassifier:
        """Read a model written by :meth:`save` (a path or a file object)."""
        header, z = load_npz(
            path, "shoplens.ngram_head", FORMAT_VERSION, ("cols", "coef", "idf"), "n-gram head"
        )
        cols, coef, idf = z["cols"], z["coef"], z["idf"]
        m = cls(
            tuple(header["ngram_range"]),
            tuple(header["word_ngrams"]),
            header["n_features"],
            header["C"],
            header["max_chars"],
        )
        m.classes_ = np.asarray(header["classes"], dtype=str)
        m.coef_ = np.zeros((len(m.classes_), m.n_features), dtype=np.float32)
        m.coef_[:, cols] = coef
        m.idf_ = np.full(m.n_features, header["default_idf"], dtype=np.float32)
        m.idf_[cols] = idf
        m.intercept_ = np.asarray(header["intercept"], dtype=np.float32)
        m.n_train_ = int(header["n_train"])
        m.meta_ = header
        return m
