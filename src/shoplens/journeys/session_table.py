"""Store the session table in the warehouse as ``journey_sessions``.

:func:`save_sessions` runs :func:`~shoplens.journeys.sessions.sessionize` and stores its
rows with :func:`shoplens.warehouse.store_table`. On DuckDB the six low-cardinality text
columns (entry and exit type and stage, channel, device) are stored as ``ENUM`` over the
values the events can give them, which DuckDB writes several times faster than text
(docs/decisions/0011-low-cardinality-enum.md); they read back as plain strings.

Examples
--------
>>> import shoplens, pandas as pd
>>> con = shoplens.connect("duckdb", ":memory:")
>>> con.insert("events", pd.DataFrame({"event_id": ["a", "b"], "customer_id": ["u", "u"],
...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:05"], utc=True),
...     "type": ["view", "purchase"], "value": [None, 20.0]}))
>>> save_sessions(con, con.table("events")).select("session_id", "exit_stage").execute()
  session_id exit_stage
0        u:1   purchase
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
from ibis.backends import BaseBackend

from shoplens.journeys.journey_stages import OTHER, validate_stage_map
from shoplens.journeys.sessions import sessionize
from shoplens.warehouse import store_table

SESSION_TABLE = "journey_sessions"


def session_categories(events: ir.Table, stages: Any = None) -> dict[str, list[str]]:
    """The values the session table's low-cardinality text columns can take.

    Entry and exit types are event types of ``events``; their stages follow from the
    stage map (``stages``, default :data:`~shoplens.journeys.journey_stages.DEFAULT_STAGE_MAP`;
    unknown types are ``"other"``); channel and device are those of the events. One
    query over ``events``.

    Examples
    --------
    >>> import ibis
    >>> ev = ibis.memtable({"type": ["view", "chat", None], "device": ["web", None, "app"]})
    >>> cats = session_categories(ev, {"view": "browse"})
    >>> cats["entry_type"], cats["exit_stage"], cats["device"]
    (['chat', 'view'], ['browse', 'other'], ['app', 'web'])
    """
    mapping = validate_stage_map(stages)
    cols = [c for c in ("type", "channel", "device") if c in events.columns]
    row = events.aggregate(**{c: events[c].collect(distinct=True) for c in cols}).execute()
    lists = {c: row[c].iloc[0] for c in cols}  # null when a column has no value at all
    found = {
        c: sorted(v for v in (got if got is not None else ()) if v is not None)
        for c, got in lists.items()
    }
    types = found.get("type", [])
    stage_values = sorted({mapping.get(t, OTHER) for t in types} | {OTHER})
    out = {"entry_type": types, "exit_type": types}
    out |= {"entry_stage": stage_values, "exit_stage": stage_values}
    return out | {c: found[c] for c in ("channel", "device") if c in found}


def save_sessions(
    con: BaseBackend, events: ir.Table, name: str = SESSION_TABLE, **kwargs: Any
) -> ir.Table:
    """Sessionize ``events`` and store the session table as ``name`` (replacing it).

    Keyword arguments are those of :func:`~shoplens.journeys.sessions.sessionize`.
    Returns the stored table. The replacement is one transaction on DuckDB: when it
    fails the former table is kept.
    """
    sessions = sessionize(events, **kwargs)
    categories = session_categories(events, kwargs.get("stages")) if con.name == "duckdb" else None
    return store_table(con, name, sessions, categories=categories)
