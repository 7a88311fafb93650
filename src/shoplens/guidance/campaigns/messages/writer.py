"""Write one message per planned customer through the LLM layer, check it, keep the audit.

Each variant (the template, and the model's when a backend other than ``none`` is given)
is checked (:func:`~shoplens.guidance.campaigns.messages.checks.check_message`); the
model's copy is chosen when it passes, the template otherwise. Before a prompt goes to a
remote backend its personal data is redacted (:func:`shoplens.privacy.redact`) unless
``allow_pii_remote`` is set. Every variant is a row of ``guidance_messages`` with its
prompt, model, settings, check results and whether it was chosen.

Examples
--------
>>> import pandas as pd
>>> plan = pd.DataFrame({"customer_id": ["C1"], "action": ["review_request"],
...                      "channel": ["push"]})
>>> out = write_messages(plan, customers=pd.DataFrame({"customer_id": ["C1"], "name": ["Li"],
...                      "lang": ["en"]}))
>>> out.loc[0, "text"]
'Li, how is your order from ShopLens? Tell other shoppers in a quick review.'
>>> bool(out.loc[0, "passed"]), out.loc[0, "variant"]
(True, 'template')
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.guidance.campaigns.messages.checks import BANNED_CLAIMS, LIMITS, check_message
from shoplens.guidance.campaigns.messages.templates import TEMPLATES, render

__all__ = ["MESSAGES_TABLE", "SCHEMA", "build_prompt", "store_messages", "write_messages"]

MESSAGES_TABLE = "guidance_messages"
SCHEMA = ibis.schema({
    "message_id": "string", "customer_id": "string", "action": "string", "channel": "string",
    "lang": "string", "variant": "string", "text": "string", "prompt": "string",
    "backend": "string", "model": "string", "settings": "string", "checks": "string",
    "passed": "boolean", "chosen": "boolean", "created_at": "timestamp('UTC')",
})  # fmt: skip

TONE = {"vip": "warm and exclusive", "at_risk": "caring, no pressure", "default": "friendly"}


def build_prompt(facts: Mapping[str, Any], channel: str, lang: str, *, brand_voice: str,
                 banned: Sequence[str], limit: int | None) -> list[tuple[str, str]]:  # fmt: skip
    """The (system, user) prompt: rules, brand voice, channel limit, and the facts as JSON."""
    language = "Simplified Chinese" if lang == "zh" else "English"
    system = (
        f"You write one {channel} marketing message in {language} for an online shop. "
        f"Brand voice: {brand_voice}. Tone: {facts.get('tone', TONE['default'])}. "
        f"At most {limit} characters. Use only the facts given: never invent a price, "
        "discount, date or any other number. Never claim: " + "; ".join(banned) + ". "
        "Answer with the message text only."
    )
    return [("system", system), ("user", json.dumps(facts, ensure_ascii=False))]


def _facts(row: Mapping[str, Any], cust: Mapping[str, Any], items: list[dict], offers: Mapping,
           shop: str) -> dict[str, Any]:  # fmt: skip
    act = str(row["action"])
    seg = str(cust.get("segment") or "")
    return {
        "shop": shop,
        "name": cust.get("name") or None,
        "action": act,
        "segment": seg or None,
        "tone": TONE.get(seg, TONE["default"]),
        "offer": dict(offers.get(act, {})),
        "items": items if act in ("cross_sell", "win_back_coupon") else [],
    }


def write_messages(
    plan: pd.DataFrame,
    *,
    customers: pd.DataFrame | None = None,
    recommendations: pd.DataFrame | None = None,
    backend: Any = None,
    lang: str | None = None,
    shop: str = "ShopLens",
    brand_voice: str = "warm, concise, honest; no hype",
    offers: Mapping[str, Mapping[str, Any]] | None = None,
    banned: Sequence[str] = BANNED_CLAIMS,
    allow_pii_remote: bool | None = None,
    temperature: float = 0.7,
) -> pd.DataFrame:
    """Every variant for every planned contact (``do_nothing`` rows are skipped).

    Parameters
    ----------
    plan
        ``customer_id, action, channel`` (the next-best-action plan).
    customers
        Optional ``customer_id`` with ``name``, ``lang``, ``segment``.
    recommendations
        ``customer_id, rank, title, price`` (``guidance_recommendations`` joined to items).
    backend
        An :class:`~shoplens.llm.LLMBackend`; ``None`` or the ``none`` backend writes
        templates only.
    offers
        Per action, the offer's facts (default: 10 % off for the win-back coupon).
    allow_pii_remote
        Send names and contact data to a remote model unredacted (default: the LLM
        settings' ``allow_pii_remote``, which is off).
    """
    from shoplens.llm import Message
    from shoplens.privacy import redact

    for col in ("customer_id", "action", "channel"):
        if col not in plan.columns:
            raise InputError(f"the plan needs a {col!r} column")
    todo = plan[plan["action"] != "do_nothing"]
    unknown = set(todo["action"]) - set(TEMPLATES)
    if unknown:
        raise InputError(f"no message template for actions {sorted(unknown)}")
    offers = offers if offers is not None else {"win_back_coupon": {"discount_percent": 10}}
    if allow_pii_remote is None:
        from shoplens.llm.settings import get_llm_settings

        allow_pii_remote = get_llm_settings().allow_pii_remote
    cust = {} if customers is None else customers.set_index("customer_id").to_dict("index")
    recs: dict[str, list[dict]] = {}
    if recommendations is not None and len(recommendations):
        r = recommendations.sort_values(["customer_id", "rank"])
        for cid, part in r.groupby("customer_id", sort=False):
            recs[str(cid)] = [{"title": t, "price": float(p)} for t, p
                              in zip(part["title"], part["price"], strict=True)][:3]  # fmt: skip
    use_llm = backend is not None and getattr(backend, "name", "none") != "none"
    now = pd.Timestamp.now("UTC")
    rows = []
    for row in todo.to_dict("records"):
        cid = str(row["customer_id"])
        c = cust.get(cid, {})
        lg = lang or (c.get("lang") if c.get("lang") in ("zh", "en") else "en")
        ch = str(row["channel"])
        facts = _facts(row, c, recs.get(cid, []), offers, shop)
        limit = LIMITS.get(ch, {}).get(lg)
        variants = [("template", render(facts, ch, lg), "", "none", "templates", {})]
        if use_llm:
            prompt = build_prompt(facts, ch, lg, brand_voice=brand_voice, banned=banned,
                                  limit=limit)  # fmt: skip
            if getattr(backend, "remote", False) and not allow_pii_remote:
                if facts.get("name"):  # the name first, then phones, e-mails, IDs ...
                    prompt = [(role, text.replace(str(facts["name"]), "[NAME]"))
                              for role, text in prompt]  # fmt: skip
                prompt = [(role, redact(text)) for role, text in prompt]
            out = backend.complete([Message(r_, t) for r_, t in prompt], temperature=temperature,
                                   max_tokens=400)  # fmt: skip
            text = out.text.strip().replace("[NAME]", str(facts.get("name") or ""))
            settings = {"temperature": temperature, "brand_voice": brand_voice,
                        "allow_pii_remote": bool(allow_pii_remote)}  # fmt: skip
            variants.append(("llm", text, json.dumps(prompt, ensure_ascii=False),
                             backend.name, out.model, settings))  # fmt: skip
        checked = [(v, check_message(v[1], ch, lg, facts, banned=banned)) for v in variants]
        pick = next((i for i in range(len(checked) - 1, -1, -1) if checked[i][1]["passed"]), None)
        for i, ((variant, text, prompt_s, bname, model, settings), chk) in enumerate(checked):
            rows.append({
                "message_id": uuid.uuid4().hex[:16], "customer_id": cid,
                "action": row["action"], "channel": ch, "lang": lg, "variant": variant,
                "text": text, "prompt": prompt_s, "backend": bname, "model": model,
                "settings": json.dumps(settings, ensure_ascii=False),
                "checks": json.dumps(chk, ensure_ascii=False), "passed": bool(chk["passed"]),
                "chosen": i == pick, "created_at": now,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(SCHEMA.names))


def store_messages(con: BaseBackend, messages: pd.DataFrame) -> int:
    """Append the variants to ``guidance_messages``; returns the rows written."""
    from shoplens.warehouse import store_table

    f = messages[list(SCHEMA.names)]
    if MESSAGES_TABLE in con.list_tables():
        f = pd.concat([con.table(MESSAGES_TABLE).execute(), f], ignore_index=True)
    store_table(con, MESSAGES_TABLE, ibis.memtable(f, schema=SCHEMA))
    return len(messages)
