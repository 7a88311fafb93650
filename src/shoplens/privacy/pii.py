"""Rule-based PII recognisers (Chinese and English) with checksums, and redaction.

Kinds: ``id_cn`` (18-digit resident ID, ISO 7064 MOD 11-2 check character and a real
birth date), ``card`` (13-19 digits, Luhn), ``email``, ``phone`` (CN mobile ``1[3-9]``
+ 9 digits with an optional +86/0086, CN landline ``0AA(A)-NNNNNNN(N)``, international
``+CC ...``) and ``address`` (a Chinese address down to a road/number or building, or an
English street address with a house number). Overlaps keep the earliest, longest span,
in the order above. Microsoft Presidio has no Chinese ID or phone recognisers; these are
small regular expressions plus checksums, so no model is needed.

Examples
--------
>>> [s.kind for s in find_pii("身份证11010519491231002X，卡号4111 1111 1111 1111")]
['id_cn', 'card']
>>> redact("寄到上海市浦东新区世纪大道100号，电话021-68881234")
'寄到[ADDRESS]，电话[PHONE]'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["KINDS", "PIISpan", "cn_id_valid", "find_pii", "luhn_valid", "redact", "redact_value"]

KINDS = ("id_cn", "card", "email", "phone", "address")
LABELS = {
    "id_cn": "[ID]",
    "card": "[CARD]",
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
}

_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{9}[0-9Xx](?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9A-Za-z+])[1-9](?:[ -]?\d){12,18}(?![0-9A-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONES = (
    # CN mobile, optional +86 / 0086 and separators: 138 1234 5678, 138-1234-5678
    re.compile(r"(?<![0-9A-Za-z])(?:(?:\+|00)86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])"),
    # CN landline: 010-12345678, (021) 6888 1234, 0755-8765432
    re.compile(r"(?<![0-9A-Za-z])(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{3,4}[ -]?\d{4}(?![0-9A-Za-z])"),
    # international: +44 20 7946 0958, +1 (415) 555-0100, 0044 20 ...
    re.compile(
        r"(?<![0-9A-Za-z])(?:\+|00)[1-9]\d{0,2}[ -]?(?:\(\d{1,4}\)[ -]?)?\d{1,4}"
        r"(?:[ -]?\d{2,4}){2,4}(?![0-9A-Za-z])"
    ),
)  # fmt: skip
_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|"
    "广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_ZH_ADDR = re.compile(
    rf"(?:(?:{_PROVINCES})(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)?"
    r"|[\u4e00-\u9fff]{2}市)"
    r"(?:[\u4e00-\u9fff]{1,8}?(?:市|区|县|州|镇|乡|旗))*"
    r"[\u4e00-\u9fff0-9]{1,12}?(?:路|街|道|巷|弄|大道|胡同|村|小区)"
    r"(?:[0-9一二三四五六七八九十百]+(?:号|弄|栋|幢|单元|室|楼|层)[0-9A-Za-z-]*)*"
    r"(?:[\u4e00-\u9fffA-Za-z0-9-]{0,16}?(?:室|座|栋|幢|号楼|层|单元))*"
)
_EN_ADDR = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][a-z]+\s){1,4}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way|Court|Ct|Place|Pl)\b\.?"
    r"(?:,?\s*(?:Apt|Suite|Unit)\.?\s*\w+)?"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class PIISpan:
    """One piece of personal data found in a text: kind, character span and the text."""

    kind: str
    start: int
    end: int
    text: str


def cn_id_valid(number: str) -> bool:
    """Whether an 18-character Chinese resident ID has a real birth date and check character.

    Examples
    --------
    >>> cn_id_valid("11010519491231002X"), cn_id_valid("110105194912310021")
    (True, False)
    """
    n = number.strip().upper()
    if len(n) != 18 or not n[:17].isdigit():
        return False
    try:
        date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(n[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == n[17]


def luhn_valid(number: str) -> bool:
    """Whether the digits of ``number`` (13-19 of them) pass the Luhn checksum.

    Examples
    --------
    >>> luhn_valid("4111 1111 1111 1111"), luhn_valid("4111 1111 1111 1112")
    (True, False)
    """
    digits = [int(c) for c in number if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _candidates(text: str) -> list[PIISpan]:
    out: list[PIISpan] = []
    for m in _ID.finditer(text):
        if cn_id_valid(m.group()):
            out.append(PIISpan("id_cn", m.start(), m.end(), m.group()))
    for m in _CARD.finditer(text):
        if luhn_valid(m.group()):
            out.append(PIISpan("card", m.start(), m.end(), m.group()))
    out += [PIISpan("email", m.start(), m.end(), m.group()) for m in _EMAIL.finditer(text)]
    for rx in _PHONES:
        out += [PIISpan("phone", m.start(), m.end(), m.group()) for m in rx.finditer(text)]
    for rx in (_ZH_ADDR, _EN_ADDR):
        out += [PIISpan("address", m.start(), m.end(), m.group()) for m in rx.finditer(text)]
    return out


def find_pii(text: str, kinds: tuple[str, ...] = KINDS) -> list[PIISpan]:
    """The personal data in ``text``, non-overlapping, in reading order.

    Where spans overlap, the kind earlier in :data:`KINDS` wins, then the longer span
    (a valid ID number is never also reported as a phone or card).

    Examples
    --------
    >>> find_pii("mail me: a.b@shop.cn")[0].text
    'a.b@shop.cn'
    """
    rank = {k: i for i, k in enumerate(KINDS)}
    cands = [c for c in _candidates(text) if c.kind in kinds]
    cands.sort(key=lambda s: (rank[s.kind], -(s.end - s.start), s.start))
    taken: list[PIISpan] = []
    for c in cands:
        if all(c.end <= t.start or c.start >= t.end for t in taken):
            taken.append(c)
    return sorted(taken, key=lambda s: s.start)


def redact(text: str, kinds: tuple[str, ...] = KINDS) -> str:
    """``text`` with each piece of personal data replaced by its label (``[PHONE]`` ...).

    Examples
    --------
    >>> redact("my ID is 11010519491231002X")
    'my ID is [ID]'
    >>> redact("order O0000123 costs 2599.00")
    'order O0000123 costs 2599.00'
    """
    if not text:
        return text
    out, pos = [], 0
    for s in find_pii(text, kinds):
        out.append(text[pos : s.start])
        out.append(LABELS[s.kind])
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value (dicts, lists, strings).

    Examples
    --------
    >>> redact_value({"q": ["call 13812345678"], "n": 3})
    {'q': ['call [PHONE]'], 'n': 3}
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value
