"""Language of a text, Chinese or English, from the classes of its characters.

Han characters count one each; Latin letters count one fifth each (an English word of
about five letters carries about what one Chinese character carries; product names such as
"iPhone 15 Pro" inside a Chinese sentence should not outvote it). The larger
side wins; the text is ``mixed`` when the smaller side holds at least ``mixed_share`` of
the total. A text without either (emoji, digits, punctuation) is ``"und"``.

Examples
--------
>>> detect_language("物流很快，包装完好")
('zh', False)
>>> detect_language("Fast shipping, great quality")
('en', False)
>>> detect_language("这个 phone 的 battery life 太差了")
('zh', True)
>>> detect_language("👍👍")
('und', False)
"""

from __future__ import annotations

import re

__all__ = ["LANGUAGES", "detect_language", "script_counts"]

#: the languages :func:`detect_language` returns
LANGUAGES = ("zh", "en", "und")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
LATIN_WEIGHT = 1 / 5


def script_counts(text: str) -> tuple[int, int]:
    """Return ``(han_characters, latin_letters)`` in ``text``.

    Examples
    --------
    >>> script_counts("iPhone 15 很好")
    (2, 6)
    """
    return len(_HAN.findall(text)), len(_LATIN.findall(text))


def detect_language(text: str, mixed_share: float = 0.25) -> tuple[str, bool]:
    """Return ``(lang, mixed)`` for one text: ``lang`` is ``"zh"``, ``"en"`` or ``"und"``.

    Parameters
    ----------
    text
        The (normalised) text.
    mixed_share
        Smallest weighted share of the minority script for the text to count as mixed.

    Examples
    --------
    >>> detect_language("iPhone 15 Pro Max 256G 很好用")
    ('zh', True)
    >>> detect_language("12345 !!!")
    ('und', False)
    """
    han, latin = script_counts(text)
    zh, en = float(han), latin * LATIN_WEIGHT
    total = zh + en
    if total == 0:
        return "und", False
    lang = "zh" if zh >= en else "en"
    mixed = min(zh, en) / total >= mixed_share
    return lang, mixed
