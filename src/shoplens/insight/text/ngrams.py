"""Hashed character/word n-gram TF-IDF features, shared by the n-gram text models.

:class:`~shoplens.insight.text.sentiment.SentimentModel` and
:class:`~shoplens.insight.text.heads.NgramClassifier` both turn a text into character
n-grams of its lower-cased start plus word n-grams, hash them into a fixed number of
columns (no vocabulary to store), and weight them by sub-linear TF × smoothed IDF with an
L2 norm per row; both are stored as ``npz`` files with a JSON header
(:func:`save_npz` / :func:`load_npz`, never pickle).

Examples
--------
>>> ngram_tokens("Ab c", (1, 2), (1, 1), 100, str.split)
['a', 'b', ' ', 'c', 'ab', 'b ', ' c', 'w:ab', 'w:c']
>>> counts = hashed_counts(["ab", "b"], lambda t: list(t), 16)
>>> x = tfidf_l2(counts, smooth_idf(counts))
>>> [round(float(v), 6) for v in (x.multiply(x).sum(axis=1).A1)]
[1.0, 1.0]
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from shoplens.errors import InputError

__all__ = ["hashed_counts", "load_npz", "ngram_tokens", "save_npz", "smooth_idf", "tfidf_l2"]


def ngram_tokens(
    text: str,
    ngram_range: tuple[int, int],
    word_ngrams: tuple[int, int],
    max_chars: int,
    words: Callable[[str], list[str]],
) -> list[str]:
    """Character n-grams of ``text[:max_chars].lower()``, then ``w:``-prefixed word n-grams.

    ``words`` splits the text into words; it is only called when ``word_ngrams[1] > 0``.
    """
    text = text[:max_chars].lower()
    lo, hi = ngram_range
    toks = [text[i : i + n] for n in range(lo, hi + 1) for i in range(len(text) - n + 1)]
    wlo, whi = word_ngrams
    if whi > 0:
        ws = words(text)
        for n in range(max(wlo, 1), whi + 1):
            toks.extend("w:" + " ".join(ws[i : i + n]) for i in range(len(ws) - n + 1))
    return toks


def hashed_counts(
    texts: list[str], analyzer: Callable[[str], list[str]], n_features: int
) -> sparse.csr_matrix:
    """Token counts of each text hashed into ``n_features`` columns (float32, no sign flip)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    hv = HashingVectorizer(
        analyzer=analyzer, n_features=n_features, alternate_sign=False, norm=None, dtype=np.float32
    )
    return hv.transform(texts)


def smooth_idf(counts: sparse.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency ``log((1 + n) / (1 + df)) + 1`` per column."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)


def tfidf_l2(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """``(1 + log tf) × idf``, each row scaled to unit L2 norm (empty rows stay zero)."""
    x = counts.copy()
    x.data = (1.0 + np.log(x.data)).astype(np.float32)
    x = x.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms).dot(x).tocsr()


def save_npz(path: str | Path, header: dict[str, Any], **arrays: np.ndarray) -> Path:
    """Write ``arrays`` and a JSON ``header`` to a compressed ``.npz`` file (no pickle)."""
    path = Path(path)
    raw = json.dumps(header, ensure_ascii=False).encode("utf-8")
    np.savez_compressed(path, header=np.frombuffer(raw, dtype=np.uint8), **arrays)
    return path


def load_npz(
    path: Any, fmt: str, version: int, keys: tuple[str, ...], what: str
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read what :func:`save_npz` wrote: the header and the arrays named ``keys``.

    ``path`` is a path or a file object. A file that is not such an npz, lacks a key, has
    another ``format`` than ``fmt`` or a ``format_version`` newer than ``version`` raises
    :class:`~shoplens.errors.InputError` naming ``what`` (e.g. ``"sentiment model"``).
    """
    try:
        with np.load(path, allow_pickle=False) as z:
            header = json.loads(bytes(z["header"]).decode("utf-8"))
            arrays = {k: z[k] for k in keys}
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path} is not a ShopLens {what}: {exc}") from exc
    if header.get("format") != fmt or header.get("format_version", 0) > version:
        kind = what.split()[-1]
        raise InputError(f"{path}: unsupported {kind} format {header.get('format_version')}")
    return header, arrays
