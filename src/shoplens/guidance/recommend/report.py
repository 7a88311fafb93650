"""The recommend part of the main job: fit, evaluate, store; and its report sections.

:func:`run_recommend` evaluates every candidate model, the blend and the re-ranker on a
time split, refits on everything with the learned weights, saves the engine (npz/JSON),
and stores ``guidance_recommendations`` (each customer's list with reasons) and the
evaluation tables. :func:`recommend_sections` only reads those tables.

Examples
--------
>>> import shoplens
>>> [s.title for s in recommend_sections(shoplens.connect("duckdb", ":memory:"))]
['Recommendations']
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.report.build import Section, figure_html, table_html

__all__ = ["TABLE_NAMES", "recommend_sections", "run_recommend", "write_recommendations"]

#: the tables run_recommend stores
TABLE_NAMES = {
    "recommendations": "guidance_recommendations",
    "evaluation": "guidance_recommend_evaluation",
    "breakdown": "guidance_recommend_breakdown",
    "weights": "guidance_recommend_weights",
    "ctr": "guidance_recommend_ctr",
}


def model_dir() -> Path:
    """Where the fitted engine is saved (``$SHOPLENS_HOME/models/recommender``)."""
    from shoplens.settings import get_settings

    return Path(get_settings().home) / "models" / "recommender"


def recommendations_frame(
    engine: Any, customers: list[str], n: int = 10, *, generated_at: Any | None = None
) -> pd.DataFrame:
    """Each customer's served list (rules, MMR, reasons) as the stored table's rows."""
    when = pd.Timestamp(generated_at) if generated_at is not None else pd.Timestamp.now("UTC")
    parts = [engine.recommend(c, n) for c in customers]
    f = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if f.empty:
        f = pd.DataFrame(columns=["customer_id", "rank", "item_id", "title", "score", "model",
                                  "reason"])  # fmt: skip
    f["score"] = f["score"].astype(float)
    f["rank"] = f["rank"].astype("int64")
    f["model_version"] = str(getattr(engine, "model_version_", None) or "")
    f["generated_at"] = when.tz_convert("UTC") if when.tzinfo else when.tz_localize("UTC")
    f["generated_at"] = f["generated_at"].astype("datetime64[us, UTC]")
    return f[["customer_id", "rank", "item_id", "score", "reason", "model", "model_version",
              "generated_at"]]  # fmt: skip


def write_recommendations(con: BaseBackend, frame: pd.DataFrame) -> None:
    """Store ``guidance_recommendations`` (one transaction)."""
    from shoplens.warehouse import store_table

    store_table(
        con, TABLE_NAMES["recommendations"], ibis.memtable(frame),
        categories={"model": frame["model"].unique().tolist()},
    )  # fmt: skip


def run_recommend(
    con: BaseBackend,
    *,
    n: int = 10,
    test_days: float = 28.0,
    val_days: float = 28.0,
    max_customers: int | None = None,
    save_to: str | Path | None = None,
    item_vectors: Any | None = None,
    seed: int = 0,
    progress: Callable[[str], object] | None = None,
) -> dict[str, Any]:
    """Fit, evaluate and store the recommender; returns the evaluation and the engine."""
    from shoplens.guidance.recommend.data import last_activity
    from shoplens.guidance.recommend.evaluate import evaluate_recommenders, fit_engine
    from shoplens.guidance.recommend.feedback import ctr_by_model_position
    from shoplens.warehouse import store_table

    if last_activity(con) is None:  # nothing to learn from: the view says so
        return {}
    say = progress or (lambda step: None)
    ev = evaluate_recommenders(
        con, test_days=test_days, val_days=val_days, item_vectors=item_vectors, seed=seed,
        progress=say,
    )  # fmt: skip
    say("fitting on everything")
    end = ev.cutoffs["end"] + pd.Timedelta(seconds=1)
    eng = fit_engine(con, end, weights=ev.weights, item_vectors=item_vectors, seed=seed)
    eng.model_version_ = f"{end:%Y%m%d%H%M%S}-{seed}"
    # the default serves: the re-ranker re-orders the blend's candidates when it won
    eng.reranker_ = ev.reranker if ev.default == "reranker" else None
    eng.save(Path(save_to) if save_to else model_dir())
    say("writing recommendations")
    customers = eng.user_ids_.tolist()
    if max_customers is not None:
        activity = np.asarray(eng.X_.sum(axis=1)).ravel()
        customers = eng.user_ids_[np.argsort(-activity, kind="stable")[:max_customers]].tolist()
    write_recommendations(con, recommendations_frame(eng, customers, n, generated_at=end))
    table = ev.table.assign(
        default=lambda t: t["model"] == ev.default,
        validation_from=ev.cutoffs["validation"], test_from=ev.cutoffs["test"],
        test_to=ev.cutoffs["end"],
    )  # fmt: skip
    store_table(con, TABLE_NAMES["evaluation"], ibis.memtable(table))
    store_table(con, TABLE_NAMES["breakdown"], ibis.memtable(ev.breakdown))
    weights = pd.DataFrame({"model": list(ev.weights), "weight": list(ev.weights.values())})
    store_table(con, TABLE_NAMES["weights"], ibis.memtable(weights))
    store_table(con, TABLE_NAMES["ctr"], ibis.memtable(ctr_by_model_position(con).execute()))
    return {"evaluation": ev, "engine": eng}


def _missing(msg: str) -> list[Section]:
    return [Section("Recommendations", f"<p>{html.escape(msg)}</p>", anchor="recommend")]


def _titles(con: BaseBackend, ids: list[str]) -> pd.DataFrame:
    if "items" not in con.list_tables() or not ids:
        return pd.DataFrame({"item_id": ids, "title_zh": ids, "title_en": ids})
    t = con.table("items")
    f = t.filter(t.item_id.isin(ids)).select("item_id", "title", "attributes", "lang").execute()

    def pick(row: Any, key: str) -> str:
        try:
            a = json.loads(row.attributes) if isinstance(row.attributes, str) else {}
        except ValueError:
            a = {}
        lang = "zh" if key == "title_zh" else "en"
        return str(a.get(key) or (row.title if row.lang == lang else "") or row.title)

    return pd.DataFrame(
        {"item_id": f["item_id"],
         "title_zh": [pick(r, "title_zh") for r in f.itertuples()],
         "title_en": [pick(r, "title_en") for r in f.itertuples()]}
    )  # fmt: skip


def recommend_sections(con: BaseBackend) -> list[Section]:
    """Report sections from the stored tables (no refit)."""
    import plotly.express as px

    have = set(con.list_tables())
    if TABLE_NAMES["evaluation"] not in have or TABLE_NAMES["recommendations"] not in have:
        return _missing(
            "Recommendations are not computed yet: run `shoplens recommend fit` or the main job."
        )
    ev = con.table(TABLE_NAMES["evaluation"]).execute()
    sections = []
    cols = ["model", "recall@20", "ndcg@10", "map@10", "hit_rate@10", "coverage@10",
            "novelty@10", "diversity@10", "default"]  # fmt: skip
    fig = px.bar(ev, x="model", y=["ndcg@10", "recall@20"], barmode="group",
                 title="Models on the test window")  # fmt: skip
    span = f"test window {ev['test_from'].iloc[0]:%Y-%m-%d} → {ev['test_to'].iloc[0]:%Y-%m-%d}"
    sections.append(
        Section("Recommendation models",
                f"<p>{html.escape(span)}; the default model is marked.</p>"
                + figure_html(fig) + table_html(ev[cols], float_format="{:,.4f}"),
                anchor="recommend-models")
    )  # fmt: skip
    w = con.table(TABLE_NAMES["weights"]).execute()
    bd = con.table(TABLE_NAMES["breakdown"]).execute()
    body = "<p>Blend weights fitted on the validation window (z-scored model scores).</p>"
    body += table_html(w, float_format="{:,.2f}")
    body += "<h3>By customer group</h3>" + table_html(bd, float_format="{:,.4f}")
    sections.append(Section("Blend weights and groups", body, anchor="recommend-weights"))
    recs = con.table(TABLE_NAMES["recommendations"]).execute()
    n_items = con.table("items").count().execute() if "items" in have else recs.item_id.nunique()
    cov = recs["item_id"].nunique() / max(n_items, 1)
    by_model = recs["model"].value_counts().rename_axis("model").reset_index(name="slots")
    ex_customers = recs["customer_id"].drop_duplicates().head(3).tolist()
    ex = recs[recs["customer_id"].isin(ex_customers) & (recs["rank"] <= 5)]
    ex = ex.merge(_titles(con, ex["item_id"].unique().tolist()), on="item_id", how="left")
    ex = ex[["customer_id", "rank", "title_zh", "title_en", "reason", "model"]]
    body = (
        f"<p>{len(recs['customer_id'].unique()):,} customers, catalog coverage of the stored"
        f" lists {cov:.1%}.</p>" + table_html(by_model)
        + "<h3>Examples</h3>" + table_html(ex)
    )  # fmt: skip
    sections.append(Section("Recommendations served", body, anchor="recommend-served"))
    if TABLE_NAMES["ctr"] in have:
        ctr = con.table(TABLE_NAMES["ctr"]).execute()
        if len(ctr):
            fig = px.line(ctr, x="slot", y="ctr", color="model", markers=True,
                          title="Click-through by slot")  # fmt: skip
            sections.append(
                Section("Recommendation click-through", figure_html(fig)
                        + table_html(ctr, float_format="{:,.4f}"), anchor="recommend-ctr")
            )  # fmt: skip
    return sections
