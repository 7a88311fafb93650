"""Paths on DuckDB and Spark against the pandas reference, plus hand-checked cases."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shoplens.errors import InputError
from shoplens.journeys import drop_offs, next_steps, path_edges, path_steps, top_paths

HS = dict(
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.generate],
)
STEP = st.sampled_from(["view", "add_to_cart", "purchase", "login", "browse", "cart"])


def _norm(df: pd.DataFrame) -> pd.DataFrame:
    df = df.reset_index(drop=True).copy()
    for col in df.columns:
        if df[col].dtype.kind in "iu" or col in ("sessions", "occurrences", "rank"):
            df[col] = df[col].astype("int64")
        elif df[col].dtype.kind == "f" or col in ("share", "revenue_lost"):
            df[col] = df[col].astype("float64")
        else:
            df[col] = df[col].astype(object)
    return df


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got, want = _norm(got), _norm(want[list(got.columns)] if len(want.columns) else want)
    if not len(want):
        assert not len(got), got
        return
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-9)


def test_paths_match_reference(warehouse, event_logs, load, ref_paths):
    examples = 3 if warehouse.name == "pyspark" else 30

    @settings(max_examples=examples, **HS)
    @given(
        df=event_logs,
        level=st.sampled_from(["type", "stage"]),
        anchor=st.sampled_from(["start", "end", None]),
        step=STEP,
        depth=st.integers(1, 4),
        by=st.sampled_from(["session", "customer"]),
        rank_by=st.sampled_from(["customers", "revenue"]),
    )
    def check(df, level, anchor, step, depth, by, rank_by):
        ev = load(warehouse, df)
        kw = {anchor: step} if anchor else {}
        got = top_paths(ev, depth=depth, n=5, level=level, **kw).execute()
        _same(got, ref_paths.top_paths(df, depth=depth, n=5, level=level, **kw))
        for direction in ("next", "previous"):
            got = next_steps(ev, step, direction=direction, level=level).execute()
            _same(got, ref_paths.next_steps(df, step, direction=direction, level=level))
        start = step if anchor == "start" else None
        got = path_edges(ev, start=start, depth=depth, exits=by == "session", level=level)
        want = ref_paths.path_edges(df, start, depth, by == "session", level)
        _same(got.execute(), want)
        got = drop_offs(ev, by=by, rank_by=rank_by, level=level).execute()
        _same(got, ref_paths.drop_offs(df, by, rank_by, level))

    check()


def _events(rows):
    from shoplens.data.schema import TABLES

    df = pd.DataFrame(rows, columns=["event_id", "customer_id", "ts", "type", "value"])
    df["ts"] = pd.to_datetime(df["ts"], utc=True)
    out = pd.DataFrame({c: df.get(c) for c in TABLES["events"].columns})
    out["value"] = out["value"].astype("float64")
    return out


def test_hand_checked_paths(warehouse, load):
    """Every path analytic on one hand-checked log, on DuckDB and on Spark."""
    ev = load(
        warehouse,
        _events(
            [
                ("a", "u", "2024-01-01 10:00", "view", None),
                ("b", "u", "2024-01-01 10:00", "view", None),  # tie, collapsed
                ("c", "u", "2024-01-01 10:05", "add_to_cart", None),
                ("d", "u", "2024-01-01 10:06", "purchase", 30.0),
                ("e", "u", "2024-01-01 12:00", "view", None),  # new session
                ("f", "v", "2024-01-01 10:00", "view", None),
                ("g", "v", "2024-01-01 10:01", "add_to_cart", None),
            ]
        ),
    )
    steps = path_steps(ev).order_by(["session_id", "depth"]).execute()
    assert steps["step"].tolist() == [
        "view",
        "add_to_cart",
        "purchase",
        "view",
        "view",
        "add_to_cart",
    ]
    paths = top_paths(ev, start="view", depth=2).execute()
    assert paths["path"].tolist() == ["view > add_to_cart", "view"]
    assert paths["sessions"].tolist() == [2, 1]
    drops = drop_offs(ev).execute().set_index("exit_step")
    assert drops.loc["add_to_cart", "revenue_lost"] == 30.0
    assert drops.loc["view", "units_lost"] == 1
    by_customer = drop_offs(ev, by="customer").execute()
    assert by_customer["exit_step"].tolist() == ["add_to_cart"]
    # sessions u1: view > add_to_cart > purchase, u2: view, v: view > add_to_cart
    nxt = next_steps(ev, "view").execute().set_index("next_step")["occurrences"]
    assert nxt.to_dict() == {"add_to_cart": 2, "(exit)": 1}
    edges = path_edges(ev, depth=2, exits=True).execute()
    got = {(r.source, r.target): int(r.sessions) for r in edges.itertuples()}
    assert got == {("view", "add_to_cart"): 2, ("view", "(exit)"): 1}


def test_bad_arguments_raise_input_error():
    import ibis

    ev = ibis.memtable(_events([("a", "u", "2024-01-01", "view", None)]))
    with pytest.raises(InputError, match="not both"):
        top_paths(ev, start="view", end="purchase")
    with pytest.raises(InputError, match="depth"):
        path_edges(ev, depth=0)
    with pytest.raises(InputError, match="level"):
        top_paths(ev, level="page")
    with pytest.raises(InputError, match="direction"):
        next_steps(ev, "view", direction="up")
    with pytest.raises(InputError, match="rank_by"):
        drop_offs(ev, rank_by="x")
    with pytest.raises(InputError, match="event columns"):
        path_steps(ev.drop("event_id"))
