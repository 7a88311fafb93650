"""store_table: low-cardinality text stored as DuckDB ENUM, read back unchanged, atomic."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

import shoplens.warehouse as wh
from shoplens.errors import WarehouseError
from shoplens.warehouse import store_table


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "device": ["mobile", "web", None, "it's"],  # a null and a quote
            "note": ["a", "b", "c", "d"],
        }
    )


def _types(con, table: str) -> dict[str, str]:
    rows = con.raw_sql(
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_name = '{table}'"
    ).fetchall()
    return dict(rows)


def _read(table) -> pd.DataFrame:
    df = table.order_by("id").execute()
    return df.astype(object).where(df.notna(), None)


def test_categories_are_enum_and_read_back_as_text(duck):
    df = _frame()
    stored = store_table(duck, "t", ibis.memtable(df), categories={"device": df.device})
    types = _types(duck, "t")
    assert types["device"].startswith("ENUM(") and types["note"] == "VARCHAR"
    assert stored.schema() == ibis.memtable(df).schema()
    want = df.astype(object).where(df.notna(), None)
    pd.testing.assert_frame_equal(_read(stored), want, check_dtype=False)


def test_a_value_outside_its_categories_keeps_the_old_table(duck):
    df = _frame()
    store_table(duck, "t", ibis.memtable(df), categories={"device": df.device})
    newer = ibis.memtable(df.assign(device="tablet"))
    with pytest.raises(Exception, match="tablet"):
        store_table(duck, "t", newer, categories={"device": df.device})
    assert _read(duck.table("t")).device.tolist() == ["mobile", "web", None, "it's"]
    assert _types(duck, "t")["device"].startswith("ENUM(")


def test_too_many_or_no_categories_stay_text(duck, monkeypatch):
    monkeypatch.setattr(wh, "MAX_CATEGORIES", 2)
    df = _frame()
    store_table(duck, "t", ibis.memtable(df), categories={"device": df.device, "note": [None]})
    assert _types(duck, "t") == {"id": "BIGINT", "device": "VARCHAR", "note": "VARCHAR"}


def test_categories_must_name_text_columns(duck):
    with pytest.raises(WarehouseError, match="'id'"):
        store_table(duck, "t", ibis.memtable(_frame()), categories={"id": ["1"]})
    assert "t" not in duck.list_tables()


@pytest.mark.spark
def test_other_engines_store_the_table_as_it_is(spark):
    df = _frame()
    stored = store_table(spark, "t", ibis.memtable(df), categories={"device": df.device})
    want = df.astype(object).where(df.notna(), None)
    pd.testing.assert_frame_equal(_read(stored), want, check_dtype=False)
