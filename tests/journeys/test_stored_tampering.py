"""House rule 14 on a tampered table: writes made outside ShopLens never change an answer.

Each case starts from a warehouse whose ``events`` ShopLens stored in order (a sorted
base, and for some cases an appended tail), then writes to it behind ShopLens' back
with plain SQL. The analytics must still equal the sorted plans on an untouched copy of
the tampered rows; the fast path is checked to have been refused where the order broke,
and the test is shown able to fail: with the verification switched off, the streamed
plan gives a different (wrong) answer on the same table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.data import layout
from shoplens.data.ingest import write_atomically
from shoplens.data.layout import cluster_table, stored_plan
from shoplens.data.schema import TABLES
from shoplens.journeys import funnel_units, sessionize

STEPS = ["view", "add_to_cart", "purchase"]


def _events(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    minutes = rng.integers(0, 60 * 24 * 5, n) // 10 * 10
    types = np.array(["view", "add_to_cart", "purchase"])[rng.integers(0, 3, n)]
    return pd.DataFrame(
        {
            "event_id": [f"e{seed}-{i:05d}" for i in range(n)],
            "customer_id": [f"c{c:03d}" for c in rng.integers(0, 60, n)],
            "ts": pd.Timestamp("2024-03-01", tz="UTC") + pd.to_timedelta(minutes, unit="min"),
            "type": types,
            "value": np.where(types == "purchase", 10.0, np.nan),
        }
    )


def _answers(events) -> tuple[pd.DataFrame, pd.DataFrame]:
    s = sessionize(events).execute().sort_values("session_id").reset_index(drop=True)
    f = funnel_units(events, STEPS).execute().sort_values("customer_id").reset_index(drop=True)
    return s, f


# each case: (SQL run behind ShopLens' back, whether the order it breaks is one the fast
# path relies on). The ids are those of _events(…, seed=1): c000…c059, e1-00000…
CASES = {
    # a key moved: an event jumps to another time, the base is no longer sorted
    "update_ts": ("UPDATE events SET ts = ts + INTERVAL 3 DAY WHERE event_id = 'e1-00007'", True),
    # a key moved to another customer, in the middle of the base
    "update_customer": (
        "UPDATE events SET customer_id = 'c001' WHERE event_id = 'e1-00011'",
        True,
    ),
    # the row count is kept: one row deleted, a row of a base customer appended
    "delete_insert_same_count": (
        "DELETE FROM events WHERE event_id = 'e1-00003';"
        "INSERT INTO events (event_id, customer_id, ts, type) VALUES "
        "('x1', 'c002', TIMESTAMPTZ '2024-03-02 10:00:00+00', 'add_to_cart')",
        True,
    ),
    # a tail row re-assigned to a customer the tail set does not name
    "update_tail_customer": (
        "UPDATE events SET customer_id = 'c003' WHERE event_id = 'e2-00001'",
        True,
    ),
    # harmless to the order: a non-key column, and a delete (a sorted log minus a row)
    "update_type_and_delete": (
        "UPDATE events SET type = 'purchase' WHERE event_id = 'e1-00005';"
        "DELETE FROM events WHERE event_id = 'e1-00009'",
        False,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tampered_tables_give_the_sorted_answer(tmp_path, case, monkeypatch):
    from shoplens.warehouse import connect

    con = connect("duckdb", tmp_path / "w.duckdb")
    con.raw_sql("SET threads = 2")
    con.insert("events", _events(3_000, seed=1))
    assert cluster_table(con)
    tail = _events(40, seed=2)  # one appended run: a tail of a few customers
    tail["customer_id"] = [f"c1{i % 5:02d}" for i in range(len(tail))]  # tail-only customers
    tail.loc[:9, "customer_id"] = "c004"  # and a customer of the base
    write_atomically(con, [("events", tail, TABLES["events"])])
    assert stored_plan(con.table("events")).tail is not None
    sql, breaks = CASES[case]
    for statement in sql.split(";"):
        con.raw_sql(statement)
    events = con.table("events")
    plain = con.create_table("plain", events.execute(), overwrite=True)
    want = _answers(plain)

    assert (stored_plan(events) is None) == breaks
    for got, expected in zip(_answers(events), want, strict=True):
        pd.testing.assert_frame_equal(got, expected)
    if breaks:  # without the check the fast path would answer wrongly: the test can fail
        monkeypatch.setattr(layout, "_verify", lambda *args: True)
        assert stored_plan(events) is not None
        wrong = _answers(events)
        assert any(not g.equals(w) for g, w in zip(wrong, want, strict=True))
