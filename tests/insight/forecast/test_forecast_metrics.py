"""Metrics against hand-computed values and utilsforecast (a peer library) on random data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.insight.forecast.backtest import cross_validate, score, summarize
from shoplens.insight.forecast.metrics import coverage, mase, rmsse, smape, wrmsse


def test_hand_computed_case():
    train = np.array([2.0, 4.0, 3.0, 5.0, 4.0, 6.0])
    y, yhat = np.array([5.0, 7.0, 6.0]), np.array([6.0, 6.0, 3.0])
    # seasonal-2 naive errors in sample: |3-2|,|5-4|,|4-3|,|6-5| -> 1; errors 1,1,3 -> 5/3
    assert mase(y, yhat, train, 2) == pytest.approx(5 / 3)
    # one-step squared diffs 4,1,4,1,4 -> 2.8; squared errors 1,1,9 -> 11/3
    assert rmsse(y, yhat, train, 1) == pytest.approx(np.sqrt((11 / 3) / 2.8))
    assert smape(y, yhat) == pytest.approx(100 * np.mean([2 / 11, 2 / 13, 6 / 9]))
    assert coverage(y, yhat - 1, yhat + 1) == pytest.approx(2 / 3)
    assert wrmsse([1.0, 2.0, np.nan], [1.0, 3.0, 5.0]) == pytest.approx(7 / 4)
    assert mase(y, y, np.ones(5), 1) == 0.0
    assert mase(y, yhat, np.ones(5), 1) == float("inf")
    assert np.isnan(mase(y, yhat, np.ones(2), 7))


def test_backtest_scores_match_utilsforecast():
    from utilsforecast import losses

    rng = np.random.default_rng(4)
    ds = pd.date_range("2025-01-01", periods=70, freq="D")
    df = pd.concat(
        [
            pd.DataFrame({"unique_id": u, "ds": ds, "y": rng.gamma(3, 5 + i, 70)})
            for i, u in enumerate("abc")
        ]
    )
    cv = cross_validate(df, ["seasonal_naive"], h=7, n_windows=1, level=[80])
    ours = score(cv, df, season=7).set_index("unique_id")
    cutoff = cv["cutoff"].iloc[0]
    train = df[df["ds"] <= cutoff]
    test = cv.rename(columns={"mean": "m"})[["unique_id", "ds", "y", "m", "lo_80", "hi_80"]]
    ref_mase = losses.mase(test, ["m"], 7, train).set_index("unique_id")["m"]
    ref_smape = losses.smape(test, ["m"]).set_index("unique_id")["m"] * 200  # theirs is 0-1 halved
    ref_rmsse = losses.rmsse(test, ["m"], 1, train).set_index("unique_id")["m"]
    np.testing.assert_allclose(ours["mase"], ref_mase.loc[ours.index], rtol=1e-10)
    np.testing.assert_allclose(ours["smape"], ref_smape.loc[ours.index], rtol=1e-10)
    np.testing.assert_allclose(ours["rmsse"], ref_rmsse.loc[ours.index], rtol=1e-10)
    ref_cov = losses.coverage(
        test.rename(columns={"lo_80": "m-lo-80", "hi_80": "m-hi-80"}), ["m"], 80
    )
    np.testing.assert_allclose(
        ours["coverage_80"], ref_cov.set_index("unique_id")["m"].loc[ours.index], rtol=1e-10
    )
    table = summarize(score(cv, df, season=7))
    assert table.loc[0, "wrmsse"] == pytest.approx(
        np.sum(ours["rmsse"] * ours["weight"]) / ours["weight"].sum()
    )
