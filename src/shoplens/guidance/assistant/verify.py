# ruff: noqa: E501  (bilingual vocabularies and templates read best one per line)
"""The LLM proposes, the verifier disposes: every factual claim must be in a cited source.

:func:`verify` pulls the checkable claims out of an answer — order and item ids, dates,
times, numbers (prices, days, percentages; Arabic, Chinese and English numerals), order
states, return eligibility and policy terms — and looks each one up in the sources the
answer cites (``[returns#no-reason]``, ``[order:O0000123]``, ``[item:I00012]``). A claim
that no cited source supports, a citation of a source that was not given, or claims with
no citation at all make the answer fail; the assistant then shows its deterministic
answer instead. It is code, not a prompt: the same answer always gets the same verdict.

Order states and eligibility count only when a cited order (or account) result says so;
a policy section that merely mentions "shipped" does not support "your order shipped".

Examples
--------
>>> src = {"order:O1": Source("order:O1", '{"status": "shipped", "total": 299.0}', "order")}
>>> verify("Your order O1 has shipped, total 299.00 CNY [order:O1].", src).ok
True
>>> v = verify("Your order O1 was delivered, total 199 CNY [order:O1].", src)
>>> v.ok, sorted(c.value for c in v.unsupported)
(False, ['199.0', 'delivered'])
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Claim", "Source", "Verdict", "extract_claims", "verify"]

CITATION = re.compile(r"\[((?:[a-z_]+#[a-z0-9-]+)|(?:[a-z_]+:[A-Za-z0-9_-]+))\]")
_ORDER_ID = re.compile(r"(?<![A-Za-z0-9])O\d{4,}(?![0-9])")
_ITEM_ID = re.compile(r"(?<![A-Za-z0-9])I\d{3,}(?![0-9])")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_ZH_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]")
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]  # fmt: skip
_MON = "|".join(m[:3] + f"(?:{m[3:]})?" if len(m) > 3 else m for m in _MONTHS)
_EN_DATE = re.compile(
    rf"\b(?:({_MON})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MON})\.?(?:,?\s+(\d{{4}}))?)\b",
    re.IGNORECASE,
)
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?!\d)")
_NUMBER = re.compile(r"(?<![A-Za-z0-9.])\d+(?:,\d{3})*(?:\.\d+)?(?![0-9])")
_ZH_NUM = re.compile(r"[一二两三四五六七八九十百]+(?=[天日个年元件期分%倍])")
_EN_NUM_WORDS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"])}  # fmt: skip
_EN_NUM = re.compile(
    r"\b(" + "|".join(k for k in _EN_NUM_WORDS if k not in ("zero", "one")) + r"|thirty)"
    r"(?=[\s-]+(?:days?|business|working|months?|years?|hours?|minutes?|weeks?|points?|"
    r"instalments?|installments?))",
    re.IGNORECASE,
)
STATES: dict[str, tuple[str, ...]] = {
    "delivered": ("delivered", "已签收", "已送达", "签收了"),
    "shipped": ("shipped", "on its way", "in transit", "已发货", "运输中", "派送中"),
    "returned": ("returned", "已退货"),
    "cancelled": ("cancelled", "canceled", "已取消"),
    "processing": ("processing", "being prepared", "not yet shipped", "待发货", "未发货"),
    "refunded": ("refunded", "已退款"),
}
_STATE_RX = {
    k: re.compile("|".join(rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w) for w in ws),
                  re.IGNORECASE)
    for k, ws in STATES.items()
}  # fmt: skip
# the return-policy phrases that are not order states: "returned" in "can be returned"
_NOT_STATE = re.compile(
    r"(?:can(?:not|'t)?|may|be|been|is|are|to)\s+(?:not\s+)?(?:be\s+)?returned|returned items?|"
    r"return(?:ed)? within|be delivered|is delivered within|delivered within|shipped within|"
    r"once it is delivered|after delivery|until (?:it is )?delivered|wait for delivery|"
    r"(?:is|are|be) refunded (?:automatically )?within",
    re.IGNORECASE,
)
_ELIGIBLE_YES = re.compile(
    r"\bcan be returned|\bis eligible|\bare eligible|\bcan return\b|可以退货|可以申请退货|支持退货|可以退",
    re.IGNORECASE,
)
_ELIGIBLE_NO = re.compile(
    r"cannot be returned|can't be returned|not eligible|cannot return|can't return|"
    r"不能退货|不能无理由退货|不能申请退货|不支持退货|无法退货|不可退|不能再次退货",
    re.IGNORECASE,
)
#: policy concepts: a claim of one needs a cited source that names it too
TERMS: dict[str, tuple[str, ...]] = {
    "no_reason_return": ("no-reason", "no reason", "without giving a reason", "without a reason",
                         "无理由"),
    "free_shipping": ("free shipping", "shipping is free", "包邮", "免运费"),
    "free_return_shipping": ("free of return shipping", "return shipping is free",
                             "free return shipping", "免退货运费"),
    "cash_on_delivery": ("cash on delivery", "货到付款"),
    "price_protection": ("price protection", "price match", "refund the difference", "价格保护",
                         "退还差价", "保价"),
    "instalments": ("instalment", "installment", "分期"),
    "warranty": ("warranty", "guarantee", "保修", "质保"),
    "lifetime": ("lifetime", "forever", "终身", "永久"),
    "money_back": ("money-back", "money back", "全额退款"),
    "exchange": ("replacement", "replaced", "exchange", "换货", "换新"),
    "international": ("ship abroad", "international shipping", "worldwide", "海外", "国际"),
    "points": ("points", "积分"),
    "coupon": ("coupon", "优惠券"),
    "express": ("same-day", "next-day", "当日达", "次日达"),
}  # fmt: skip
_TERM_RX = {
    k: re.compile("|".join(re.escape(w) for w in ws), re.IGNORECASE) for k, ws in TERMS.items()
}


@dataclass(frozen=True)
class Source:
    """A text an answer may cite: a policy section, an order, an item, the account."""

    id: str
    text: str
    kind: str = "policy"


@dataclass(frozen=True)
class Claim:
    """One checkable claim: kind (id, date, time, number, state, eligibility, term) and value."""

    kind: str
    value: str
    text: str


@dataclass
class Verdict:
    """The verifier's outcome for one answer."""

    ok: bool
    claims: list[Claim] = field(default_factory=list)
    unsupported: list[Claim] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    reason: str = ""

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {
            "ok": self.ok,
            "claims": len(self.claims),
            "unsupported": [f"{c.kind}:{c.value}" for c in self.unsupported],
            "citations": self.citations,
            "reason": self.reason,
        }


