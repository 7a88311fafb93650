"""Seeded series shared by the forecast tests (one set per session: statsforecast JITs once)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_series(seed: int = 0, n: int = 120, k: int = 3) -> pd.DataFrame:
    """``k`` smooth daily series with a weekly cycle and one intermittent one."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2025-01-01", periods=n, freq="D")
    week = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.4, 1.3])[ds.day_of_week]
    parts = [
        pd.DataFrame(
            {"unique_id": f"s{i}", "ds": ds, "y": rng.poisson(20 * (i + 1) * week).astype(float)}
        )
        for i in range(k)
    ]
    sparse = rng.poisson(0.3, n).astype(float)
    parts.append(pd.DataFrame({"unique_id": "sparse", "ds": ds, "y": sparse}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="session")
def series() -> pd.DataFrame:
    return make_series()


@pytest.fixture(scope="session")
def fitted(series):
    """One Forecaster fitted with selection on :func:`make_series` (reused by tests)."""
    from shoplens.insight.forecast.models.forecaster import Forecaster

    return Forecaster(["seasonal_naive", "auto_ets", "mstl"], n_windows=2).fit(series)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A small 18-month demo shop in a DuckDB file, with the forecast part run on it once."""
    from shoplens.data.demo import generate_demo
    from shoplens.data.schema import TABLES
    from shoplens.insight.forecast.report import run_forecast
    from shoplens.warehouse import connect

    root = tmp_path_factory.mktemp("forecast-demo")
    generate_demo(root / "shop", customers=600, items=40, events=40_000, seed=3)
    con = connect("duckdb", root / "w.duckdb")
    for name in ("customers", "items", "events", "orders", "order_items"):
        frame = pd.read_parquet(root / "shop" / f"{name}.parquet")
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    run_forecast(
        con,
        levels=("total", "category"),
        models=("seasonal_naive", "auto_ets"),
        horizon=14,
        n_windows=2,
        alert_levels=(("total", "orders"), ("category", "units"), ("item", "units")),
    )
    con.disconnect()
    return root / "w.duckdb"
