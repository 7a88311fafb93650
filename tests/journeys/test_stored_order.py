"""Events stored in customer and time order: the streamed plans equal the sorted ones.

The hypothesis tests in test_sessions/test_funnels run every plan against the pandas
reference on small logs (the ``duckdb-stored`` warehouse). Here a larger log (several
DuckDB row groups, four parts streamed on parallel threads, timestamp ties) checks the
streamed plans against the sorted plans, which read the same rows from a table that is
not recorded as stored in order. The same comparison runs on every state the storage
can be in (docs/ingestion.md): one sorted table, a sorted base with appended tail runs,
and after compaction. test_stored_tampering.py covers writes made outside ShopLens.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from shoplens.data.layout import (
    cluster_table,
    compact,
    is_clustered,
    storage_state,
    stored_parts,
    stored_plan,
)
from shoplens.journeys import Step, assign_sessions, funnel_units, retention, sessionize

N = 300_000
TYPES = np.array(["view", "search", "add_to_cart", "checkout", "purchase", "chat"])


def _events(n: int = N, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = rng.integers(0, n // 30, n)
    # minutes on a coarse grid: many timestamp ties inside a customer
    minutes = rng.integers(0, 60 * 24 * 20, n) // 5 * 5
    types = TYPES[rng.choice(len(TYPES), n, p=[0.45, 0.15, 0.15, 0.1, 0.1, 0.05])]
    return pd.DataFrame(
        {
            "event_id": [f"e{i:07d}" for i in rng.permutation(n)],
            "customer_id": [f"c{c}" for c in customers],
            "ts": pd.Timestamp("2024-03-01", tz="UTC") + pd.to_timedelta(minutes, unit="min"),
            "type": types,
            "value": np.where(types == "purchase", rng.integers(1, 500, n) / 4, np.nan),
            "channel": np.array(["ads", "seo", None], dtype=object)[rng.integers(0, 3, n)],
            "device": np.array(["mobile", "desktop"])[rng.integers(0, 2, n)],
        }
    )


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A warehouse whose ``events`` are stored in order, and a plain copy of them."""
    from shoplens.warehouse import connect

    con = connect("duckdb", tmp_path_factory.mktemp("stored") / "w.duckdb")
    con.raw_sql("SET threads = 4")
    df = _events()
    con.insert("events", df)
    assert cluster_table(con)
    con.create_table("plain", con.table("events").execute(), overwrite=True)
    yield con
    con.disconnect()


def _frame(expr, keys) -> pd.DataFrame:
    return expr.execute().sort_values(keys).reset_index(drop=True)


def test_the_log_is_streamed_in_parallel_parts(stored):
    events = stored.table("events")
    assert is_clustered(events) and not is_clustered(stored.table("plain"))
    assert len(stored_parts(events)) == 4


@pytest.mark.parametrize("kwargs", [{}, {"split_on_day": True}, {"split_on_channel": True}])
def test_streamed_sessions_equal_sorted_sessions(stored, kwargs):
    gap = timedelta(minutes=30)
    got = _frame(sessionize(stored.table("events"), gap, **kwargs), "session_id")
    want = _frame(sessionize(stored.table("plain"), gap, **kwargs), "session_id")
    assert len(got) > N // 10
    pd.testing.assert_frame_equal(got, want)
    cols = ["event_id", "session_id"]
    got = _frame(assign_sessions(stored.table("events"), gap, **kwargs).select(cols), cols)
    want = _frame(assign_sessions(stored.table("plain"), gap, **kwargs).select(cols), cols)
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("mode", ["ordered", "strict"])
def test_streamed_funnels_equal_sorted_funnels(stored, mode):
    steps = ["view", "add_to_cart", Step("checkout", within=timedelta(hours=6)), "purchase"]
    kwargs = {"mode": mode, "window": timedelta(days=3), "breakdown": "device"}
    got = _frame(funnel_units(stored.table("events"), steps, **kwargs), "customer_id")
    want = _frame(funnel_units(stored.table("plain"), steps, **kwargs), "customer_id")
    assert got.steps_reached.max() >= 3
    pd.testing.assert_frame_equal(got, want)


