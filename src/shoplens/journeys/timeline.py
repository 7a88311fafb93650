"""One customer's timeline, and text insight (sentiment, intent) on journey steps.

* :func:`customer_timeline` lists everything a customer did, in time order: their events
  (with session boundaries from :func:`~shoplens.journeys.sessions.assign_sessions`),
  orders, reviews and chat messages from the canonical tables. When the warehouse holds
  ``insight_texts`` (see :mod:`shoplens.insight.text.enrich`), review and message rows
  carry its ``sentiment`` and ``intent`` (joined on ``text_id`` = ``review_id`` /
  ``message_id`` and ``source``), and so do the ``review`` and ``chat`` events.
* :func:`with_text_insight` adds ``sentiment`` and ``intent`` to every event, so that they
  can break a funnel down. A ``review`` event names its review in ``properties``
  (``{"review_id": ...}``) and gets that review's values; a ``chat`` event names its
  conversation (``{"conversation_id": ...}``) and gets the values of the conversation's
  first customer message that has insight (the message that states the intent). Other
  events get nulls. The ids are read from the JSON text with a regular expression, which
  works on every engine.
* :func:`with_customer_insight` carries them forward: every event gets the customer's
  latest known sentiment and intent, so any customer-level funnel can be broken down by
  the customer's mood or intent when they entered it.

Examples
--------
>>> import ibis, pandas as pd
>>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a"], "customer_id": ["u"],
...     "ts": pd.to_datetime(["2024-01-01"], utc=True), "type": ["review"],
...     "properties": ['{"review_id": "R1", "rating": 2}']}))
>>> texts = ibis.memtable(pd.DataFrame({"text_id": ["R1"], "source": ["reviews"],
...     "sentiment": ["negative"], "intent": [None]}))
>>> with_text_insight(ev, texts).sentiment.to_list()
['negative']
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.journeys.sessions import DEFAULT_GAP, assign_sessions, require_columns

KINDS = ("event", "order", "review", "message")
COLUMNS = {
    "ts": "timestamp('UTC')",
    "kind": "string",
    "type": "string",
    "session_id": "string",
    "new_session": "boolean",
    "ref_id": "string",
    "item_id": "string",
    "value": "float64",
    "detail": "string",
    "sentiment": "string",
    "intent": "string",
}


def json_string(column: ir.StringValue, key: str) -> ir.StringValue:
    """The string value of ``key`` in a JSON object stored as text (null when absent).

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"p": ['{"review_id": "R7"}', "{}"]})
    >>> t.select(r=json_string(t.p, "review_id")).r.to_list()
    ['R7', None]
    """
    pattern = '"' + key + r'"\s*:\s*"([^"]*)"'
    return column.re_extract(pattern, 1).nullif("")


def _insight(texts: ir.Table, source: str) -> ir.Table:
    t = texts.filter(texts.source == source)
    return t.select(_tid=t.text_id, _sent=t.sentiment.cast("string"), _int=t.intent.cast("string"))


def conversation_insight(messages: ir.Table, texts: ir.Table) -> ir.Table:
    """Sentiment and intent per conversation: those of its first customer message with insight.

    Columns: ``conversation_id``, ``sentiment``, ``intent``.
    """
    m = messages
    if "role" in m.columns:
        m = m.filter(m.role.fill_null("customer") == "customer")
    ins = _insight(texts, "messages")
    j = m.inner_join(ins, m.message_id == ins._tid)
    w = ibis.window(group_by=j.conversation_id, order_by=[j.ts, j.message_id])
    j = j.filter(ibis.row_number().over(w) == 0)
    return j.select("conversation_id", sentiment=j._sent, intent=j._int)


def with_text_insight(
    events: ir.Table, texts: ir.Table | None, messages: ir.Table | None = None
) -> ir.Table:
    """Return ``events`` with ``sentiment`` and ``intent`` columns (see the module docstring).

    Parameters
    ----------
    events
        The canonical events table (``properties`` holds the review/conversation ids).
    texts
        The ``insight_texts`` table (``text_id, source, sentiment, intent``), or ``None``
        for null columns.
    messages
        The canonical ``messages`` table, needed for ``chat`` events.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a"], "customer_id": ["u"],
    ...     "ts": pd.to_datetime(["2024-01-01"], utc=True), "type": ["view"],
    ...     "properties": [None]}))
    >>> with_text_insight(ev, None).intent.to_list()
    [None]
    """
    require_columns(events, ("event_id", "type"), "with_text_insight")
    if texts is None or "properties" not in events.columns:
        return events.mutate(sentiment=ibis.null("string"), intent=ibis.null("string"))
    for col in ("text_id", "source", "sentiment", "intent"):
        if col not in texts.columns:
            raise InputError(f"insight texts need a {col!r} column (see insight_texts)")
    ev = events.mutate(
        _rid=ibis.cases((events.type == "review", json_string(events.properties, "review_id"))),
        _cid=ibis.cases((events.type == "chat", json_string(events.properties, "conversation_id"))),
    )
    rev = _insight(texts, "reviews")
    ev = ev.left_join(rev, ev._rid == rev._tid).drop("_tid")
    if messages is not None:
        conv = conversation_insight(messages, texts)
        conv = conv.select(_cv=conv.conversation_id, _cs=conv.sentiment, _ci=conv.intent)
        ev = ev.left_join(conv, ev._cid == conv._cv).drop("_cv")
    else:
        ev = ev.mutate(_cs=ibis.null("string"), _ci=ibis.null("string"))
    return ev.mutate(sentiment=ev._sent.coalesce(ev._cs), intent=ev._int.coalesce(ev._ci)).drop(
        "_rid", "_cid", "_sent", "_int", "_cs", "_ci"
    )


def with_customer_insight(
    events: ir.Table, texts: ir.Table | None, messages: ir.Table | None = None
) -> ir.Table:
    """Return ``events`` with the customer's latest known ``sentiment`` and ``intent``.

    Every event gets the sentiment of the customer's latest review or chat event **at or
    before it** (events ordered by ``ts, event_id``) that has one, as
    :func:`with_text_insight` assigns them; the intent is carried the same way, on its
    own. Events before the customer's first such text get nulls. As a funnel's breakdown
    values come from the attempt's first event, ``funnel(with_customer_insight(...), steps,
    breakdown="sentiment")`` breaks any funnel (``view -> ... -> purchase``, counted by
    customer) down by the customer's latest sentiment when they entered it.

    Parameters
    ----------
    events, texts, messages
        As in :func:`with_text_insight`.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a", "b", "c"], "customer_id": ["u"] * 3,
    ...     "ts": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"], utc=True),
    ...     "type": ["view", "review", "view"],
    ...     "properties": [None, '{"review_id": "R1"}', None]}))
    >>> texts = ibis.memtable(pd.DataFrame({"text_id": ["R1"], "source": ["reviews"],
    ...     "sentiment": ["negative"], "intent": [None]}))
    >>> with_customer_insight(ev, texts).order_by("event_id").sentiment.to_list()
    [None, 'negative', 'negative']
    """
    require_columns(events, ("event_id", "customer_id", "ts", "type"), "with_customer_insight")
    e = with_text_insight(events, texts, messages)
    upto = ibis.window(group_by=e.customer_id, order_by=[e.ts, e.event_id], rows=(None, 0))
    # a running count of the texts seen so far groups each text-bearing event with the
    # events after it; the group's first row is that event (group 0: no text yet)
    e = e.mutate(
        _gs=e.sentiment.notnull().cast("int64").sum().over(upto),
        _gi=e.intent.notnull().cast("int64").sum().over(upto),
    )
    order = [e.ts, e.event_id]
    by_s = ibis.window(group_by=[e.customer_id, e._gs], order_by=order)
    by_i = ibis.window(group_by=[e.customer_id, e._gi], order_by=order)
    out = e.mutate(sentiment=e.sentiment.first().over(by_s), intent=e.intent.first().over(by_i))
    return out.drop("_gs", "_gi")


def _shape(t: ir.Table, **cols: object) -> ir.Table:
    """Select the timeline columns with their exact types (``None`` -> typed null)."""
    out = {}
    for name, typ in COLUMNS.items():
        value = cols.get(name)
        if value is None:
            out[name] = ibis.null(typ)
        elif isinstance(value, str):
            out[name] = ibis.literal(value).cast(typ)
        else:
            out[name] = value.cast(typ)  # type: ignore[attr-defined]
    return t.select(**out)


def customer_timeline(
    con: BaseBackend, customer_id: str, *, gap: timedelta = DEFAULT_GAP
) -> ir.Table:
    """Return one customer's timeline as an Ibis expression, in time order.

    Columns: ``ts``, ``kind`` (``event``, ``order``, ``review``, ``message``), ``type``
    (event type, order status, ``review``, or message role), ``session_id`` and
    ``new_session`` (events only: the session boundaries), ``ref_id`` (event, order,
    review or message id), ``item_id``, ``value`` (event value, order total, review
    rating), ``detail`` (search query or properties, review title and text, message text),
    ``sentiment`` and ``intent`` (from ``insight_texts`` when the warehouse has it).
    Rows at the same time are ordered events, orders, reviews, messages, then by id.

    Raises :class:`~shoplens.errors.InputError` when the customer has no row in any of
    ``customers``, ``events``, ``orders``, ``reviews`` and ``messages`` (this check runs a
    small query).

    Examples
    --------
    >>> import shoplens
    >>> customer_timeline(shoplens.connect("duckdb", ":memory:"), "nobody")
    Traceback (most recent call last):
    ...
    shoplens.errors.InputError: unknown customer 'nobody': ...
    """
    if not isinstance(customer_id, str) or not customer_id:
        raise InputError("customer_id must be a non-empty string")
    tables = set(con.list_tables())
    have = [n for n in ("customers", "events", "orders", "reviews", "messages") if n in tables]
    if not have or not _known(con, have, customer_id):
        raise InputError(
            f"unknown customer {customer_id!r}: no customer, event, order, review or "
            "message has this customer_id (see `shoplens journeys sessions` for ids)"
        )
    texts = con.table("insight_texts") if "insight_texts" in tables else None
    parts = []
    if "events" in have:
        ev = con.table("events")
        ev = ev.filter(ev.customer_id == customer_id)
        messages = con.table("messages") if "messages" in have else None
        ev = with_text_insight(assign_sessions(ev, gap), texts, messages)
        w = ibis.window(group_by=ev.session_id, order_by=[ev.ts, ev.event_id])
        detail = ev["query"] if "query" in ev.columns else None
        if "properties" in ev.columns:
            detail = ev.properties if detail is None else detail.coalesce(ev.properties)
        parts.append(
            _shape(
                ev,
                ts=ev.ts,
                kind="event",
                type=ev.type,
                session_id=ev.session_id,
                new_session=ibis.row_number().over(w) == 0,
                ref_id=ev.event_id,
                item_id=ev.item_id if "item_id" in ev.columns else None,
                value=ev.value if "value" in ev.columns else None,
                detail=detail,
                sentiment=ev.sentiment,
                intent=ev.intent,
            )
        )
    parts += _records(con, have, texts, customer_id)
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    rank = ibis.cases(*[(out.kind == k, i) for i, k in enumerate(KINDS)], else_=len(KINDS))
    return out.order_by([out.ts, rank, out.ref_id])


def _known(con: BaseBackend, have: list[str], customer_id: str) -> bool:
    counts = []
    for name in have:
        t = con.table(name)
        counts.append(t.filter(t.customer_id == customer_id).select("customer_id").limit(1))
    found = counts[0]
    for c in counts[1:]:
        found = found.union(c)
    return int(found.count().execute()) > 0


def _records(con, have, texts, customer_id):  # type: ignore[no-untyped-def]
    parts = []
    if "orders" in have:
        o = con.table("orders")
        o = o.filter(o.customer_id == customer_id)
        parts.append(
            _shape(
                o,
                ts=o.ts,
                kind="order",
                type="order",
                ref_id=o.order_id,
                value=o.total,
                detail=o.status,
            )
        )
    for name, id_col, kind in (
        ("reviews", "review_id", "review"),
        ("messages", "message_id", "message"),
    ):
        if name not in have:
            continue
        r = con.table(name)
        r = r.filter(r.customer_id == customer_id)
        if texts is not None:
            ins = _insight(texts, name)
            r = r.left_join(ins, r[id_col] == ins._tid)
        else:
            r = r.mutate(_sent=ibis.null("string"), _int=ibis.null("string"))
        if kind == "review":
            detail = r.title.fill_null("").concat(" | ", r.text.fill_null(""))
            typ, item, value = "review", r.item_id, r.rating
        else:
            detail, typ, item, value = r.text, r.role, None, None
        parts.append(
            _shape(
                r,
                ts=r.ts,
                kind=kind,
                type=typ,
                ref_id=r[id_col],
                item_id=item,
                value=value,
                detail=detail,
                sentiment=r._sent,
                intent=r._int,
            )
        )
    return parts
