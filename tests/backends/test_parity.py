"""The same ingestion and the same aggregate on DuckDB and on Spark give the same result."""

from __future__ import annotations

import pandas as pd
import pytest

from shoplens.data.formats.cdnow import cdnow_path
from shoplens.data.ingest import ingest_file, table_counts

pytestmark = pytest.mark.spark

ORDERS = """order_id,customer_id,ts,total,currency
o1,c1,2024-05-01T10:00:00Z,100.5,CNY
o2,c2,2024-05-01 18:30:00+08:00,20,CNY
o2,c2,2024-05-01 18:30:00+08:00,20,CNY
o3,c1,2024-05-02 09:00,7.25,CNY
o4,,2024-05-03,5,CNY
o5,c3,2024-13-01,5,CNY
"""


def _revenue_by_customer(con):
    o = con.table("orders")
    expr = o.group_by("customer_id").agg(orders=o.count(), revenue=o.total.sum())
    out = expr.to_pandas().sort_values("customer_id").reset_index(drop=True)
    return out.astype({"orders": "int64", "revenue": "float64"})


def _sorted(con, table, key):
    frame = con.table(table).to_pandas().sort_values(key).reset_index(drop=True)
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_convert("UTC").astype("datetime64[us, UTC]")
        elif pd.api.types.is_datetime64_dtype(frame[col].dtype):  # Spark gives naive UTC
            frame[col] = frame[col].dt.tz_localize("UTC").astype("datetime64[us, UTC]")
    return frame


def test_ingest_and_aggregate_agree(duck, spark, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    results = {}
    for name, con in (("duckdb", duck), ("spark", spark)):
        first = ingest_file(con, path, "orders")
        again = ingest_file(con, path, "orders")
        results[name] = (
            (first.read, first.loaded, first.duplicates, first.quarantined, again.loaded),
            _sorted(con, "orders", "order_id"),
            _revenue_by_customer(con),
        )
    assert results["duckdb"][0] == results["spark"][0] == (6, 3, 1, 2, 0)
    pd.testing.assert_frame_equal(results["duckdb"][1], results["spark"][1], check_dtype=False)
    pd.testing.assert_frame_equal(results["duckdb"][2], results["spark"][2])
    # and both equal a plain pandas reference on the good rows
    ref = (
        pd.DataFrame({"customer_id": ["c1", "c2", "c1"], "total": [100.5, 20.0, 7.25]})
        .groupby("customer_id")
        .agg(orders=("total", "size"), revenue=("total", "sum"))
        .reset_index()
    )
    pd.testing.assert_frame_equal(results["duckdb"][2], ref)


def test_cdnow_on_both_engines(duck, spark):
    path = cdnow_path("sample")
    recs = {
        name: ingest_file(con, path, mapping="cdnow") for name, con in (("d", duck), ("s", spark))
    }
    assert recs["d"].loaded == recs["s"].loaded == 6919
    assert table_counts(duck) == table_counts(spark)
    pd.testing.assert_frame_equal(_revenue_by_customer(duck), _revenue_by_customer(spark))
