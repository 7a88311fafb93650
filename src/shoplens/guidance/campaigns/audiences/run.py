"""Evaluate audiences in the warehouse, compare with the last run, store and export them.

:func:`evaluate_audiences` runs each audience's expression and returns the members,
sizes, pairwise overlaps and the change since the last stored run; an empty audience is a
warning (logged and listed), not an error. :func:`store_audiences` keeps the members in
``guidance_audiences`` and one summary row per audience and run in
``guidance_audience_runs``. :func:`export_audience` writes CSV or JSON, and
:func:`post_webhook` sends the members as JSON in batches.

Examples
--------
>>> import shoplens
>>> from shoplens.guidance.campaigns.audiences.spec import Audience
>>> con = shoplens.connect("duckdb", ":memory:")
>>> run = evaluate_audiences(con, [Audience("cn", {"country": "CN"})], as_of="2025-01-01")
>>> run.sizes["audience"].tolist(), run.warnings[0][:24]
(['cn'], "audience 'cn' is empty a")
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.guidance.campaigns.audiences.compile import _ts, audience_expr, default_as_of
from shoplens.guidance.campaigns.audiences.spec import Audience

__all__ = [
    "AudienceRun",
    "evaluate_audiences",
    "export_audience",
    "overlaps",
    "post_webhook",
    "store_audiences",
]

log = logging.getLogger(__name__)
MEMBERS = "guidance_audiences"
RUNS = "guidance_audience_runs"


@dataclass
class AudienceRun:
    """Members (``audience, customer_id``), sizes with change since the last run, overlaps."""

    as_of: pd.Timestamp
    members: pd.DataFrame
    sizes: pd.DataFrame
    overlaps: pd.DataFrame
    definitions: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def overlaps(members: pd.DataFrame) -> pd.DataFrame:
    """Customers shared by each pair of audiences (a square frame, sizes on the diagonal)."""
    names = list(dict.fromkeys(members["audience"]))
    sets = {n: set(members.loc[members.audience == n, "customer_id"]) for n in names}
    return pd.DataFrame(
        [[len(sets[a] & sets[b]) for b in names] for a in names], index=names, columns=names
    )


def _previous(con: BaseBackend) -> pd.DataFrame | None:
    if MEMBERS not in con.list_tables():
        return None
    return con.table(MEMBERS).select("audience", "customer_id").execute()


def evaluate_audiences(
    con: BaseBackend, audiences: list[Audience], *, as_of: Any = None
) -> AudienceRun:
    """Run every audience on the warehouse as of ``as_of`` (default: the last event)."""
    if not audiences:
        raise InputError("no audiences to evaluate")
    at = default_as_of(con) if as_of is None else _ts(as_of)
    exprs = [
        audience_expr(con, a, as_of=at).mutate(audience=ibis.literal(a.name, "string"))
        for a in audiences
    ]
    found = ibis.union(*exprs, distinct=True) if len(exprs) > 1 else exprs[0].distinct()
    found = found.select("audience", "customer_id").execute()  # one query for all of them
    found["customer_id"] = found["customer_id"].astype(str)
    parts, warnings = [], []
    for a in audiences:
        ids = found.loc[found.audience == a.name, "customer_id"]
        parts.append(pd.DataFrame({"audience": a.name, "customer_id": sorted(ids)}))
        if not len(ids):
            msg = f"audience {a.name!r} is empty as of {at:%Y-%m-%d %H:%M}"
            log.warning(msg)
            warnings.append(msg)
    members = pd.concat(parts, ignore_index=True)
    prev = _previous(con)
    rows = []
    for a in audiences:
        now = set(members.loc[members.audience == a.name, "customer_id"])
        before = None if prev is None else set(prev.loc[prev.audience == a.name, "customer_id"])
        rows.append({
            "audience": a.name,
            "size": len(now),
            "added": None if before is None else len(now - before),
            "removed": None if before is None else len(before - now),
            "previous_size": None if before is None else len(before),
        })  # fmt: skip
    sizes = pd.DataFrame(rows)
    defs = {a.name: json.dumps(a.where, ensure_ascii=False, default=str) for a in audiences}
    return AudienceRun(at, members, sizes, overlaps(members), defs, warnings)


def store_audiences(con: BaseBackend, run: AudienceRun) -> None:
    """Replace ``guidance_audiences`` with this run's members; append the run's summary."""
    from shoplens.warehouse import store_table

    m = run.members.assign(as_of=run.as_of)
    schema = ibis.schema(
        {"audience": "string", "customer_id": "string", "as_of": "timestamp('UTC')"}
    )
    store_table(con, MEMBERS, ibis.memtable(m, schema=schema),
                categories={"audience": list(run.definitions)})  # fmt: skip
    summary = run.sizes.assign(
        as_of=run.as_of,
        definition=run.sizes["audience"].map(run.definitions),
        run_at=pd.Timestamp.now("UTC"),
    )
    for c in ("added", "removed", "previous_size"):
        summary[c] = pd.to_numeric(summary[c]).astype("Int64")
    if RUNS in con.list_tables():
        old = con.table(RUNS).execute()
        summary = pd.concat([old, summary], ignore_index=True)
    rs = ibis.schema({"audience": "string", "size": "int64", "added": "int64", "removed": "int64",
                      "previous_size": "int64", "as_of": "timestamp('UTC')",
                      "definition": "string", "run_at": "timestamp('UTC')"})  # fmt: skip
    store_table(con, RUNS, ibis.memtable(summary[list(rs.names)], schema=rs))


def export_audience(run: AudienceRun, audience: str, path: str | Path) -> Path:
    """Write one audience's members to ``.csv`` or ``.json`` (with its definition)."""
    out = Path(path)
    ids = run.members.loc[run.members.audience == audience, "customer_id"].tolist()
    if audience not in run.definitions:
        raise InputError(f"no audience {audience!r} in this run: {', '.join(run.definitions)}")
    if out.suffix == ".csv":
        pd.DataFrame({"customer_id": ids}).to_csv(out, index=False)
    elif out.suffix == ".json":
        out.write_text(json.dumps(_payload(run, audience, ids), ensure_ascii=False), "utf-8")
    else:
        raise InputError(f"export to .csv or .json, not {out.name}")
    return out


def _payload(run: AudienceRun, audience: str, ids: list[str]) -> dict[str, Any]:
    return {
        "audience": audience,
        "as_of": run.as_of.isoformat(),
        "definition": json.loads(run.definitions[audience]),
        "size": len(ids),
        "customer_ids": ids,
    }


def post_webhook(
    run: AudienceRun, audience: str, url: str, *, batch: int = 10_000, timeout: float = 10.0
) -> int:
    """POST the members as JSON (``batch`` ids per request); returns the requests sent."""
    from shoplens.errors import ShopLensError

    if not url.startswith(("http://", "https://")):
        raise InputError(f"the webhook must be an http(s) URL, got {url!r}")
    ids = run.members.loc[run.members.audience == audience, "customer_id"].tolist()
    chunks = [ids[i : i + batch] for i in range(0, len(ids), batch)] or [[]]
    for k, chunk in enumerate(chunks):
        body = _payload(run, audience, chunk) | {"batch": k, "batches": len(chunks)}
        req = urllib.request.Request(url, json.dumps(body, ensure_ascii=False).encode(),
                                     {"Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                if resp.status >= 300:
                    raise ShopLensError(f"the webhook answered {resp.status}")
        except OSError as exc:
            raise ShopLensError(f"cannot post to the webhook {url}: {exc}") from None
    return len(chunks)
