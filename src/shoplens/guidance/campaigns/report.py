"""The campaigns job (:func:`run_campaigns`) and its view (:func:`campaigns_sections`).

The job evaluates the ready audiences, plans the next-best-action from the stored past
experiment (on the demo shop, a simulated one), writes the messages (templates unless a
backend is given), and on the demo shop measures the plan against a holdout. The view
only reads the stored tables.

Examples
--------
>>> import shoplens
>>> [s.title for s in campaigns_sections(shoplens.connect("duckdb", ":memory:"))]
['Campaigns']
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError, ShopLensError
from shoplens.report.build import Section, table_html

__all__ = ["TABLES", "campaigns_sections", "run_campaigns"]

log = logging.getLogger(__name__)

TABLES = (
    "guidance_audience_runs",
    "guidance_audiences",
    "guidance_actions",
    "guidance_messages",
    "guidance_experiment_units",
    "guidance_experiment_results",
)


def _store_results(con: BaseBackend, result: Any, experiment_id: str) -> None:
    from shoplens.warehouse import store_table

    f = result.comparisons.assign(experiment_id=experiment_id, decision=result.decision,
                                  reasons="; ".join(result.reasons),
                                  srm_p=float(result.srm["p_value"]))  # fmt: skip
    store_table(con, "guidance_experiment_results", ibis.memtable(f))


def run_campaigns(con: BaseBackend, *, demo_dir: str | Path | None = None, backend: Any = None,
                  audiences: Any = None, as_of: Any = None,
                  data_dir: str | Path | None = None) -> None:  # fmt: skip
    """Compute and store the campaign tables (a step that cannot run is logged and skipped).

    ``data_dir`` is the folder the main job ingested; when it is a demo shop (it has a
    ``truth/`` folder) and ``demo_dir`` is not given, its response model is used.
    """
    demo_dir = demo_dir or data_dir
    from shoplens.guidance.campaigns.audiences import (
        AudienceError,
        evaluate_audiences,
        ready_audiences,
        store_audiences,
    )
    from shoplens.guidance.campaigns.audiences.compile import audience_expr
    from shoplens.guidance.campaigns.messages import store_messages, write_messages
    from shoplens.guidance.campaigns.nba import store_plan
    from shoplens.guidance.campaigns.run import (
        demo_experiment,
        measure_plan,
        plan_from_experiment,
        read_experiment,
        store_experiment,
    )

    usable = []
    for a in audiences or ready_audiences():
        try:
            audience_expr(con, a, as_of=as_of or "2000-01-01")
            usable.append(a)
        except AudienceError as exc:
            log.info("audience %s skipped: %s", a.name, exc)
    if usable:
        store_audiences(con, evaluate_audiences(con, usable, as_of=as_of))
    units = read_experiment(con)
    demo = Path(demo_dir) if demo_dir and (Path(demo_dir) / "truth").is_dir() else None
    if units is None and demo is not None:
        units = demo_experiment(con, demo)
        store_experiment(con, units)
    if units is None:
        log.info("next-best-action skipped: no past experiment in guidance_experiment_units")
        return
    try:
        plan = plan_from_experiment(con, units[units.experiment_id != "nba-plan"])
    except ShopLensError as exc:
        log.info("next-best-action skipped: %s", exc)
        return
    store_plan(con, plan)
    customers = None
    if "customers" in con.list_tables():
        c = con.table("customers").select("customer_id", "attributes").execute()
        lang = c.attributes.map(lambda s: json.loads(s).get("lang") if isinstance(s, str) else None)
        customers = pd.DataFrame({"customer_id": c.customer_id, "lang": lang})
    recs = None
    if {"guidance_recommendations", "items"} <= set(con.list_tables()):
        r = con.table("guidance_recommendations")
        it = con.table("items").select("item_id", "title", "price")
        recs = r.join(it, "item_id").select("customer_id", "rank", "title", "price").execute()
    store_messages(con, write_messages(plan, customers=customers, recommendations=recs,
                                       backend=backend))  # fmt: skip
    if demo is not None:
        try:
            measured, result = measure_plan(plan, demo)
        except InputError as exc:  # e.g. a plan that contacts nobody
            log.info("plan not measured: %s", exc)
            return
        store_experiment(con, measured)
        _store_results(con, result, "nba-plan")


def _missing() -> list[Section]:
    return [Section("Campaigns", "<p>Not computed yet: run <code>shoplens campaign plan</code>"
                    " or the main job.</p>", anchor="campaigns")]  # fmt: skip


def campaigns_sections(con: BaseBackend) -> list[Section]:
    """Report sections from the stored campaign tables."""
    have = set(con.list_tables())
    if not have & set(TABLES):
        return _missing()
    parts = []
    if "guidance_audience_runs" in have:
        runs = con.table("guidance_audience_runs").execute()
        last = runs[runs.run_at == runs.run_at.max()]
        parts.append("<h3>Audiences</h3>" + table_html(
            last[["audience", "size", "added", "removed", "as_of"]]))  # fmt: skip
    if "guidance_actions" in have:
        a = con.table("guidance_actions").execute()
        a = a[a.planned_at == a.planned_at.max()]
        by = a.groupby("action").agg(
            customers=("customer_id", "size"), expected_value=("expected_value", "sum")
        )
        by = by.reset_index()
        sample = a[a.action != "do_nothing"].head(8)[["customer_id", "action", "channel", "reason"]]
        parts.append("<h3>Next-best-action</h3>" + table_html(by) + table_html(sample))
    if "guidance_messages" in have:
        m = con.table("guidance_messages").execute()
        by = m.groupby(["variant", "passed"]).size().rename("variants").reset_index()
        chosen = m[m.chosen].head(6)[["customer_id", "channel", "lang", "text"]]
        parts.append("<h3>Messages</h3>" + table_html(by) + table_html(chosen))
    if "guidance_experiment_results" in have:
        r = con.table("guidance_experiment_results").execute()
        for eid, part in r.groupby("experiment_id"):
            cols = ["metric", "arm", "control_mean", "estimate", "ci_low", "ci_high",
                    "p_value", "always_valid_p", "cuped"]  # fmt: skip
            head = f"Experiment {eid}: {part.decision.iloc[0]}"
            why = html.escape(part.reasons.iloc[0])
            parts.append(f"<h3>{html.escape(head)}</h3><p>{why}</p>" + table_html(part[cols]))
    return [Section("Campaigns", "".join(parts), anchor="campaigns")]
