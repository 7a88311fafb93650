"""Coherent forecasts across a hierarchy (total ← categories ← items) with hierarchicalforecast.

:func:`hierarchical_frame` stacks a bottom-level frame and its sums (``total``, then each
parent, ids ``total``, ``total/Beauty``, ``total/Beauty/i42``) with hierarchicalforecast's
``aggregate``; :func:`reconcile` forecasts every node with one :class:`Forecaster` and
makes them add up with bottom-up and MinT (``mint_shrink`` when in-sample fits are
given, else the structural ``wls_struct``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> ds = pd.date_range("2025-01-01", periods=60)
>>> bottom = pd.DataFrame({"category": np.repeat(["A", "A", "B"], 60),
...     "item": np.repeat(["a1", "a2", "b1"], 60), "ds": np.tile(ds, 3),
...     "y": rng.poisson(20, 180).astype(float)})
>>> out = reconcile(bottom, ["category", "item"], h=7, models=["seasonal_naive"])
>>> wide = out.pivot_table(index="ds", columns="unique_id", values="bottom_up")
>>> bool(np.allclose(wide["total"], wide["total/A"] + wide["total/B"]))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from shoplens.errors import InputError, require
from shoplens.insight.forecast.models.forecaster import Forecaster

__all__ = ["hierarchical_frame", "reconcile"]


def hierarchical_frame(
    bottom: pd.DataFrame, levels: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Every node's series, the summing matrix ``S`` and the tags of each level.

    ``bottom`` has one column per level in ``levels`` (top first), ``ds`` and ``y``.
    """
    require("hierarchicalforecast", "forecast")
    from hierarchicalforecast.utils import aggregate

    missing = {*levels, "ds", "y"} - set(bottom.columns)
    if missing:
        raise InputError(f"hierarchy frame lacks column(s) {', '.join(sorted(missing))}")
    df = bottom.assign(total="total")
    spec = [["total"]] + [["total", *levels[: i + 1]] for i in range(len(levels))]
    for col in ("total", *levels):
        df[col] = df[col].astype(str)
    y, s, tags = aggregate(df[["total", *levels, "ds", "y"]], spec)
    y = y.reset_index() if "unique_id" not in y.columns else y
    return y[["unique_id", "ds", "y"]], s, tags


def reconcile(
    bottom: pd.DataFrame,
    levels: Sequence[str],
    *,
    h: int,
    models: Sequence[str] = ("seasonal_naive", "auto_ets"),
    freq: str = "D",
    n_windows: int = 2,
) -> pd.DataFrame:
    """Base forecasts of every node and their bottom-up and MinT reconciliations.

    Returns ``unique_id, ds, base, bottom_up, mint``: ``bottom_up`` and ``mint`` add up
    across the hierarchy; ``base`` (each node forecast on its own) need not.
    """
    require("hierarchicalforecast", "forecast")
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp, MinTrace

    y, s, tags = hierarchical_frame(bottom, levels)
    fc = Forecaster(models, freq=freq, n_windows=n_windows, level=()).fit(y).predict(h)
    base = fc[["unique_id", "ds"]].assign(base=fc["mean"].to_numpy())
    hrec = HierarchicalReconciliation(reconcilers=[BottomUp(), MinTrace(method="wls_struct")])
    out = hrec.reconcile(Y_hat_df=base, S_df=s, tags=tags)
    cols = {c: c for c in out.columns}
    for c in out.columns:
        if c.startswith("base/BottomUp"):
            cols[c] = "bottom_up"
        elif c.startswith("base/MinTrace"):
            cols[c] = "mint"
    out = out.rename(columns=cols)  # not clipped at zero: that would break coherence
    return out[["unique_id", "ds", "base", "bottom_up", "mint"]]
