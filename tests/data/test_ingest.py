"""Ingestion: reconciliation, duplicates, quarantine, UTC, unicode, atomicity."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.data import ingest as ingest_mod
from shoplens.data.ingest import ingest_file, table_counts
from shoplens.errors import InputError, SchemaError

ORDERS_CSV = """order_id,customer_id,ts,status,total,currency,coupon
o1,c1,2024-05-01T10:00:00Z,paid,100.5,CNY,A
o2,c2,2024-05-01 18:30:00+08:00,paid,20,CNY,
o3,c1,2024-05-02 09:00,paid,7.25,CNY,
o1,c1,2024-05-01T10:00:00Z,paid,100.5,CNY,A
o4,,2024-05-03,paid,5,CNY,
o5,c3,not a date,paid,5,CNY,
o6,c3,2024-05-04,paid,-3,CNY,
o7,c4,2024-05-04,paid,abc,CNY,
"""


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reconciles_and_quarantines_with_reasons(duck, tmp_path):
    path = _write(tmp_path, "orders.csv", ORDERS_CSV)
    rec = ingest_file(duck, path, "orders")
    # 8 data rows: o1,o2,o3 good; the second o1 a duplicate; o4..o7 bad for four reasons
    assert (rec.read, rec.loaded, rec.duplicates, rec.quarantined) == (8, 3, 1, 4)
    assert rec.balanced
    assert rec.ignored_columns == ["coupon"]
    q = duck.table("ingest_quarantine").to_pandas().sort_values("row_number")
    assert q["row_number"].tolist() == [5, 6, 7, 8]
    reasons = q["reason"].tolist()
    assert reasons[0] == "missing customer_id"
    assert reasons[1].startswith("bad timestamp in ts: 'not a date'")
    assert reasons[2] == "negative total"
    assert reasons[3].startswith("not a number in total: 'abc'")
    assert json.loads(q["record"].iloc[1])["order_id"] == "o5"
    batches = duck.table("ingest_batches").to_pandas()
    assert batches[["rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined"]].iloc[
        0
    ].tolist() == [8, 3, 1, 4]


def test_same_file_twice_loads_nothing(duck, tmp_path):
    path = _write(tmp_path, "orders.csv", ORDERS_CSV)
    ingest_file(duck, path, "orders")
    before = duck.table("orders").to_pandas().sort_values("order_id").reset_index(drop=True)
    again = ingest_file(duck, path, "orders")
    assert (again.loaded, again.duplicates, again.quarantined) == (0, 4, 4)
    after = duck.table("orders").to_pandas().sort_values("order_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)


def test_timestamps_are_normalised_to_utc(duck, tmp_path):
    path = _write(tmp_path, "orders.csv", ORDERS_CSV)
    ingest_file(duck, path, "orders", timezone="Asia/Shanghai")
    got = duck.table("orders").to_pandas().set_index("order_id")["ts"]
    shanghai = timezone(timedelta(hours=8))
    expected = {
        "o1": datetime(2024, 5, 1, 10, 0, tzinfo=UTC),  # explicit Z
        "o2": datetime(2024, 5, 1, 18, 30, tzinfo=shanghai),  # explicit offset
        "o3": datetime(2024, 5, 2, 9, 0, tzinfo=shanghai),  # naive: read in --timezone
    }
    for order, when in expected.items():
        assert got[order].to_pydatetime() == when.astimezone(UTC)
    assert str(got.dt.tz) == "UTC"


def test_unicode_is_kept_intact(duck, tmp_path):
    texts = [
        "质量很好，物流也快！👍",
        "尺码偏小 XL 也紧 😤",
        "Great value — 256G model ✨",
        "𠮷野家",
    ]
    frame = pd.DataFrame(
        {
            "review_id": [f"r{i}" for i in range(len(texts))],
            "item_id": "i1",
            "ts": "2024-06-18T00:00:00Z",
            "rating": [5, 2, 4, 3],
            "text": texts,
        }
    )
    path = tmp_path / "reviews.csv"
    frame.to_csv(path, index=False, encoding="utf-8")
    rec = ingest_file(duck, path, "reviews")
    assert rec.loaded == len(texts)
    stored = duck.table("reviews").to_pandas().set_index("review_id")["text"]
    for i, text in enumerate(texts):
        assert stored[f"r{i}"].encode("utf-8") == text.encode("utf-8")


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_other_formats(duck, tmp_path, fmt):
    frame = pd.DataFrame(
        {
            "event_id": ["e1", "e2", "e3"],
            "customer_id": ["c1", "c1", None],
            "ts": pd.to_datetime(
                ["2024-01-01 00:00", "2024-01-01 00:05", "2024-01-01 00:09"], utc=True
            ),
            "type": ["view", "add_to_cart", "view"],
        }
    )
    path = tmp_path / f"events.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(path)
    else:
        frame.assign(ts=frame.ts.astype(str)).to_json(path, orient="records", lines=True)
    rec = ingest_file(duck, path, "events")
    assert (rec.read, rec.loaded, rec.quarantined) == (3, 2, 1)


def test_events_without_ids_get_content_ids(duck, tmp_path):
    text = "customer_id,ts,type,item_id\nc1,2024-01-01T00:00:00Z,view,i1\n"
    text += "c1,2024-01-01T00:00:00Z,view,i1\nc1,2024-01-01T00:01:00Z,view,i1\n"
    path = _write(tmp_path, "events.csv", text)
    rec = ingest_file(duck, path, "events")
    assert (rec.loaded, rec.duplicates) == (2, 1)
    ids = duck.table("events").event_id.to_pandas()
    assert ids.is_unique and ids.notna().all()


def test_invalid_jsonl_lines_are_quarantined(duck, tmp_path):
    lines = [
        json.dumps(
            {"message_id": "m1", "conversation_id": "c", "ts": "2024-01-01", "role": "customer"}
        ),
        "{not json",
        json.dumps(
            {"message_id": "m2", "conversation_id": "c", "ts": "2024-01-01", "role": "agent"}
        ),
    ]
    path = _write(tmp_path, "messages.jsonl", "\n".join(lines) + "\n")
    rec = ingest_file(duck, path, "messages")
    assert (rec.read, rec.loaded, rec.quarantined) == (3, 2, 1)
    assert next(iter(rec.reasons)).startswith("invalid JSON line")


def test_missing_required_columns_are_listed(duck, tmp_path):
    path = _write(tmp_path, "orders.csv", "order_id,total\n1,2\n")
    with pytest.raises(SchemaError, match="customer_id, ts"):
        ingest_file(duck, path, "orders")


def test_bad_arguments(duck, tmp_path):
    with pytest.raises(InputError, match="file not found"):
        ingest_file(duck, tmp_path / "nope.csv", "orders")
    path = _write(tmp_path, "orders.data", "x\n")
    with pytest.raises(InputError, match="--format"):
        ingest_file(duck, path, "orders")
    with pytest.raises(InputError, match="unknown format"):
        ingest_file(duck, path, "orders", fmt="xml")
    with pytest.raises(InputError, match="unknown table"):
        ingest_file(duck, path, "shoppers", fmt="csv")
    with pytest.raises(InputError, match="unknown mapping"):
        ingest_file(duck, path, fmt="csv", mapping="nosuch")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"order_id,customer_id,ts\n1,\xff\xfe,2024-01-01\n")
    with pytest.raises(InputError, match="not valid UTF-8"):
        ingest_file(duck, bad, "orders")


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_crash_mid_file_leaves_the_warehouse_as_it_was(duck, tmp_path, monkeypatch, failure):
    """Fault injection: the second append of the file's transaction fails."""
    ingest_file(duck, _write(tmp_path, "first.csv", ORDERS_CSV.replace("\no", "\np")), "orders")
    before = table_counts(duck)
    real = ingest_mod._append_duckdb
    calls = {"n": 0}

    def flaky(db, name, arrow):
        calls["n"] += 1
        if calls["n"] == 2:
            raise failure
        real(db, name, arrow)

    monkeypatch.setattr(ingest_mod, "_append_duckdb", flaky)
    with pytest.raises(type(failure)):
        ingest_file(duck, _write(tmp_path, "orders.csv", ORDERS_CSV), "orders")
    assert calls["n"] == 2  # the first append had happened inside the transaction
    assert table_counts(duck) == before


