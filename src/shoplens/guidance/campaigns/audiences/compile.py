"""Compile an :class:`~shoplens.guidance.campaigns.audiences.spec.Audience` to one Ibis expression.

The profile of every customer is the ``customers`` table left-joined with their latest
``lifecycle_customers`` row; behaviour conditions are ``customer_id IN (subquery)`` over
``events``, ``insight_texts`` (with the review or message it scores) and
``guidance_recommendations``, all relative to ``as_of`` (default: the last event). The
expression runs wherever the warehouse is (DuckDB, Spark); nothing is executed here
except reading ``as_of``.

Examples
--------
>>> import shoplens
>>> from shoplens.guidance.campaigns.audiences.spec import Audience
>>> con = shoplens.connect("duckdb", ":memory:")
>>> expr = audience_expr(con, Audience("cn", {"country": "CN"}), as_of="2025-01-01")
>>> expr.columns
('customer_id',)
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.guidance.campaigns.audiences.spec import (
    BEHAVIOUR_FIELDS,
    BRANCHES,
    Audience,
    AudienceError,
)

__all__ = ["ASPECT_ALIASES", "audience_expr", "default_as_of", "profiles"]

#: audience aspect names -> the aspect names the text part stores
ASPECT_ALIASES = {"logistics": "delivery", "shipping": "delivery"}


def default_as_of(con: BaseBackend) -> pd.Timestamp:
    """The last event's time (UTC), or now when there are no events."""
    if "events" in con.list_tables():
        last = con.table("events").ts.max().execute()
        if last is not None and not pd.isna(last):
            ts = pd.Timestamp(last)
            return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return pd.Timestamp.now("UTC")


