"""Events stored in customer and time order: the streamed plans equal the sorted ones.

The hypothesis tests in test_sessions/test_funnels run every plan against the pandas
reference on small logs (the ``duckdb-stored`` warehouse). Here a larger log (several
DuckDB row groups, four parts streamed on parallel threads, timestamp ties) checks the
streamed plans against the sorted plans, which read the same rows from a table that is
not recorded as stored in order; and the ``table_layout`` record is checked to be voided
by writes outside ShopLens and renewed by ingestion.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from shoplens.data.ingest import ingest_file
from shoplens.data.layout import cluster_table, is_clustered, stored_parts
from shoplens.journeys import Step, assign_sessions, funnel_units, sessionize

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


def test_record_is_voided_by_outside_writes_and_renewed_by_ingestion(tmp_path):
    from shoplens.warehouse import connect

    con = connect("duckdb", tmp_path / "w.duckdb")
    first, more = _events(2_000, seed=1), _events(500, seed=2)
    more["event_id"] = "x" + more["event_id"]
    con.insert("events", first)
    assert cluster_table(con) and is_clustered(con.table("events"))
    con.insert("events", more.iloc[:1])  # a write that bypasses ShopLens
    assert not is_clustered(con.table("events"))
    path = tmp_path / "events.csv"
    more.iloc[1:].to_csv(path, index=False)
    ingest_file(con, path, "events")
    events = con.table("events")
    assert is_clustered(events) and events.count().execute() == len(first) + len(more)
    stored = events.execute()  # rows come back in stored order
    order = stored.sort_values(["customer_id", "ts", "event_id"], kind="stable")
    assert stored.index.equals(order.index)


def test_ingestion_and_its_reordering_land_together_or_not_at_all(tmp_path, monkeypatch):
    """A failure while re-sorting rolls back the new rows, the batch log and the order."""
    import shoplens.data.ingest as ingest
    from shoplens.data.layout import sort_stored
    from shoplens.warehouse import connect

    con = connect("duckdb", tmp_path / "w.duckdb")
    first, more = _events(2_000, seed=1), _events(500, seed=2)
    more["event_id"] = "x" + more["event_id"]
    con.insert("events", first)
    assert cluster_table(con)
    batches = con.table("ingest_batches").count().execute()
    path = tmp_path / "events.csv"
    more.to_csv(path, index=False)

    def sort_then_fail(db, name="events"):
        sort_stored(db, name)  # the real rewrite runs, then the disk "fills up"
        raise OSError("No space left on device")

    monkeypatch.setattr(ingest, "sort_stored", sort_then_fail)
    with pytest.raises(OSError, match="No space left"):
        ingest_file(con, path, "events")
    events = con.table("events")
    assert events.count().execute() == len(first)
    assert con.table("ingest_batches").count().execute() == batches
    assert is_clustered(events)  # the old record still matches the old rows
    monkeypatch.undo()
    ingest_file(con, path, "events")  # and the same file loads once the fault is gone
    assert con.table("events").count().execute() == len(first) + len(more)
    assert is_clustered(con.table("events"))
