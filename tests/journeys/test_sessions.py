"""Sessionization and journey stages on DuckDB and Spark against the pandas reference."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.errors import InputError
from shoplens.journeys import (
    DEFAULT_STAGE_MAP,
    assign_sessions,
    save_sessions,
    sessionize,
    stage_of,
    with_stage,
)

HS = dict(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def _examples(con) -> int:
    return 12 if con.name == "pyspark" else 60


def _norm(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in ("start", "end"):
        if col in df:
            df[col] = pd.to_datetime(df[col], utc=True).astype("datetime64[us, UTC]")
    for col in ("channel", "device"):
        if col in df:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df.sort_values("session_id").reset_index(drop=True)


def test_sessions_match_reference(warehouse, event_logs, load, ref):
    @settings(max_examples=_examples(warehouse), **HS)
    @given(
        df=event_logs,
        gap=st.sampled_from([timedelta(minutes=30), timedelta(hours=2), timedelta(seconds=1)]),
        day=st.booleans(),
        channel=st.booleans(),
    )
    def check(df, gap, day, channel):
        events = load(warehouse, df)
        got = sessionize(events, gap, split_on_day=day, split_on_channel=channel).execute()
        want = ref.sessionize(df, gap, day, channel)
        assert len(got) == len(want)
        if not len(want):
            return
        got = _norm(got)[list(want.columns)]
        pd.testing.assert_frame_equal(got, _norm(want), check_dtype=False)

        labelled = assign_sessions(events, gap, split_on_day=day, split_on_channel=channel)
        got_ids = labelled.select("event_id", "session_id").execute()
        want_ids = ref.assign_sessions(df, gap, day, channel)[["event_id", "session_id"]]
        merged = got_ids.merge(want_ids, on="event_id", suffixes=("", "_ref"))
        assert len(merged) == len(df)
        assert (merged.session_id == merged.session_id_ref).all()

    check()


def test_stages_default_and_custom(warehouse, load):
    df = pd.DataFrame(
        {
            "event_id": ["1", "2", "3", "4"],
            "customer_id": ["u"] * 4,
            "ts": pd.to_datetime([f"2024-01-01 10:00:0{i}" for i in range(4)], utc=True),
            "type": ["impression", "chat", "purchase", "teleport"],
        }
    )
    events = load(warehouse, _canonical(df))
    got = with_stage(events).order_by("event_id").stage.to_list()
    assert got == ["discover", "consult", "purchase", "other"]
    custom = events.select(s=stage_of(events.type, {"teleport": "browse"}, default="x"))
    assert sorted(custom.s.to_list()) == ["browse", "x", "x", "x"]
    assert DEFAULT_STAGE_MAP["add_to_cart"] == "cart"


def _canonical(df: pd.DataFrame) -> pd.DataFrame:
    from shoplens.data.schema import TABLES

    out = pd.DataFrame({c: df.get(c) for c in TABLES["events"].columns})
    out["value"] = out["value"].astype("float64")
    return out


@pytest.mark.parametrize("kwargs", [{"gap": timedelta(0)}, {"gap": 30}, {"conversion_types": []}])
def test_sessionize_rejects_bad_arguments(duck, kwargs):
    with pytest.raises(InputError):
        sessionize(duck.table("events"), **kwargs)


def test_sessionize_needs_columns(duck):
    with pytest.raises(InputError, match="customer_id"):
        sessionize(duck.table("events").drop("customer_id"))


LOW_CARDINALITY = ("entry_type", "exit_type", "entry_stage", "exit_stage", "channel", "device")


def test_saved_sessions_match_reference(warehouse, event_logs, load, ref):
    """The stored session table (ENUM columns on DuckDB) holds the reference's sessions."""

    @settings(max_examples=4 if warehouse.name == "pyspark" else 20, **HS)
    @given(df=event_logs, gap=st.sampled_from([timedelta(minutes=30), timedelta(seconds=1)]))
    def check(df, gap):
        events = load(warehouse, df)
        stages = {"view": "look", "purchase": "buy"}  # a custom map: its stages are allowed
        stored = save_sessions(warehouse, events, gap=gap, stages=stages)
        want = ref.sessionize(df, gap)
        got = stored.execute()
        assert len(got) == len(want)
        if len(want):
            cols = [c for c in want.columns if c in got.columns]
            pd.testing.assert_frame_equal(_norm(got)[cols], _norm(want)[cols], check_dtype=False)
            known = {"view": "look", "purchase": "buy"}
            for side in ("entry", "exit"):
                stage = _norm(got)[f"{side}_type"].map(lambda t: known.get(t, "other"))
                assert (_norm(got)[f"{side}_stage"] == stage).all()
        if warehouse.name == "duckdb":
            types = dict(
                warehouse.raw_sql(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'journey_sessions'"
                ).fetchall()
            )
            enums = [c for c in LOW_CARDINALITY if types[c].startswith("ENUM(")]
            # a column gets an ENUM when the events give it a value
            assert set(enums) == {
                c
                for c in LOW_CARDINALITY
                if c.endswith("stage") or df[c.split("_")[-1] if "type" in c else c].notna().any()
            }

    check()
