"""Clean raw texts before scoring: decode bytes, strip HTML, squeeze whitespace, truncate.

Every input gets a defined result, never an exception for its content:

* ``bytes`` are decoded as UTF-8, invalid sequences become U+FFFD (flag ``invalid_utf8``);
* ``None`` and NaN become ``""`` (flag ``empty``);
* HTML tags, comments, ``<script>``/``<style>`` bodies are removed and entities unescaped
  (flag ``html``);
* runs of whitespace (including full-width spaces) become one space;
* texts longer than ``max_chars`` are cut with a :class:`TextTruncatedWarning`
  (flag ``truncated``).

Any other type (a number, a list) is a caller's error and raises
:class:`shoplens.errors.InputError`.

Examples
--------
>>> normalize_text("<p>质量 &amp; 价格  都不错</p>")
('质量 & 价格 都不错', ['html'])
>>> normalize_text(b"ok \\xff")
('ok \\ufffd', ['invalid_utf8'])
"""

from __future__ import annotations

import html
import math
import re
import warnings
from typing import Any

from shoplens.errors import InputError

__all__ = ["DEFAULT_MAX_CHARS", "TextTruncatedWarning", "content_chars", "normalize_text"]

#: Texts are cut to this many characters (after cleaning) unless told otherwise.
DEFAULT_MAX_CHARS = 5000


class TextTruncatedWarning(UserWarning):
    """A text was longer than ``max_chars`` and only its start was scored."""


_DROP_BLOCKS = re.compile(r"(?is)<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->")
_TAG = re.compile(r"(?s)<\s*/?\s*[a-zA-Z][a-zA-Z0-9:-]*(\s[^<>]*)?/?\s*>")
_BREAK_TAG = re.compile(r"(?i)<\s*(br|/p|/div|/li|/h[1-6])\b[^>]*>")
_SPACE = re.compile(r"[\s\u3000\u00a0\u200b]+")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]", re.UNICODE)


def normalize_text(
    text: Any, max_chars: int = DEFAULT_MAX_CHARS, *, warn: bool = True
) -> tuple[str, list[str]]:
    """Return the cleaned text and the list of flags raised while cleaning it.

    Parameters
    ----------
    text
        ``str``, UTF-8 ``bytes`` (invalid bytes are replaced), ``None`` or NaN.
    max_chars
        Longest text kept; longer ones are cut and warned about.
    warn
        Emit :class:`TextTruncatedWarning` when a text is cut.

    Returns
    -------
    tuple
        ``(clean_text, flags)``; flags are among ``invalid_utf8``, ``html``,
        ``truncated``, ``empty``.

    Examples
    --------
    >>> normalize_text("  hello\\n\\n world ")
    ('hello world', [])
    >>> normalize_text(None)
    ('', ['empty'])
    """
    flags: list[str] = []
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return "", ["empty"]
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            text = bytes(text).decode("utf-8", errors="replace")
            flags.append("invalid_utf8")
    if not isinstance(text, str):
        raise InputError(
            f"texts must be str or bytes, got {type(text).__name__}; convert them first"
        )
    if "\ufffd" in text and "invalid_utf8" not in flags:
        flags.append("invalid_utf8")
    if "<" in text and (_TAG.search(text) or _DROP_BLOCKS.search(text)):
        text = _DROP_BLOCKS.sub(" ", text)
        text = _BREAK_TAG.sub("\n", text)
        text = _TAG.sub(" ", text)
        flags.append("html")
    if "&" in text:
        text = html.unescape(text)
    # a cheap pre-cut so that a 100 MB string is not regex-scanned in full
    if len(text) > 4 * max_chars + 1000:
        text = text[: 4 * max_chars + 1000]
        cut = True
    else:
        cut = False
    text = _SPACE.sub(" ", text).strip()
    if cut or len(text) > max_chars:
        text = text[:max_chars]
        flags.append("truncated")
        if warn:
            warnings.warn(
                f"a text was longer than max_chars={max_chars} and was cut to its first "
                f"{max_chars} characters",
                TextTruncatedWarning,
                stacklevel=3,
            )
    if not text:
        flags.append("empty")
    return text, flags


def content_chars(text: str) -> int:
    """Number of letters and digits (any script) in ``text``; emoji and punctuation are 0.

    Examples
    --------
    >>> content_chars("👍👍!!"), content_chars("好 ok")
    (0, 3)
    """
    return len(_LETTER_OR_DIGIT.findall(text))
