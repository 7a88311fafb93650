"""Ingestion into stored order: each batch is one sorted tail run, all or nothing.

The first file into an empty warehouse becomes the sorted base; later (smaller) files are
appended as tail runs without touching the base; :func:`compact` merges them. A failure
inside the append rolls back the rows, the batch log and the layout record and tail set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.data import ingest as ingest_mod
from shoplens.data.ingest import ingest_file, table_counts
from shoplens.data.layout import compact, is_clustered, storage_state, stored_plan
from shoplens.journeys import sessionize


def _events(n: int, seed: int, customers: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "event_id": [f"e{seed}-{i:05d}" for i in rng.permutation(n)],
            "customer_id": [f"c{c:02d}" for c in rng.integers(0, customers, n)],
            "ts": pd.Timestamp("2024-03-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 5 * 24 * 60, n), unit="min"),
            "type": np.array(["view", "add_to_cart", "purchase"])[rng.integers(0, 3, n)],
        }
    )


def _file(tmp_path, name: str, df: pd.DataFrame):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def _layout(con) -> tuple:
    rec = con.table("table_layout").execute().drop(columns="clustered_at")
    tail = con.table("table_layout_tail").execute().sort_values("key").reset_index(drop=True)
    return rec.to_dict("records"), tail.to_dict("records")


def _sessions(events) -> pd.DataFrame:
    return sessionize(events).execute().sort_values("session_id").reset_index(drop=True)


def test_batches_are_tail_runs_and_compaction_merges_them(duck, tmp_path):
    ingest_file(duck, _file(tmp_path, "a.csv", _events(2_000, seed=1)), "events")
    state = storage_state(duck)
    assert state["verified"] and (state["base_rows"], state["tail_rows"]) == (2_000, 0)
    base = duck.table("events").execute()  # in stored order
    for i, n in enumerate((30, 20), 2):
        batch = _events(n, seed=i)
        batch["customer_id"] = batch.customer_id.str[:2]  # c0…c4: a few customers
        ingest_file(duck, _file(tmp_path, f"{i}.csv", batch), "events")
    state = storage_state(duck)
    assert state["verified"] and state["generation"] == 3
    assert (state["base_rows"], state["tail_rows"], state["tail_runs"]) == (2_000, 50, 2)
    assert state["tail_keys"] == 5
    stored = duck.table("events").execute()
    pd.testing.assert_frame_equal(stored.iloc[:2_000], base)  # the base was not rewritten
    for run in (stored.iloc[2_000:2_030], stored.iloc[2_030:]):  # each run sorted alone
        order = run.sort_values(["customer_id", "ts", "event_id"], kind="stable")
        assert run.index.equals(order.index)
    events = duck.table("events")
    assert stored_plan(events).tail is not None and not is_clustered(events)
    plain = duck.create_table("plain", stored, overwrite=True)
    pd.testing.assert_frame_equal(_sessions(events), _sessions(plain))
    assert compact(duck)
    state = storage_state(duck)
    assert (state["base_rows"], state["tail_rows"], state["generation"]) == (2_050, 0, 4)
    assert is_clustered(duck.table("events"))
    assert duck.table("table_layout_tail").count().execute() == 0
    pd.testing.assert_frame_equal(_sessions(duck.table("events")), _sessions(plain))


def test_a_small_table_is_rewritten_and_an_outside_write_is_healed_by_compaction(duck, tmp_path):
    ingest_file(duck, _file(tmp_path, "a.csv", _events(100, seed=1)), "events")
    ingest_file(duck, _file(tmp_path, "b.csv", _events(150, seed=2)), "events")
    state = storage_state(duck)  # the table held fewer rows than the batch: one base
    assert (state["base_rows"], state["tail_rows"], state["generation"]) == (250, 0, 2)
    outside = _events(1, seed=3).assign(customer_id="c07")  # bypasses ShopLens
    duck.insert("events", outside)
    assert stored_plan(duck.table("events")) is None and not storage_state(duck)["verified"]
    assert compact(duck, min_tail_rows=10**9)  # not verified: rewritten whatever the tail
    assert is_clustered(duck.table("events")) and storage_state(duck)["base_rows"] == 251


@pytest.mark.parametrize("failure", [OSError("No space left on device"), KeyboardInterrupt()])
def test_a_failed_append_rolls_back_rows_batch_log_and_layout(duck, tmp_path, monkeypatch, failure):
    ingest_file(duck, _file(tmp_path, "a.csv", _events(1_000, seed=1)), "events")
    ingest_file(duck, _file(tmp_path, "b.csv", _events(10, seed=2)), "events")
    before, layout = table_counts(duck), _layout(duck)
    real = ingest_mod.append_stored

    def append_then_fail(db, name, source, *args):
        real(db, name, source, *args)  # the rows, tail set and record are written ...
        raise failure  # ... then the disk "fills up"

    monkeypatch.setattr(ingest_mod, "append_stored", append_then_fail)
    path = _file(tmp_path, "c.csv", _events(20, seed=3))
    with pytest.raises(type(failure)):
        ingest_file(duck, path, "events")
    assert table_counts(duck) == before and _layout(duck) == layout
    assert storage_state(duck)["verified"]
    monkeypatch.undo()
    ingest_file(duck, path, "events")  # and the same file loads once the fault is gone
    state = storage_state(duck)
    assert state["verified"] and state["tail_runs"] == 2 and state["rows"] == 1_030
