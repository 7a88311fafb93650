"""Checks every message variant must pass: length, banned claims, and no invented numbers.

Every number in the copy (prices, percentages, counts) must appear in the facts it was
written from: the offer, the recommended items' prices and titles, the shop's name. A
model that writes "now only 99" for an item the catalog prices at 479 is caught.

Examples
--------
>>> facts = {"offer": {"discount_percent": 10},
...          "items": [{"title": "蓝牙耳机 128G", "price": 479.0}]}
>>> check_message("蓝牙耳机 128G 现价479元，下单再减10%", "sms", "zh", facts)["passed"]
True
>>> check_message("蓝牙耳机 现价只要99元！", "sms", "zh", facts)["invented_numbers"]
['99']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["BANNED_CLAIMS", "LIMITS", "allowed_numbers", "check_message", "numbers_in"]

#: characters per message by channel and language (SMS: one segment)
LIMITS: dict[str, dict[str, int]] = {
    "sms": {"zh": 70, "en": 160},
    "push": {"zh": 50, "en": 110},
    "email": {"zh": 1200, "en": 2000},
}

#: claims no message may make (case-insensitive substrings)
BANNED_CLAIMS: tuple[str, ...] = (
    "guaranteed", "best price", "lowest price", "risk-free", "cure", "100% free", "no.1",
    "最低价", "全网最低", "第一", "保证", "绝对", "国家级", "包治",
)  # fmt: skip

_NUM = re.compile(r"\d+(?:[.,]\d+)*")


def _norm(token: str) -> str:
    t = token.replace(",", "")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t


def numbers_in(text: str) -> list[str]:
    """The numbers written in ``text``, normalised (``1,299.00`` -> ``1299``).

    Examples
    --------
    >>> numbers_in("1,299.00 元, 10% off, 2 件")
    ['1299', '10', '2']
    """
    return [_norm(m) for m in _NUM.findall(text)]


def _walk(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk(v)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        yield _norm(f"{value:.2f}")
        if float(value).is_integer():
            yield str(int(value))
    else:
        yield from numbers_in(str(value))


def allowed_numbers(facts: Mapping[str, Any]) -> set[str]:
    """Every number the facts (offer, items, names) contain, as the checks compare them."""
    return set(_walk(facts))


def check_message(
    text: str,
    channel: str,
    lang: str,
    facts: Mapping[str, Any],
    *,
    banned: Iterable[str] = BANNED_CLAIMS,
    limits: Mapping[str, Mapping[str, int]] = LIMITS,
) -> dict[str, Any]:
    """Run the checks; ``passed`` is true when none failed."""
    limit = limits.get(channel, {}).get(lang) or limits.get(channel, {}).get("en")
    low = text.lower()
    found = [c for c in banned if c.lower() in low]
    allowed = allowed_numbers(facts)
    invented = [n for n in numbers_in(text) if n not in allowed]
    out = {
        "length": len(text),
        "limit": limit,
        "too_long": bool(limit is not None and len(text) > limit),
        "banned_claims": found,
        "invented_numbers": invented,
        "empty": not text.strip(),
    }
    out["passed"] = not (out["too_long"] or found or invented or out["empty"])
    return out
