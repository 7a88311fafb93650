"""Keep plans in ``guidance_actions`` (appended, one ``plan_id`` per plan) and read contacts back.

Examples
--------
>>> import shoplens
>>> past_contacts(shoplens.connect("duckdb", ":memory:")).empty
True
"""

from __future__ import annotations

import uuid

import ibis
import pandas as pd
from ibis.backends import BaseBackend

__all__ = ["ACTIONS_TABLE", "SCHEMA", "past_contacts", "store_plan"]

ACTIONS_TABLE = "guidance_actions"
SCHEMA = ibis.schema({
    "plan_id": "string", "customer_id": "string", "action": "string", "channel": "string",
    "expected_value": "float64", "uplift": "float64", "reason": "string",
    "send_at": "timestamp('UTC')", "planned_at": "timestamp('UTC')",
})  # fmt: skip


def store_plan(con: BaseBackend, plan: pd.DataFrame, plan_id: str | None = None) -> str:
    """Append ``plan`` to ``guidance_actions``; returns its ``plan_id``."""
    from shoplens.warehouse import store_table

    pid = plan_id or uuid.uuid4().hex[:12]
    f = plan.assign(plan_id=pid)[list(SCHEMA.names)]
    f["send_at"] = pd.to_datetime(f["send_at"], utc=True)
    f["planned_at"] = pd.to_datetime(f["planned_at"], utc=True)
    if ACTIONS_TABLE in con.list_tables():
        old = con.table(ACTIONS_TABLE).execute()
        f = pd.concat([old[old.plan_id != pid], f], ignore_index=True)
    store_table(con, ACTIONS_TABLE, ibis.memtable(f, schema=SCHEMA))
    return pid


def past_contacts(con: BaseBackend) -> pd.DataFrame:
    """Contacts of stored plans (``customer_id, sent_at``), for the frequency cap."""
    if ACTIONS_TABLE not in con.list_tables():
        return pd.DataFrame({"customer_id": pd.Series(dtype=str),
                             "sent_at": pd.Series(dtype="datetime64[us, UTC]")})  # fmt: skip
    t = con.table(ACTIONS_TABLE)
    t = t.filter(t.action != "do_nothing")
    return t.select("customer_id", sent_at=t.send_at).execute()
