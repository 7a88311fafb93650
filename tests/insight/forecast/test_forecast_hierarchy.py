"""Reconciled forecasts add up, and MinT (wls_struct) equals its formula computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shoplens.insight.forecast.hierarchy import hierarchical_frame, reconcile


def _bottom(seed=5):
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2025-01-01", periods=70)
    rows = []
    for cat, item, lam in (("A", "a1", 30), ("A", "a2", 5), ("B", "b1", 12), ("B", "b2", 50)):
        rows.append(
            pd.DataFrame({"category": cat, "item": item, "ds": ds, "y": rng.poisson(lam, 70) * 1.0})
        )
    return pd.concat(rows, ignore_index=True)


def test_coherent_and_mint_matches_formula():
    bottom = _bottom()
    out = reconcile(bottom, ["category", "item"], h=7)
    wide = {
        c: out.pivot_table(index="ds", columns="unique_id", values=c)
        for c in ("base", "bottom_up", "mint")
    }
    for method in ("bottom_up", "mint"):
        w = wide[method]
        np.testing.assert_allclose(w["total"], w["total/A"] + w["total/B"], rtol=1e-9)
        np.testing.assert_allclose(w["total/A"], w["total/A/a1"] + w["total/A/a2"], rtol=1e-9)
    _, s_df, _ = hierarchical_frame(bottom, ["category", "item"])
    s = s_df.set_index("unique_id").to_numpy(dtype=float)
    order = s_df["unique_id"].tolist()
    yhat = wide["base"][order].to_numpy().T  # nodes x horizon
    winv = np.diag(1.0 / s.sum(axis=1))
    p = np.linalg.solve(s.T @ winv @ s, s.T @ winv)
    np.testing.assert_allclose(wide["mint"][order].to_numpy().T, s @ p @ yhat, rtol=1e-7)
    # bottom-up keeps the bottom level as it was forecast
    leaves = ["total/A/a1", "total/A/a2", "total/B/b1", "total/B/b2"]
    np.testing.assert_allclose(wide["bottom_up"][leaves], wide["base"][leaves], rtol=1e-12)