def _zh_number(s: str) -> float | None:
    digits = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}  # fmt: skip
    total, cur = 0, 0
    for ch in s:
        if ch in digits:
            cur = digits[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return float(total + cur) if (total + cur) else None


def _month(name: str) -> int:
    n = name.lower()[:3]
    return next(i + 1 for i, m in enumerate(_MONTHS) if m.startswith(n))


def _blank(text: str, span: tuple[int, int]) -> str:
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]


def extract_claims(text: str) -> list[Claim]:
    """The checkable claims of ``text`` (citations themselves are not claims).

    Examples
    --------
    >>> [(c.kind, c.value) for c in extract_claims("七天无理由退货，2025年10月3日前 [returns#no-reason]")]
    [('date', '2025-10-03'), ('number', '7.0'), ('term', 'no_reason_return')]
    """
    claims: list[Claim] = []
    work = CITATION.sub(lambda m: " " * len(m.group()), text)
    for rx, kind in ((_ORDER_ID, "id"), (_ITEM_ID, "id")):
        for m in rx.finditer(work):
            claims.append(Claim(kind, m.group(), m.group()))
            work = _blank(work, m.span())
    for m in _ISO.finditer(work):
        claims.append(Claim("date", f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", m.group()))
        work = _blank(work, m.span())
    for m in _ZH_DATE.finditer(work):
        y = m[1] or "*"
        claims.append(Claim("date", f"{y}-{int(m[2]):02d}-{int(m[3]):02d}", m.group()))
        work = _blank(work, m.span())
    for m in _EN_DATE.finditer(work):
        mon, day, year = (m[1], m[2], m[3]) if m[1] else (m[5], m[4], m[6])
        claims.append(Claim("date", f"{year or '*'}-{_month(mon):02d}-{int(day):02d}", m.group()))
        work = _blank(work, m.span())
    for m in _TIME.finditer(work):
        claims.append(Claim("time", m.group(), m.group()))
        work = _blank(work, m.span())
    for m in _NUMBER.finditer(work):
        claims.append(Claim("number", str(float(m.group().replace(",", ""))), m.group()))
    for m in _ZH_NUM.finditer(work):
        v = _zh_number(m.group())
        if v is not None:
            claims.append(Claim("number", str(v), m.group()))
    for m in _EN_NUM.finditer(work):
        w = m.group(1).lower()
        claims.append(Claim("number", str(float(_EN_NUM_WORDS.get(w, 30))), m.group()))
    plain = _NOT_STATE.sub(" ", work)
    for state, rx in _STATE_RX.items():
        m = rx.search(plain)
        if m:
            claims.append(Claim("state", state, m.group()))
    if _ELIGIBLE_NO.search(work):
        claims.append(Claim("eligibility", "false", _ELIGIBLE_NO.search(work).group()))
    if _ELIGIBLE_YES.search(_ELIGIBLE_NO.sub(" ", work)):
        claims.append(Claim("eligibility", "true", _ELIGIBLE_YES.search(work).group()))
    for term, rx in _TERM_RX.items():
        m = rx.search(work)
        if m:
            claims.append(Claim("term", term, m.group()))
    return claims


def _support(sources: list[Source]) -> dict[str, set[str]]:
    sup: dict[str, set[str]] = {k: set() for k in ("id", "date", "time", "number", "term")}
    sup["state"], sup["eligibility"], sup["state_mentioned"] = set(), set(), set()
    for s in sources:
        for state, rx in _STATE_RX.items():
            if rx.search(s.text):
                sup["state_mentioned"].add(state)
        if _ELIGIBLE_NO.search(s.text):
            sup["state_mentioned"].add("false")
        if _ELIGIBLE_YES.search(_ELIGIBLE_NO.sub(" ", s.text)):
            sup["state_mentioned"].add("true")
        for c in extract_claims(s.text):
            if c.kind in ("state", "eligibility"):
                continue
            sup[c.kind].add(c.value)
            if c.kind == "date":
                sup["date"].add("*" + c.value[4:])
        if s.kind in ("order", "account"):
            for state in STATES:
                if re.search(rf'"status":\s*"{state}"', s.text):
                    sup["state"].add(state)
            for flag in ("true", "false"):
                if re.search(rf'"eligible":\s*{flag}', s.text):
                    sup["eligibility"].add(flag)
        for term in TERMS:
            if _TERM_RX[term].search(s.text):
                sup["term"].add(term)
    return sup


def verify(answer: str, sources: Mapping[str, Source]) -> Verdict:
    """Check every claim of ``answer`` against the sources it cites."""
    cited = list(dict.fromkeys(CITATION.findall(answer)))
    unknown = [c for c in cited if c not in sources]
    claims = extract_claims(answer)
    if unknown:
        return Verdict(False, claims, [], cited, f"cites unknown sources: {', '.join(unknown)}")
    if claims and not cited:
        return Verdict(False, claims, claims, cited, "makes claims without citing a source")
    sup = _support([sources[c] for c in cited])
    # an order state is a claim about an order only when the answer names one; a policy
    # answer may repeat the states its cited section describes
    about_order = any(c.kind == "id" and c.value.startswith("O") for c in claims)
    unsupported = [
        c
        for c in claims
        if c.value not in sup[c.kind]
        and not (
            c.kind in ("state", "eligibility")
            and not about_order
            and c.value in sup["state_mentioned"]
        )
    ]
    reason = (
        ""
        if not unsupported
        else "unsupported: " + ", ".join(f"{c.kind} {c.text!r}" for c in unsupported)
    )
    return Verdict(not unsupported, claims, unsupported, cited, reason)
