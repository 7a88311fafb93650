"""Forecaster vs statsforecast used directly; selection, intervals and fallbacks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.errors import InputError
from shoplens.insight.forecast.models import ALIASES, make_models
from shoplens.insight.forecast.models.forecaster import Forecaster


@pytest.mark.parametrize(
    "name", ["seasonal_naive", "auto_ets", "auto_arima", "mstl", "croston", "tsb"]
)
def test_same_forecasts_as_statsforecast(series, name):
    from statsforecast import StatsForecast

    smooth = series[series["unique_id"] != "sparse"] if name not in ("croston", "tsb") else series
    if name == "auto_arima":  # the slowest fit: one series is enough
        smooth = smooth[smooth["unique_id"] == "s1"]
    ours = Forecaster([name], intermittent_models=[name], select=False).fit(smooth).predict(14)
    sf = StatsForecast(models=make_models([name], 7, 14), freq="D")
    direct = sf.forecast(df=smooth, h=14, level=[80, 95])
    alias = ALIASES[name]
    direct = direct.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    # our forecasts are clipped at zero (sales); the direct ones are not
    for ours_col, col in (
        ("mean", alias),
        ("lo_80", f"{alias}-lo-80"),
        ("hi_95", f"{alias}-hi-95"),
    ):
        np.testing.assert_allclose(
            ours[ours_col].to_numpy(), direct[col].clip(lower=0).to_numpy(), rtol=1e-7, atol=1e-9
        )
    assert (ours["model"] == name).all()


def test_selection_picks_by_backtest_and_says_why(fitted, series):
    choice = fitted.choice_.set_index("unique_id")
    assert choice.loc["sparse", "kind"] == "intermittent"
    assert set(choice.loc[["s0", "s1", "s2"], "kind"]) == {"smooth"}
    # the chosen model has the lowest mean backtest MASE among the candidates
    s = fitted.scores_
    for uid in ["s0", "s1", "s2", "sparse"]:
        means = s[s["unique_id"] == uid].groupby("model")["mase"].mean()
        best = means.idxmin()
        model = choice.loc[uid, "model"]
        if model == "seasonal_naive":
            assert means["seasonal_naive"] <= means.min() + 1e-12
        else:
            assert model == best
            assert choice.loc[uid, "mase"] < choice.loc[uid, "baseline_mase"]
        assert "MASE" in choice.loc[uid, "reason"]
    # on weekly-seasonal Poisson series, something beats seasonal naive
    assert (choice.loc[["s0", "s1", "s2"], "model"] != "seasonal_naive").any()


def test_predict_shape_and_intervals(fitted):
    fc = fitted.predict(10)
    assert len(fc) == 4 * 10
    assert np.isfinite(fc[["mean", "lo_80", "hi_80", "lo_95", "hi_95"]].to_numpy()).all()
    assert (fc["lo_95"] <= fc["lo_80"] + 1e-9).all() and (fc["hi_80"] <= fc["hi_95"] + 1e-9).all()
    assert (fc["lo_80"] <= fc["mean"] + 1e-9).all() and (fc["mean"] <= fc["hi_80"] + 1e-9).all()
    assert (fc.groupby("unique_id")["ds"].min() == pd.Timestamp("2025-05-01")).all()


def test_calendar_regressors_reach_the_models():
    from shoplens.insight.forecast.calendars import Calendar

    rng = np.random.default_rng(1)
    ds = pd.date_range("2024-09-01", "2025-06-10", freq="D")
    y = rng.poisson(30, len(ds)).astype(float)
    cal = Calendar.china([2024, 2025])
    x = cal.features(ds)
    y[x["double11"].to_numpy() == 1] *= 6
    y[x["double12"].to_numpy() == 1] *= 4
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": y})
    with_cal = Forecaster(["auto_arima"], select=False, calendar=cal).fit(df).predict(10)
    plain = Forecaster(["auto_arima"], select=False).fit(df).predict(10)
    # 618 is not in the next 10 days; the forecasts differ only through the regressors
    assert np.isfinite(with_cal["mean"]).all()
    assert not np.allclose(with_cal["mean"], plain["mean"])


def test_bad_input_is_a_clear_error(series):
    dup = pd.concat([series, series.head(1)])
    with pytest.raises(InputError, match="duplicate"):
        Forecaster().fit(dup)
    gap = series.drop(index=5)
    with pytest.raises(InputError, match="gaps"):
        Forecaster().fit(gap)
    nan = series.assign(y=series["y"].where(series.index != 3))
    with pytest.raises(InputError, match="missing"):
        Forecaster().fit(nan)
    with pytest.raises(InputError, match="lacks"):
        Forecaster().fit(series.drop(columns="y"))
    with pytest.raises(InputError, match="unknown model"):
        Forecaster(["prophet"]).fit(series)
    with pytest.raises(InputError, match="fit"):
        Forecaster().predict(3)


def test_fallbacks_short_zero_and_long_horizon():
    ds = pd.date_range("2025-01-01", periods=30, freq="D")
    df = pd.concat(
        [
            pd.DataFrame({"unique_id": "short", "ds": ds[:10], "y": np.arange(10.0)}),
            pd.DataFrame({"unique_id": "tiny", "ds": ds[:3], "y": [4.0, 5.0, 6.0]}),
            pd.DataFrame({"unique_id": "zero", "ds": ds, "y": 0.0}),
        ]
    )
    f = Forecaster().fit(df)
    choice = f.choice_.set_index("unique_id")
    assert choice.loc["short", "model"] == "seasonal_naive"
    assert choice.loc["tiny", "model"] == "naive"
    assert choice.loc["zero", "kind"] == "all_zero"
    fc = f.predict(40)  # longer than every history
    assert np.isfinite(fc[["mean", "lo_80", "hi_95"]].to_numpy()).all()
    got = fc.set_index(["unique_id", fc.groupby("unique_id").cumcount()])["mean"]
    assert got["zero"].eq(0).all()
    assert got["tiny"].eq(6.0).all()  # naive: the last value
    np.testing.assert_allclose(got["short"].to_numpy()[:7], np.arange(3.0, 10.0))  # last week
    assert set(fc.loc[fc["unique_id"] == "short", "model"]) == {"seasonal_naive"}
