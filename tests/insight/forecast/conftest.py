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