def _append(con, name: str, df: pd.DataFrame) -> None:
    """Append ``df`` as ShopLens' ingestion does: one sorted tail run, one transaction."""
    from shoplens.data.ingest import write_atomically
    from shoplens.data.schema import TABLES

    if name != "events":  # write_atomically writes canonical tables; go one level down
        from shoplens.data.layout import append_stored, can_cluster

        assert can_cluster(con)
        db = con.con
        db.register("_batch", df)
        db.begin()
        append_stored(db, name, "_batch")
        db.commit()
        db.unregister("_batch")
        return
    write_atomically(con, [("events", df, TABLES["events"])])


@pytest.fixture(scope="module")
def states(stored):
    """The events of ``stored`` in two more storage states, as tables of that warehouse.

    ``tail``: a sorted base of most rows, then five appended runs: later events of one
    customer in twelve (split between base and tail, timestamp ties across the
    boundary), plus customers seen only in the tail. ``compacted``: the same, merged.
    """
    df = stored.table("plain").execute()
    rng = np.random.default_rng(3)
    ids = df.customer_id.str[1:].astype(int)
    late = (ids % 12 == 5) & (df.ts >= df.ts.quantile(0.6))
    late |= ids >= ids.max() - 10  # these customers' events are all in the tail
    base, tail = df[~late], df[late]
    for name in ("tail", "compacted"):
        stored.create_table(name, base.iloc[rng.permutation(len(base))], overwrite=True)
        assert cluster_table(stored, name)
        shuffled = tail.iloc[rng.permutation(len(tail))]
        for run in np.array_split(np.arange(len(tail)), 5):
            _append(stored, name, shuffled.iloc[run])
    assert compact(stored, "compacted")
    return stored


@pytest.mark.parametrize("state", ["events", "tail", "compacted"])
def test_every_storage_state_gives_the_sorted_plans_results(states, state):
    table = states.table(state)
    plan = stored_plan(table)
    assert plan is not None and (plan.tail is None) == (state != "tail")
    plain = states.table("plain")
    got = _frame(sessionize(table), "session_id")
    pd.testing.assert_frame_equal(got, _frame(sessionize(plain), "session_id"))
    cols = ["event_id", "session_id"]
    got = _frame(assign_sessions(table, split_on_day=True).select(cols), cols)
    want = _frame(assign_sessions(plain, split_on_day=True).select(cols), cols)
    pd.testing.assert_frame_equal(got, want)
    steps = ["view", "add_to_cart", "checkout", "purchase"]
    for mode in ("ordered", "strict"):
        got = _frame(funnel_units(table, steps, mode=mode), "customer_id")
        want = _frame(funnel_units(plain, steps, mode=mode), "customer_id")
        pd.testing.assert_frame_equal(got, want)
    keys = ["cohort", "period_offset"]
    got = _frame(retention(table, period="week"), keys)
    pd.testing.assert_frame_equal(got, _frame(retention(plain, period="week"), keys))


def test_appends_leave_the_base_and_compaction_merges_the_tail(states):
    before = states.table("tail")
    state = storage_state(states, "tail")
    assert state["verified"] and state["tail_runs"] == 5 and state["tail_rows"] > 0
    assert state["base_rows"] + state["tail_rows"] == before.count().execute()
    assert state["generation"] == 6  # the sort, then one per appended run
    merged = storage_state(states, "compacted")
    assert merged["verified"] and merged["tail_rows"] == 0 and merged["generation"] == 7
    rows = states.table("compacted").execute()  # rows come back in stored order
    order = rows.sort_values(["customer_id", "ts", "event_id"], kind="stable")
    assert rows.index.equals(order.index)
    assert not compact(states, "compacted")  # nothing left to merge
