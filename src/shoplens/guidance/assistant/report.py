"""The assistant's part of the main job: run the evaluation, store it, and report it.

``run_assistant(con)`` runs the evaluation on the warehouse's shop (or a seeded demo shop
when the warehouse has no orders) with the no-LLM backend by default, and stores
``guidance_assistant_eval`` (one row per metric with its goal) and
``guidance_assistant_eval_cases`` (one row per case). ``assistant_sections(con)`` only
reads those tables.

Examples
--------
>>> import shoplens
>>> [s.title for s in assistant_sections(shoplens.connect("duckdb", ":memory:"))]
['Customer-service assistant']
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from shoplens.report.build import Section, figure_html, table_html

__all__ = ["CASES_TABLE", "EVAL_TABLE", "assistant_sections", "run_assistant", "store_eval"]

EVAL_TABLE = "guidance_assistant_eval"
CASES_TABLE = "guidance_assistant_eval_cases"
TITLE = "Customer-service assistant"


def store_eval(con: Any, report: Any) -> None:
    """Store an :class:`~shoplens.guidance.assistant.evaluate.EvalReport` (two tables)."""
    from shoplens.warehouse import store_table

    summary = report.summary().assign(
        backend=report.backend, k=report.k, goal=lambda f: f["goal"].astype(float),
        met=lambda f: f["met"].map({True: "yes", False: "no"}).fillna(""),
    )  # fmt: skip
    store_table(con, EVAL_TABLE, ibis.memtable(summary))
    cases = report.cases.assign(backend=report.backend)
    cases["passed_runs"] = cases["passed_runs"].astype("int64")
    cases["runs"] = cases["runs"].astype("int64")
    store_table(con, CASES_TABLE, ibis.memtable(cases))


def run_assistant(con: Any, *, backend: str | None = "none", k: int = 1, embed: bool = True,
                  seed: int = 11) -> None:  # fmt: skip
    """Evaluate the assistant on the warehouse's shop and store the result."""
    from shoplens.guidance.assistant.evaluate import run_eval
    from shoplens.llm import get_backend

    report = run_eval(con, get_backend(backend), k=k, embed=embed, seed=seed)
    store_eval(con, report)


def assistant_sections(con: Any) -> list[Section]:
    """The evaluation's figures, from the stored tables."""
    if EVAL_TABLE not in con.list_tables():
        return [Section(TITLE, "<p class='muted'>Not computed yet: run the main job or "
                               "<code>shoplens assistant eval --save</code>.</p>")]  # fmt: skip
    summary = con.table(EVAL_TABLE).to_pandas()
    html = [table_html(summary[["metric", "value", "goal", "met", "backend", "k"]],
                       float_format="{:,.3f}")]  # fmt: skip
    if CASES_TABLE in con.list_tables():
        import plotly.graph_objects as go

        cases = con.table(CASES_TABLE).to_pandas()
        rate = (
            cases.assign(ok=cases["passed_runs"] == cases["runs"])
            .groupby(["category", "lang"])["ok"].mean().reset_index()
        )  # fmt: skip
        fig = go.Figure()
        for lang, rows in rate.groupby("lang"):
            fig.add_bar(x=rows["category"], y=rows["ok"], name=lang)
        fig.update_layout(barmode="group", title="Cases passed in every run, by category",
                          yaxis={"range": [0, 1], "tickformat": ".0%"}, height=340)  # fmt: skip
        html.append(figure_html(fig))
        failed = cases[cases["passed_runs"] < cases["runs"]]
        if len(failed):
            html.append("<h4>Cases that failed</h4>")
            html.append(table_html(pd.DataFrame(failed[["case", "category", "lang", "answer"]])
                                   .head(20)))  # fmt: skip
    return [Section(TITLE, "".join(html))]
