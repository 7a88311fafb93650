"""English sentiment from a small shopping lexicon with negation and intensifiers.

No English review corpus ships offline with the installed packages, so English texts are
scored by a hand-written lexicon (words common in product reviews and support chats).
Each hit scores ±1 (±2 for strong words), flipped by a negator in the three words before
it and scaled by an intensifier right before it; the sum goes through a logistic so that
``p_pos`` is 0.5 with no evidence. This is a known limitation: sarcasm, domain words and
anything outside the lexicon are missed.

Examples
--------
>>> english_positive_proba(["Great quality, fast shipping!", "not good at all", "ok"]).round(2)
array([0.95, 0.18, 0.5 ])
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["NEGATIVE", "POSITIVE", "english_positive_proba", "english_score"]


def _words(block: str) -> list[str]:
    return block.split()


POSITIVE: dict[str, float] = {
    w: 1.0
    for w in _words("""
good great nice love loved loves like liked excellent perfect awesome amazing happy
satisfied recommend recommended fast quick comfortable beautiful pretty sturdy solid
durable worth affordable reliable smooth soft works working worked fine best better
fantastic wonderful pleased helpful friendly responsive accurate fits bargain gorgeous
lovely cute elegant premium impressive superb easy convenient correct neat clean
steal flattering stylish quickly quicker work fit exactly notch
""")
}
POSITIVE.update(
    {w: 2.0 for w in _words("excellent perfect amazing awesome fantastic love best superb")}
)
NEGATIVE: dict[str, float] = {
    w: 1.0
    for w in _words("""
bad poor terrible awful horrible hate hated disappointed disappointing disappointment
broken broke break cheaply flimsy slow late delayed damaged defective faulty fake useless
waste worse worst refund return returned wrong missing scratched cracked leak leaks leaking
expensive overpriced uncomfortable tight loose small large ugly smell smells noisy rude
unhelpful problem problems issue issues fail failed fails stopped dead never complaint
annoying junk garbage trash scam misleading lost dirty stained torn ripped
crushed laggy flimsy overpriced
""")
}
NEGATIVE.update(
    {w: 2.0 for w in _words("terrible awful horrible worst hate useless scam junk garbage waste")}
)
NEGATORS = frozenset(
    _words(
        "not no never don't dont doesn't doesnt didn't didnt isn't isnt wasn't "
        "wasnt aren't arent won't wont can't cant cannot hardly barely nothing"
    )
)
INTENSIFIERS = {
    "very": 1.5,
    "really": 1.5,
    "so": 1.3,
    "super": 1.5,
    "extremely": 2.0,
    "totally": 1.5,
    "absolutely": 1.7,
    "quite": 1.2,
    "too": 1.3,
    "highly": 1.5,
}
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
SCALE = 1.5


def english_score(text: str) -> float:
    """Signed lexicon score of one text (0 when no lexicon word is found).

    Examples
    --------
    >>> english_score("not bad"), english_score("very good")
    (1.0, 1.5)
    """
    words = _WORD.findall(text.lower())
    score = 0.0
    for i, w in enumerate(words):
        s = POSITIVE.get(w, 0.0) - NEGATIVE.get(w, 0.0)
        if not s:
            continue
        if i and words[i - 1] in INTENSIFIERS:
            s *= INTENSIFIERS[words[i - 1]]
        if any(x in NEGATORS for x in words[max(0, i - 3) : i]):
            s = -s
        score += s
    return score


def english_positive_proba(texts: list[str]) -> np.ndarray:
    """Probability of positive sentiment per English text, shape ``(n,)``."""
    scores = np.array([english_score(t) for t in texts], dtype=float)
    return 1.0 / (1.0 + np.exp(-SCALE * scores))
