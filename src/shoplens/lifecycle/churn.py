"""Churn propensity on the warehouse: the one place the churn model is trained.

:func:`fit_churn_model` trains :class:`~shoplens.lifecycle.propensity.PurchasePropensity`
on the window that ends at the as-of date (features as of ``as_of - window``, label "buys
in the window"); ``lifecycle_customers``, the report's job and ``shoplens lifecycle
churn`` all call it, so they give the same probabilities. :func:`churn_evaluation` trains
two windows earlier and tests one window earlier, against BG/NBD ``1 - P(alive)``.

Examples
--------
>>> import shoplens
>>> con = shoplens.connect("duckdb", ":memory:")
>>> churn_risk(con)
Traceback (most recent call last):
...
shoplens.errors.InputError: no orders in the warehouse: ingest orders first
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from ibis.backends import BaseBackend

from shoplens.lifecycle.cutoff import purchases, resolve_as_of, to_timestamp

__all__ = ["churn_evaluation", "churn_risk", "fit_churn_model"]


def fit_churn_model(con: BaseBackend, as_of: Any = None, window_days: float = 90.0) -> Any:
    """The churn model for ``as_of`` (default: the day after the last purchase).

    Trained on features as of ``as_of - window_days`` and the label "buys before
    ``as_of``"; raises :class:`~shoplens.errors.InputError` when that window has no
    buyers or only one class.
    """
    from shoplens.lifecycle.propensity import PurchasePropensity, time_split

    end = resolve_as_of(con.table("orders"), as_of)
    X, y = time_split(con, end - pd.Timedelta(days=window_days), window_days)
    return PurchasePropensity().fit(X, y)


def churn_risk(
    con: BaseBackend,
    as_of: Any = None,
    window_days: float = 90.0,
    *,
    explain_top: int | float | str | None = "10%",
    model: Any = None,
) -> tuple[Any, pd.DataFrame]:
    """``(model, frame)``: churn probability of every buyer as of ``as_of``.

    ``frame`` has ``customer_id, churn_probability, explained, top_reasons`` (SHAP
    reasons for the ``explain_top`` riskiest, see
    :meth:`~shoplens.lifecycle.propensity.PurchasePropensity.churn_scores`). ``model``
    reuses an already fitted model instead of :func:`fit_churn_model`.
    """
    from shoplens.lifecycle.features import feature_matrix

    end = resolve_as_of(con.table("orders"), as_of)
    model = model if model is not None else fit_churn_model(con, end, window_days)
    now = feature_matrix(con, end, customers="buyers")
    frame = model.churn_scores(now, explain_top=explain_top)
    return model, frame.rename_axis("customer_id").reset_index()


def churn_evaluation(con: BaseBackend, end: Any, window_days: float = 90.0) -> dict[str, Any]:
    """Train at ``end - 2 windows``, test at ``end - 1 window``: LightGBM vs P(alive).

    Returns ``{"model": metrics, "p_alive": metrics, "lift": frame, "top_features": series}``
    where metrics hold AUC and PR AUC for the churn label (no purchase in the window).
    """
    from shoplens.lifecycle import rfm_summary
    from shoplens.lifecycle.propensity import PurchasePropensity, evaluate, lift_table, time_split
    from shoplens.lifecycle.store import fit_bgnbd

    end = to_timestamp(end)
    test_cut = end - pd.Timedelta(days=window_days)
    train = [
        time_split(con, test_cut - pd.Timedelta(days=window_days * i), window_days) for i in (1, 2)
    ]
    X = pd.concat([x for x, _ in train])
    y = pd.concat([v for _, v in train])
    model = PurchasePropensity().fit(X, y)
    Xt, yt = time_split(con, test_cut, window_days)
    churn = 1 - yt.to_numpy()
    score = model.churn_probability(Xt)
    out: dict[str, Any] = {
        "model": evaluate(score, churn),
        "lift": lift_table(score, churn),
        "top_features": model.importance_.head(10),
    }
    s = rfm_summary(purchases(con.table("orders"), test_cut), test_cut, freq="D", freq_multiplier=7)
    s = s.execute().set_index("customer_id").reindex(Xt.index)
    bg = fit_bgnbd(s)
    if bg is not None:
        pa = bg.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
        out["p_alive"] = evaluate(1 - pa, churn)
    return out