def _ts(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def profiles(con: BaseBackend) -> ir.Table:
    """One row per customer: ``customer_id``, customer columns and the latest lifecycle row."""
    tables = set(con.list_tables())
    ids = [con.table("customers").select("customer_id")] if "customers" in tables else []
    lc = None
    if "lifecycle_customers" in tables:
        lc = con.table("lifecycle_customers")
        lc = lc.filter(lc.run_date == lc.run_date.max()).drop("run_date")
        ids.append(lc.select("customer_id"))
    if not ids:
        raise AudienceError("the warehouse has no customers: ingest customers or orders first")
    base = ibis.union(*ids, distinct=True) if len(ids) > 1 else ids[0].distinct()
    if "customers" in tables:
        c = con.table("customers").select("customer_id", "country", "region")
        base = base.left_join(c, "customer_id").select(base.customer_id, c.country, c.region)
    else:
        base = base.mutate(country=ibis.null("string"), region=ibis.null("string"))
    if lc is not None:
        base = base.left_join(lc, "customer_id").drop("customer_id_right")
    return base


def _lit(ts: pd.Timestamp) -> ir.Scalar:
    return ibis.literal(ts.to_pydatetime(), type="timestamp('UTC')")


def _events(con: BaseBackend, as_of: pd.Timestamp) -> ir.Table:
    e = con.table("events")
    return e.filter(e.ts <= _lit(as_of), e.customer_id.notnull())


def _behaviour(con: BaseBackend, key: str, params: dict, as_of: pd.Timestamp) -> ir.Column:
    p = {**BEHAVIOUR_FIELDS[key], **params}
    tables = set(con.list_tables())
    if key in ("abandoned_cart", "purchased", "visited", "review_pending"):
        e = _events(con, as_of)
        hours = p.get("within_hours") or 24.0 * p.get("within_days", 0)
        start = _lit(as_of - pd.Timedelta(hours=float(hours)))
        if key == "visited":
            return e.filter(e.ts >= start).customer_id
        buys = e.filter(e.type == "purchase").group_by("customer_id").agg(last_buy=e.ts.max())
        if key == "purchased":
            return buys.filter(buys.last_buy >= start).customer_id
        kind = "add_to_cart" if key == "abandoned_cart" else "review"
        acts = e.filter(e.type == kind).group_by("customer_id").agg(last_act=e.ts.max())
        if key == "abandoned_cart":
            j = acts.left_join(buys, "customer_id")
            j = j.filter(j.last_act >= start, j.last_buy.isnull() | (j.last_buy < j.last_act))
            return j.customer_id
        j = buys.filter(buys.last_buy >= start).left_join(acts, "customer_id")
        return j.filter(j.last_act.isnull() | (j.last_act < j.last_buy)).customer_id
    if key == "complained":
        if "insight_texts" not in tables:
            raise AudienceError(
                "'complained' needs the insight_texts table: run shoplens text enrich"
            )
        t = con.table("insight_texts")
        bad = (t.sentiment == "negative") | (t.intent == "complaint")
        if p.get("aspect"):
            a = ASPECT_ALIASES.get(str(p["aspect"]), str(p["aspect"]))
            bad = bad & t.aspects.contains(f'"aspect": "{a}"')
        t = t.filter(bad)
        start = _lit(as_of - pd.Timedelta(days=float(p["within_days"])))
        parts = []
        for src, tbl, idc in (
            ("reviews", "reviews", "review_id"),
            ("messages", "messages", "message_id"),
        ):
            if tbl not in tables:
                continue
            s = con.table(tbl)
            if tbl == "messages":
                s = s.filter(s.role.isnull() | (s.role != "agent"))
            j = t.filter(t.source == src).join(s, t.text_id == s[idc])
            j = j.filter(j.ts >= start, j.ts <= _lit(as_of), j.customer_id.notnull())
            parts.append(j.select("customer_id"))
        if not parts:
            raise AudienceError("'complained' needs reviews or messages in the warehouse")
        return (ibis.union(*parts) if len(parts) > 1 else parts[0]).customer_id
    if key == "recommended":
        if "guidance_recommendations" not in tables:
            raise AudienceError(
                "'recommended' needs guidance_recommendations: run shoplens recommend fit"
            )
        r = con.table("guidance_recommendations")
        if p.get("min_score") is not None:
            r = r.filter(r.score >= float(p["min_score"]))
        return r.customer_id
    raise AudienceError(f"unknown behaviour {key!r}")  # pragma: no cover - checked in spec


def _profile(col: ir.Column, value: Any) -> ir.BooleanColumn:
    if isinstance(value, list):
        return col.isin(value)
    if not isinstance(value, dict):
        return col == value
    conds = []
    for op, arg in value.items():
        conds.append(
            {
                "eq": lambda a: col == a,
                "ne": lambda a: col.isnull() | (col != a),
                "in": lambda a: col.isin(a),
                "not_in": lambda a: col.isnull() | col.notin(a),
                "gt": lambda a: col > a,
                "gte": lambda a: col >= a,
                "lt": lambda a: col < a,
                "lte": lambda a: col <= a,
                "between": lambda a: col.between(a[0], a[1]),
                "is_null": lambda a: col.isnull() if a else col.notnull(),
            }[op](arg)
        )
    out = conds[0]
    for c in conds[1:]:
        out = out & c
    return out


def _predicate(con, node, base, as_of):  # type: ignore[no-untyped-def]
    if isinstance(node, list):
        return _all([_predicate(con, n, base, as_of) for n in node])
    preds = []
    for key, value in node.items():
        if key in BRANCHES:
            if key == "not":
                preds.append(~_predicate(con, value, base, as_of))
            else:
                parts = [_predicate(con, n, base, as_of) for n in value]
                preds.append(_all(parts) if key == "all" else _any(parts))
        elif key in BEHAVIOUR_FIELDS:
            ids = _behaviour(con, key, {} if isinstance(value, bool) else value, as_of)
            inside = base.customer_id.isin(ids)
            preds.append(~inside if value is False else inside)
        else:
            preds.append(_profile(base[key], value).fill_null(False))
    return _all(preds)


def _all(preds):  # type: ignore[no-untyped-def]
    out = preds[0]
    for p in preds[1:]:
        out = out & p
    return out


def _any(preds):  # type: ignore[no-untyped-def]
    out = preds[0]
    for p in preds[1:]:
        out = out | p
    return out


def audience_expr(con: BaseBackend, audience: Audience, *, as_of: Any = None) -> ir.Table:
    """Ibis expression of the audience's members (one ``customer_id`` column)."""
    at = default_as_of(con) if as_of is None else _ts(as_of)
    base = profiles(con)
    missing = [
        k for k, _ in audience.conditions if k not in BEHAVIOUR_FIELDS and k not in base.columns
    ]
    if missing:
        raise AudienceError(
            f"audience {audience.name!r} needs {', '.join(missing)}, which the warehouse lacks:"
            " run shoplens lifecycle segments --save first"
        )
    return base.filter(_predicate(con, audience.where, base, at)).select("customer_id")
