"""Sales alerts find planted anomalies, and calendar peaks the model expects are not alerts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.insight.forecast.alerts import ALERT_COLUMNS, sales_alerts
from shoplens.insight.forecast.calendars import Calendar
from shoplens.insight.forecast.effects import event_effects


@pytest.fixture(scope="module")
def planted():
    """Daily sales with weekday, 618 (x5) and Double 11 (x8) peaks and planted anomalies."""
    rng = np.random.default_rng(7)
    ds = pd.date_range("2025-03-01", "2026-02-28", freq="D")
    cal = Calendar.china([2025, 2026])
    x = cal.features(ds)
    week = np.array([0.9, 0.95, 1.0, 1.0, 1.05, 1.1, 1.0])[ds.day_of_week]
    mu = 25 * week * np.where(x["618"] == 1, 5.0, 1.0) * np.where(x["double11"] == 1, 8.0, 1.0)
    series, truth = [], []
    for i in range(8):
        y = rng.poisson(mu * (1 + 0.2 * i)).astype(float)
        if i == 1:  # stock-out: 8 days of zeros
            y[100:108] = 0
            truth.append((f"i{i}", "stockout", ds[100]))
        if i == 2:  # price error: a one-day spike
            y[200] = y[200] * 4 + 40
            truth.append((f"i{i}", "spike", ds[200]))
        if i == 3:  # late deliveries: a week at 45 %
            y[250:257] = rng.poisson(0.45 * mu[250:257] * 1.6)
            truth.append((f"i{i}", "drop", ds[250]))
        series.append(pd.DataFrame({"unique_id": f"i{i}", "ds": ds, "y": y}))
    return pd.concat(series, ignore_index=True), cal, truth


def test_planted_anomalies_found_and_calendar_peaks_not_alerted(planted):
    df, cal, truth = planted
    alerts = sales_alerts(df, cal, level="item", measure="units")
    assert list(alerts.columns) == ALERT_COLUMNS
    found = 0
    for uid, kind, day in truth:
        hit = alerts[(alerts["unique_id"] == uid) & (alerts["kind"] == kind)]
        hit = hit[(hit["start"] <= day + pd.Timedelta(days=3)) & (hit["end"] >= day)]
        found += len(hit) > 0
    assert found / len(truth) >= 0.9
    # every alert is a planted one: no false alarm on 618 / Double 11 or elsewhere
    planted_ids = {u for u, _, _ in truth}
    assert set(alerts["unique_id"]) <= planted_ids
    for day in pd.to_datetime(["2025-06-18", "2025-11-11"]):
        assert not ((alerts["start"] <= day) & (alerts["end"] >= day)).any()
    row = alerts[alerts["kind"] == "stockout"].iloc[0]
    assert row["observed"] == 0 and row["lo"] <= row["expected"] <= row["hi"]
    assert "stock-out" in row["explanation_en"] and "断货" in row["explanation_zh"]


def test_without_the_calendar_the_peaks_are_alerts(planted):
    df, _, _ = planted
    alerts = sales_alerts(df[df["unique_id"] == "i0"], None)
    spikes = alerts[alerts["kind"] == "spike"]
    for day in pd.to_datetime(["2025-06-18", "2025-11-11"]):  # the calendar silences these
        assert ((spikes["start"] <= day) & (spikes["end"] >= day)).any()


def test_event_uplifts_recovered(planted):
    df, cal, _ = planted
    ids = ["i0", "i4", "i5", "i6", "i7"]  # the series without planted anomalies
    fx = event_effects(df[df["unique_id"].isin(ids)], cal).set_index(["unique_id", "event"])
    covered, errors = 0, []
    for uid in ids:
        for event, truth in (("618", 5.0), ("double11", 8.0)):
            row = fx.loc[(uid, event)]
            covered += row["lo"] <= truth <= row["hi"]
            errors.append(abs(row["uplift"] / truth - 1))
        covered += fx.loc[(uid, "double12"), "lo"] <= 1.0 <= fx.loc[(uid, "double12"), "hi"]
    assert covered >= 13  # of 15 95% intervals
    assert np.median(errors) < 0.15
