"""Retention and lifecycle on DuckDB and Spark against the pandas reference."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shoplens.errors import InputError
from shoplens.journeys import activity_composition, retention

HS = dict(
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.generate],
)


def _stretch(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    if len(df):
        base = df["ts"].min()
        df["ts"] = (base + (df["ts"] - base) * 10).astype("datetime64[us, UTC]")
    return df


def _norm(df: pd.DataFrame, date_col: str) -> pd.DataFrame:
    df = df.reset_index(drop=True).copy()
    df[date_col] = pd.to_datetime(df[date_col]).dt.date.astype(str)
    for col in df.columns:
        if col in ("period_offset", "customers", "cohort_size"):
            df[col] = df[col].astype("int64")
        elif col == "rate":
            df[col] = df[col].astype("float64")
        elif col != date_col:
            df[col] = df[col].astype(object)
    return df


def test_cohorts_match_reference(warehouse, event_logs, load, ref_paths):
    examples = 5 if warehouse.name == "pyspark" else 30

    @settings(max_examples=examples, **HS)
    @given(
        df=event_logs.map(_stretch),
        cohort=st.sampled_from(["first_seen", "first_purchase"]),
        period=st.sampled_from(["week", "month"]),
        returns=st.sampled_from([None, ["purchase"], ["view", "add_to_cart"]]),
    )
    def check(df, cohort, period, returns):
        ev = load(warehouse, df)
        got = retention(ev, cohort=cohort, period=period, return_events=returns).execute()
        want = ref_paths.retention(df, cohort, period, returns)
        pd.testing.assert_frame_equal(_norm(got, "cohort"), _norm(want, "cohort"))
        got = activity_composition(ev, period=period).execute()
        want = ref_paths.lifecycle(df, period)
        pd.testing.assert_frame_equal(_norm(got, "period"), _norm(want, "period"))

    check()


def test_hand_checked_activity_and_retention(warehouse, load):
    """Weekly activity composition and retention by first purchase, DuckDB and Spark."""
    from shoplens.data.schema import TABLES

    df = pd.DataFrame(
        {
            "event_id": list("abcde"),
            "customer_id": list("uuuvv"),
            "ts": pd.to_datetime(
                ["2024-01-01", "2024-01-08", "2024-01-29", "2024-01-08", "2024-01-09"], utc=True
            ),
            "type": ["view", "purchase", "view", "view", "view"],
        }
    )
    full = pd.DataFrame({c: df.get(c) for c in TABLES["events"].columns})
    full["value"] = full["value"].astype("float64")
    events = load(warehouse, full)
    got = activity_composition(events).execute()
    got["period"] = pd.to_datetime(got["period"]).dt.date.astype(str)
    rows = {(p, s, int(n)) for p, s, n in got.itertuples(index=False, name=None)}
    assert rows == {
        ("2024-01-01", "new", 1),
        ("2024-01-08", "returning", 1),
        ("2024-01-08", "new", 1),
        ("2024-01-15", "dormant", -2),
        ("2024-01-29", "resurrecting", 1),
    }
    ret = retention(events, cohort="first_purchase", return_events="view").execute()
    assert ret[["period_offset", "customers"]].astype(int).values.tolist() == [[3, 1]]
    weekly = retention(events).execute()  # first seen: u in week 1, v in week 2
    got = {(str(pd.Timestamp(c).date()), int(k), int(n)) for c, k, n in
           weekly[["cohort", "period_offset", "customers"]].itertuples(index=False)}  # fmt: skip
    assert got == {("2024-01-01", 0, 1), ("2024-01-01", 1, 1), ("2024-01-01", 4, 1),
                   ("2024-01-08", 0, 1)}  # fmt: skip


def test_bad_arguments_raise_input_error():
    import ibis

    ev = ibis.memtable(
        {"customer_id": ["u"], "ts": pd.to_datetime(["2024-01-01"], utc=True), "type": ["view"]}
    )
    with pytest.raises(InputError, match="period"):
        retention(ev, period="day")
    with pytest.raises(InputError, match="cohort"):
        retention(ev, cohort="signup")
    with pytest.raises(InputError, match="return_events"):
        retention(ev, return_events=[])
    with pytest.raises(InputError, match="retention needs"):
        retention(ev.drop("type"))