# a random mix of good, duplicate and bad rows: the counts always reconcile, and what is
# loaded equals a plain-Python reference of "first valid row per key"
ROW = st.fixed_dictionaries(
    {
        "order_id": st.sampled_from(["a", "b", "c", "d", "e", ""]),
        "customer_id": st.sampled_from(["c1", "c2", "", "客户3"]),
        "ts": st.sampled_from(["2024-01-01", "2024-02-30", "2024-03-01T05:00:00+08:00", ""]),
        "total": st.sampled_from(["1", "0", "-2", "x", "", "3.5"]),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(ROW, max_size=25))
def test_reconciliation_always_holds(duck, tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("h")
    path = folder / "orders.csv"
    pd.DataFrame(rows, columns=["order_id", "customer_id", "ts", "total"]).to_csv(path, index=False)
    before = set(duck.table("orders").order_id.to_pandas())
    rec = ingest_file(duck, path, "orders")
    assert rec.balanced and rec.read == len(rows)

    def valid(r):
        try:
            datetime.fromisoformat(r["ts"])
        except ValueError:
            return False
        num_ok = r["total"] == "" or r["total"].replace(".", "", 1).lstrip("-").isdigit()
        return r["order_id"] and r["customer_id"] and num_ok and not r["total"].startswith("-")

    good_keys = [r["order_id"] for r in rows if valid(r)]
    assert rec.quarantined == len(rows) - len(good_keys)
    assert rec.loaded == len(set(good_keys) - before)
    assert set(duck.table("orders").order_id.to_pandas()) == before | set(good_keys)


def test_local_times_across_dst_changes_are_kept(duck, tmp_path):
    """São Paulo skipped 2017-10-15 00:00-01:00; London repeated 2023-10-29 01:00-02:00."""
    text = "order_id,customer_id,ts,total\n1,c,2017-10-15 00:30:00,1\n2,c,2017-10-16 00:30:00,1\n"
    rec = ingest_file(duck, _write(tmp_path, "o.csv", text), "orders", timezone="America/Sao_Paulo")
    assert rec.loaded == 2
    got = duck.table("orders").to_pandas().set_index("order_id")["ts"]
    # the skipped half hour moves forward to 01:00 local (-02:00); the next day is -02:00 too
    assert got["1"].to_pydatetime() == datetime(2017, 10, 15, 3, 0, tzinfo=UTC)
    assert got["2"].to_pydatetime() == datetime(2017, 10, 16, 2, 30, tzinfo=UTC)
    text = "order_id,customer_id,ts,total\n3,c,2023-10-29 01:30:00,1\n4,c,29/10/2023 01:30,1\n"
    ingest_file(duck, _write(tmp_path, "p.csv", text), "orders", timezone="Europe/London")
    got = duck.table("orders").to_pandas().set_index("order_id")["ts"]
    # ambiguous local time is read as standard time (GMT): 01:30 UTC, on both parse paths
    assert got["3"].to_pydatetime() == datetime(2023, 10, 29, 1, 30, tzinfo=UTC)
    assert got["4"].to_pydatetime() == datetime(2023, 10, 29, 1, 30, tzinfo=UTC)
