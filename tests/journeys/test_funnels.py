"""Funnels on DuckDB and Spark against the pandas reference, plus hand-checked cases."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shoplens.errors import InputError
from shoplens.journeys import Step, funnel, funnel_frame, funnel_units, time_to_convert

HS = dict(
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.generate],
)
STEP_CHOICES = [
    "view",
    "add_to_cart",
    "purchase",
    "search",
    Step("view", where={"channel": "ads"}),
    Step("checkout", within=timedelta(hours=1)),
    Step("purchase", where={"device": ["mobile"]}, name="mobile purchase"),
]


@st.composite
def configs(draw):
    steps = draw(st.lists(st.sampled_from(STEP_CHOICES), min_size=1, max_size=4))
    mode = draw(st.sampled_from(["ordered", "strict", "any"]))
    if mode == "any":
        steps = [Step(s.type, s.where, s.name) if isinstance(s, Step) else s for s in steps]
    return {
        "steps": steps,
        "mode": mode,
        "window": draw(st.sampled_from([timedelta(hours=1), timedelta(days=1), timedelta(days=7)])),
        "by": draw(st.sampled_from(["customer", "session"])),
        "breakdown": draw(st.sampled_from([(), ("channel",), ("channel", "device")])),
    }


def _units(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    df = df.copy()
    for col in df.columns:
        if col.endswith("_at"):
            df[col] = pd.to_datetime(df[col], utc=True).astype("datetime64[us, UTC]")
        elif col not in ("steps_reached", "in_progress"):
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    df["steps_reached"] = df["steps_reached"].astype("int64")
    df["in_progress"] = df["in_progress"].astype(bool)
    return df.sort_values(unit).reset_index(drop=True)


def _counts(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    df = df.copy()
    for col in keys:
        df[col] = df[col].astype(object).where(df[col].notna(), "<null>")
    for col in ("step", "entered", "in_progress"):
        df[col] = df[col].astype("int64")
    df["median_seconds"] = df["median_seconds"].astype("float64")
    cols = [*keys, "step", "entered", "in_progress", "median_seconds"]
    return df[cols].sort_values([*keys, "step"]).reset_index(drop=True)


def test_funnels_match_reference(warehouse, event_logs, load, ref):
    # Spark: fewer random logs (each query costs seconds), every one checked in full;
    # test_known_funnel checks every funnel feature on a hand-made log on Spark too
    examples = 8 if warehouse.name == "pyspark" else 80

    @settings(max_examples=examples, **HS)
    @given(df=event_logs, cfg=configs())
    def check(df, cfg):
        events = load(warehouse, df)
        unit = "customer_id" if cfg["by"] == "customer" else "session_id"
        got = funnel_units(events, **cfg).execute()
        want = ref.funnel_units(df, **cfg)
        assert len(got) == len(want)
        if len(want):
            pd.testing.assert_frame_equal(
                _units(got, unit)[list(want.columns)], _units(want, unit), check_dtype=False
            )
        keys = list(cfg["breakdown"])
        got_c = _counts(funnel(events, **cfg).execute(), keys)
        want_c = _counts(ref.funnel(df, **cfg), keys)
        if keys and not len(want):
            assert got_c.empty
            return
        pd.testing.assert_frame_equal(got_c, want_c, check_dtype=False)

    check()


def _events(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    from shoplens.data.schema import TABLES

    df = pd.DataFrame(rows, columns=["customer_id", "ts", "type", "channel"])
    df["ts"] = pd.to_datetime(df["ts"], utc=True)
    df["event_id"] = [f"e{i:02d}" for i in range(len(df))]
    out = pd.DataFrame({c: df.get(c) for c in TABLES["events"].columns})
    out["value"] = out["value"].astype("float64")
    return out


KNOWN = [
    # a: view -> cart -> purchase in order within a day
    ("a", "2024-01-01 10:00", "view", "ads"),
    ("a", "2024-01-01 10:05", "search", "ads"),
    ("a", "2024-01-01 10:10", "add_to_cart", "ads"),
    ("a", "2024-01-01 11:00", "purchase", "ads"),
    # b: cart before view: ordered stops at step 1, 'any' completes
    ("b", "2024-01-01 09:00", "add_to_cart", "seo"),
    ("b", "2024-01-01 09:30", "view", "seo"),
    ("b", "2024-01-01 09:40", "purchase", "seo"),
    # c: viewed long ago, window closed -> dropped at step 2
    ("c", "2023-12-01 10:00", "view", "seo"),
    # d: viewed recently -> in progress at step 2
    ("d", "2024-01-05 10:00", "view", "ads"),
    ("z", "2024-01-09 10:00", "login", "ads"),
]


def test_known_funnel(warehouse, load):
    events = load(warehouse, _events(KNOWN))
    steps = ["view", "add_to_cart", "purchase"]
    got = funnel_frame(events, steps)
    assert got.entered.tolist() == [4, 1, 1]
    assert got.in_progress.tolist() == [0, 1, 0]
    assert got.dropped.tolist() == [0, 2, 0]
    assert got.conversion_rate.tolist() == [1.0, 0.25, 0.25]
    assert got.median_seconds.tolist()[1:] == [600.0, 3600.0]
    strict = funnel_frame(events, steps, mode="strict")
    assert strict.entered.tolist() == [4, 0, 0]
    unordered = funnel_frame(events, steps, mode="any")
    assert unordered.entered.tolist() == [4, 2, 2]
    by_channel = funnel_frame(events, steps, breakdown="channel")
    assert by_channel.query("channel == 'ads'").entered.tolist() == [2, 1, 1]
    ads = funnel_frame(events, [Step("view", where={"channel": "seo"}), "purchase"])
    assert ads.entered.tolist() == [2, 1]
    per_step = funnel_frame(events, ["view", Step("add_to_cart", within=timedelta(minutes=5))])
    assert per_step.entered.tolist() == [4, 0]
    ttc = time_to_convert(events, steps).execute()
    assert ttc.units.tolist() == [1] and ttc.upper_seconds.tolist() == [6 * 3600]


def test_empty_funnel(duck):
    got = funnel_frame(duck.table("events"), ["view", "purchase"])
    assert got.entered.tolist() == [0, 0]
    assert got.conversion_rate.isna().all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"steps": []},
        {"steps": "view"},
        {"steps": ["view"], "mode": "loose"},
        {"steps": ["view"], "by": "visit"},
        {"steps": ["view"], "window": timedelta(0)},
        {"steps": ["view"], "breakdown": "colour"},
        {"steps": [Step("view", where={"colour": "red"})]},
        {"steps": ["view", Step("buy", within=timedelta(hours=1))], "mode": "any"},
    ],
)
def test_funnel_rejects_bad_arguments(duck, kwargs):
    with pytest.raises(InputError):
        funnel(duck.table("events"), **kwargs)
