"""Store assistant turns: canonical ``messages`` rows plus ``guidance_assistant_turns``.

Both messages of a turn (the customer's, role ``customer``, and the assistant's, role
``bot``) go to the canonical ``messages`` table, so journeys and text insight see them
like any chat; their text is stored with personal data redacted. The side table
``guidance_assistant_turns`` keeps, per bot message, the intent, backend, model, cited
sources, the verifier's outcome, what was shown, the handoff and the timings (JSON).

Examples
--------
>>> TURNS_COLUMNS[:3]
('message_id', 'conversation_id', 'customer_id')
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pandas as pd

from shoplens.privacy import redact

__all__ = ["TURNS_COLUMNS", "TURNS_TABLE", "save_turn"]

TURNS_TABLE = "guidance_assistant_turns"
TURNS_COLUMNS = (
    "message_id", "conversation_id", "customer_id", "ts", "intent", "lang", "backend", "model",
    "shown", "sources", "verifier", "handoff", "handoff_reason", "flags", "timings",
)  # fmt: skip


def save_turn(con: Any, conv: Any, text: str, turn: Any, backend: Any) -> tuple[str, str]:
    """Append the turn's two messages and its audit row; returns the two message ids."""
    now = pd.Timestamp.now("UTC")
    ids = (f"M{uuid.uuid4().hex[:15]}", f"M{uuid.uuid4().hex[:15]}")
    messages = pd.DataFrame(
        {
            "message_id": list(ids),
            "conversation_id": [conv.id, conv.id],
            "customer_id": [conv.customer_id, conv.customer_id],
            "ts": [now, now + pd.Timedelta(milliseconds=1)],
            "role": ["customer", "bot"],
            "text": [redact(text), redact(turn.answer)],
            "lang": [turn.lang, turn.lang],
        }
    )
    row = {
        "message_id": ids[1],
        "conversation_id": conv.id,
        "customer_id": conv.customer_id,
        "ts": now,
        "intent": turn.intent,
        "lang": turn.lang,
        "backend": backend.name,
        "model": turn.model,
        "shown": turn.shown,
        "sources": json.dumps(turn.citations),
        "verifier": json.dumps(turn.verifier, ensure_ascii=False),
        "handoff": turn.handoff is not None,
        "handoff_reason": turn.handoff.reason if turn.handoff else None,
        "flags": json.dumps(turn.flags),
        "timings": json.dumps({k: round(v, 3) for k, v in turn.timings.items()}),
    }
    turns = pd.DataFrame([row], columns=list(TURNS_COLUMNS))
    con.insert("messages", messages)
    if TURNS_TABLE not in con.list_tables():
        con.create_table(TURNS_TABLE, schema=turns_schema())
    con.insert(TURNS_TABLE, turns)
    return ids


def turns_schema() -> Any:
    """The Ibis schema of ``guidance_assistant_turns``."""
    import ibis

    types = {"ts": "timestamp('UTC')", "handoff": "boolean"}
    return ibis.schema({c: types.get(c, "string") for c in TURNS_COLUMNS})
