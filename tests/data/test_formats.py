"""Public-layout adapters: hand-checked mappings of small fixtures in each exact layout.

Expected values are computed here from the raw fixture lines with plain Python (csv, json,
datetime, zoneinfo), not with the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from shoplens.data.formats import get_adapter
from shoplens.data.ingest import ingest_file
from shoplens.errors import InputError, SchemaError

FIXTURES = Path(__file__).parent / "fixtures"
LONDON = ZoneInfo("Europe/London")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def raw_rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def mapped(name: str, mapping: str, table: str | None = None):
    adapter = get_adapter(mapping)
    table = table or adapter.tables[0]
    path = FIXTURES / name
    raw = adapter.read(path, "jsonl" if name.endswith(".jsonl") else "csv")
    adapter.check(raw, table)
    return raw, adapter.map(raw, table)


def utc(local: str, fmt: str, tz: ZoneInfo) -> pd.Timestamp:
    return pd.Timestamp(datetime.strptime(local, fmt).replace(tzinfo=tz).astimezone(UTC))


def ts_equal(value: object, expected: pd.Timestamp) -> bool:
    return isinstance(value, pd.Timestamp) and value == expected


# --------------------------------------------------------------------------- UCI Online Retail


def test_uci_v2_map_hand_checked():
    rows = raw_rows("online_retail_II.csv")
    raw, m = mapped("online_retail_II.csv", "uci_online_retail")
    frame = m.frame
    assert len(frame) == len(rows) == 16
    assert frame.index.equals(raw.index)

    # line numbers: position within the invoice in file order
    seen: dict[str, int] = {}
    expected_lines = []
    for r in rows:
        seen[r["Invoice"]] = seen.get(r["Invoice"], 0) + 1
        expected_lines.append(seen[r["Invoice"]])
    assert frame["line_number"].tolist() == expected_lines
    assert frame["quantity"].tolist() == [abs(float(r["Quantity"])) for r in rows]

    orders = m.derived["orders"].set_index("_row")
    # a cancellation: status cancelled, quantities stored positive
    assert rows[5]["Invoice"].startswith("C") and orders.loc[5, "status"] == "cancelled"
    assert orders.loc[0, "status"] == "completed"
    total = sum(float(r["Quantity"]) * float(r["Price"]) for r in rows if r["Invoice"] == "489434")
    assert orders.loc[0, "total"] == pytest.approx(total)
    assert orders.loc[0, "customer_id"] == "13085"
    # lines without a customer belong to the guest of their invoice
    assert rows[7]["Customer ID"] == "" and orders.loc[7, "customer_id"] == "guest:489436"
    # the quarantined line (no StockCode) is not part of its invoice's total
    assert orders.loc[12, "total"] == pytest.approx(2 * 28 * 0.98)

    # Europe/London: GMT in December, BST in June, 01:30 on 2010-03-28 does not exist
    assert ts_equal(orders.loc[0, "ts"], utc("2009-12-01 07:45:00", "%Y-%m-%d %H:%M:%S", LONDON))
    assert ts_equal(orders.loc[14, "ts"], pd.Timestamp("2010-06-01 11:00", tz="UTC"))
    assert ts_equal(orders.loc[15, "ts"], pd.Timestamp("2010-03-28 01:00", tz="UTC"))

    items = m.derived["items"].set_index("_row")
    assert items.loc[11, "title"] == "熊猫 PANDA MUG 🐼"
    assert items.loc[0, "price"] == 6.95 and items.loc[0, "currency"] == "GBP"
    customers = m.derived["customers"].set_index("_row")
    assert json.loads(customers.loc[7, "attributes"]) == {"guest": True}
    assert customers.loc[5, "country"] == "Australia"


def test_uci_v1_layout_is_renamed():
    rows = raw_rows("online_retail_v1.csv")
    _, m = mapped("online_retail_v1.csv", "uci_online_retail")
    assert len(m.frame) == len(rows)
    # the repeated line is the 4th line of invoice 536365
    assert m.frame.loc[6, ["order_id", "line_number"]].tolist() == ["536365", 4]
    orders = m.derived["orders"].set_index("_row")
    # '12/1/2010 8:26' is month/day, GMT in December
    assert ts_equal(orders.loc[0, "ts"], utc(rows[0]["InvoiceDate"], "%m/%d/%Y %H:%M", LONDON))
    assert orders.loc[0, "customer_id"] == rows[0]["CustomerID"]
    assert orders.loc[4, "status"] == "cancelled"


def test_uci_xlsx(duck, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
               "Customer ID", "Country"])  # fmt: skip
    ws.append([489434, 85048, "15CM CHRISTMAS GLASS BALL", 12, datetime(2009, 12, 1, 7, 45),
               6.95, 13085, "United Kingdom"])  # fmt: skip
    ws.append([489434, "79323P", "PINK CHERRY LIGHTS", 12, datetime(2009, 12, 1, 7, 45),
               6.75, 13085, "United Kingdom"])  # fmt: skip
    ws.append(["C489449", 22087, "PAPER BUNTING", -12, datetime(2010, 7, 1, 10, 33), 2.95,
               None, "Australia"])  # fmt: skip
    path = tmp_path / "online_retail_II.xlsx"
    wb.save(path)
    rec = ingest_file(duck, path, mapping="uci_online_retail")
    assert (rec.read, rec.loaded, rec.quarantined) == (3, 3, 0)
    orders = duck.table("orders").order_by("order_id").to_pandas()
    assert orders["order_id"].tolist() == ["489434", "C489449"]
    assert orders["customer_id"].tolist() == ["13085", "guest:C489449"]
    assert orders["total"].tolist() == pytest.approx([12 * 6.95 + 12 * 6.75, 12 * 2.95])
    assert orders["ts"].tolist() == [
        pd.Timestamp("2009-12-01 07:45", tz="UTC"),
        pd.Timestamp("2010-07-01 09:33", tz="UTC"),  # BST
    ]
    lines = duck.table("order_items").order_by(["order_id", "line_number"]).to_pandas()
    assert lines["item_id"].tolist() == ["85048", "79323P", "22087"]
    assert lines["quantity"].tolist() == [12, 12, 12]


# --------------------------------------------------------------------------- RetailRocket


def test_retailrocket_map_hand_checked():
    rows = raw_rows("retailrocket_events.csv")
    raw, m = mapped("retailrocket_events.csv", "retailrocket")
    frame = m.frame
    assert len(frame) == len(rows) == 15
    types = {"view": "view", "addtocart": "add_to_cart", "transaction": "purchase"}
    for i, r in enumerate(rows):
        if r["event"]:
            assert frame.loc[i, "type"] == types.get(r["event"], r["event"])
        if r["timestamp"].isdigit():
            expected = datetime.fromtimestamp(int(r["timestamp"]) / 1000, UTC)
            assert ts_equal(frame.loc[i, "ts"], pd.Timestamp(expected))
    assert frame.loc[12, "type"] == "removefromcart"  # unknown types are kept
    assert json.loads(frame.loc[6, "properties"]) == {"transactionid": "4000"}
    assert pd.isna(frame.loc[0, "properties"])
    # identical lines are separate events, ids are stable across runs
    assert rows[7] == rows[8] and frame.loc[7, "event_id"] != frame.loc[8, "event_id"]
    again = get_adapter("retailrocket").map(raw, "events").frame
    assert again["event_id"].tolist() == frame["event_id"].tolist()
    assert frame["event_id"].nunique() == len(frame)


# --------------------------------------------------------------------------- Olist


def test_olist_orders_map_hand_checked():
    rows = raw_rows("olist_orders_dataset.csv")
    _, m = mapped("olist_orders_dataset.csv", "olist", "orders")
    frame = m.frame
    assert len(frame) == len(rows)
    fmt = "%Y-%m-%d %H:%M:%S"
    assert ts_equal(frame.loc[0, "ts"], utc(rows[0]["order_purchase_timestamp"], fmt, SAO_PAULO))
    assert ts_equal(frame.loc[1, "ts"], pd.Timestamp("2018-07-24 23:41:37", tz="UTC"))
    # 2017-10-15 00:00 did not exist in São Paulo (DST began): shifted to 01:00 -02:00
    assert ts_equal(frame.loc[10, "ts"], pd.Timestamp("2017-10-15 03:00", tz="UTC"))
    assert frame.loc[8, "status"] == "canceled"
    assert set(frame["currency"]) == {"BRL"}
    assert frame["customer_id"].tolist()[:3] == [r["customer_id"] for r in rows[:3]]


def test_olist_customers_keep_unique_id():
    rows = raw_rows("olist_customers_dataset.csv")
    _, m = mapped("olist_customers_dataset.csv", "olist", "customers")
    assert len(m.frame) == len(rows)
    attrs = json.loads(m.frame.loc[7, "attributes"])
    assert attrs["customer_unique_id"] == rows[7]["customer_unique_id"]
    assert attrs["customer_city"] == "são paulo"
    assert m.frame.loc[5, ["region", "country"]].tolist() == ["SC", "BR"]


def test_olist_reviews_ids_and_lines():
    rows = raw_rows("olist_order_reviews_dataset.csv")
    _, m = mapped("olist_order_reviews_dataset.csv", "olist", "reviews")
    frame = m.frame
    assert len(frame) == len(rows) == 12
    assert frame["review_id"].tolist()[:7] == [
        f"{r['review_id']}:{r['order_id']}" for r in rows[:7]
    ]
    # the same Olist review_id on two orders gives two keys
    assert rows[5]["review_id"] == rows[6]["review_id"]
    assert frame.loc[5, "review_id"] != frame.loc[6, "review_id"]
    assert frame.loc[7, "text"] == "Produto chegou bem.\nVendedor confiável, recomendo!"
    assert frame.loc[4, "title"] == "Ótimo 👍"
    assert set(frame["lang"]) == {"pt"}


def test_olist_order_items():
    rows = raw_rows("olist_order_items_dataset.csv")
    _, m = mapped("olist_order_items_dataset.csv", "olist", "order_items")
    assert len(m.frame) == len(rows)
    assert m.frame.loc[6, ["order_id", "line_number", "item_id"]].tolist() == [
        rows[6]["order_id"], rows[6]["order_item_id"], rows[6]["product_id"]
    ]  # fmt: skip
    items = m.derived["items"]
    assert items.loc[0, "price"] == float(rows[0]["price"]) and items.loc[0, "currency"] == "BRL"


# --------------------------------------------------------------------------- Amazon Reviews 2023


def test_amazon_reviews_map_hand_checked():
    lines = (FIXTURES / "amazon_reviews_2023.jsonl").read_text(encoding="utf-8").splitlines()
    _, m = mapped("amazon_reviews_2023.jsonl", "amazon_reviews_2023")
    frame = m.frame
    assert len(frame) == len(lines) == 11
    rec = json.loads(lines[2])
    key = f"{rec['user_id']}\x1f{rec['asin']}\x1f{rec['timestamp']}"
    assert frame.loc[2, "review_id"] == "amz:" + hashlib.sha1(key.encode()).hexdigest()[:20]
    assert frame.loc[2, "item_id"] == rec["parent_asin"] != rec["asin"]
    expected = pd.Timestamp(datetime.fromtimestamp(rec["timestamp"] / 1000, UTC))
    assert ts_equal(frame.loc[2, "ts"], expected)
    assert frame.loc[4, "text"] == json.loads(lines[4])["text"]
    assert frame.loc[5, "review_id"] == frame.loc[6, "review_id"]  # exact repeat
    assert frame.loc[7, "_error"].startswith("invalid JSON line")
    assert pd.isna(frame.loc[9, "review_id"])  # no user_id


def test_amazon_meta_items():
    lines = (FIXTURES / "amazon_meta_2023.jsonl").read_text(encoding="utf-8").splitlines()
    _, m = mapped("amazon_meta_2023.jsonl", "amazon_reviews_2023", "items")
    frame = m.frame
    assert len(frame) == len(lines) == 7
    rec = json.loads(lines[1])
    assert frame.loc[1, "item_id"] == rec["parent_asin"]
    assert frame.loc[1, "category"] == " > ".join(rec["categories"])
    assert frame.loc[1, "description"] == "\n".join(rec["description"])
    assert frame.loc[1, "brand"] == rec["store"] and frame.loc[1, "price"] == rec["price"]
    attrs = json.loads(frame.loc[1, "attributes"])
    assert attrs["details"] == rec["details"] and attrs["features"] == rec["features"]
    assert frame.loc[0, "category"] == "All Beauty"  # no categories: the main category
    assert pd.isna(frame.loc[2, "price"])  # "None"
    assert frame.loc[2, "title"] == "蓝色丝巾 Silk Scarf 🧣"


# --------------------------------------------------------------------------- reconciliation

#: file, mapping, table, rows read, duplicates, {data row number: reason fragment}
CASES = [
    ("online_retail_II.csv", "uci_online_retail", "order_items", 16, 0,
     {10: "negative unit_price", 11: "bad timestamp in InvoiceDate", 12: "missing item_id"}),
    ("online_retail_v1.csv", "uci_online_retail", "order_items", 8, 0,
     {8: "bad timestamp in InvoiceDate"}),
    ("retailrocket_events.csv", "retailrocket", "events", 15, 0,
     {11: "missing customer_id", 12: "bad timestamp in ts", 14: "missing type"}),
    ("olist_customers_dataset.csv", "olist", "customers", 9, 1, {7: "missing customer_id"}),
    ("olist_orders_dataset.csv", "olist", "orders", 12, 1,
     {8: "bad timestamp in ts", 10: "missing order_id"}),
    ("olist_order_items_dataset.csv", "olist", "order_items", 10, 1,
     {8: "negative unit_price", 9: "not a number in line_number"}),
    ("olist_order_reviews_dataset.csv", "olist", "reviews", 12, 1,
     {9: "rating out of range", 10: "bad timestamp in ts", 11: "missing order_id"}),
    ("amazon_reviews_2023.jsonl", "amazon_reviews_2023", "reviews", 11, 1,
     {8: "invalid JSON line", 9: "rating out of range", 10: "missing review_id",
      11: "bad timestamp in ts"}),
    ("amazon_meta_2023.jsonl", "amazon_reviews_2023", "items", 7, 1,
     {4: "missing item_id", 5: "invalid JSON line", 7: "negative price"}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "mapping", "table", "read", "dups", "bad"), CASES)
def test_fixture_reconciles(duck, name, mapping, table, read, dups, bad):
    rec = ingest_file(duck, FIXTURES / name, table, mapping=mapping)
    assert rec.balanced
    assert (rec.read, rec.duplicates, rec.quarantined) == (read, dups, len(bad))
    assert rec.loaded == read - dups - len(bad)
    assert duck.table(table).count().execute() == rec.loaded

    q = duck.table("ingest_quarantine").to_pandas().set_index("row_number")
    assert sorted(q.index) == sorted(bad)
    for row, reason in bad.items():
        assert reason in q.loc[row, "reason"]
    assert set(q["table_name"]) == {table}

    again = ingest_file(duck, FIXTURES / name, table, mapping=mapping)
    assert again.loaded == 0 and sum(again.derived.values()) == 0
    assert (again.duplicates, again.quarantined) == (read - len(bad), len(bad))


def test_uci_derived_tables(duck):
    rec = ingest_file(duck, FIXTURES / "online_retail_II.csv", mapping="uci_online_retail")
    # invoices whose every line is quarantined (A506401, 489437) imply no order
    assert rec.derived == {"orders": 7, "items": 12, "customers": 5}
    customers = duck.table("customers").to_pandas().set_index("customer_id")
    assert "guest:489436" in customers.index and "15362" not in customers.index
    first = customers.loc["14911", "first_seen"]
    assert first == pd.Timestamp("2010-03-28 01:00", tz="UTC")  # earliest of its two invoices
    lines = duck.table("order_items").to_pandas()
    orders = duck.table("orders").to_pandas().set_index("order_id")
    sums = (lines["quantity"] * lines["unit_price"]).groupby(lines["order_id"]).sum()
    assert orders["total"].sort_index().tolist() == pytest.approx(sums.sort_index().tolist())


@pytest.mark.parametrize(
    ("name", "mapping", "table", "drop"),
    [
        ("online_retail_II.csv", "uci_online_retail", "order_items", ["Price", "Country"]),
        ("retailrocket_events.csv", "retailrocket", "events", ["visitorid"]),
        ("olist_order_reviews_dataset.csv", "olist", "reviews", ["review_score"]),
        ("olist_orders_dataset.csv", "olist", "orders", ["order_purchase_timestamp"]),
    ],
)
def test_missing_source_columns(duck, tmp_path, name, mapping, table, drop):
    raw = pd.read_csv(FIXTURES / name, dtype=str, keep_default_na=False)
    path = tmp_path / name
    raw.drop(columns=drop).to_csv(path, index=False)
    with pytest.raises(SchemaError) as err:
        ingest_file(duck, path, table, mapping=mapping)
    for col in drop:
        assert col in str(err.value)
    assert duck.table(table).count().execute() == 0


def test_missing_json_fields(duck, tmp_path):
    path = tmp_path / "reviews.jsonl"
    path.write_text(json.dumps({"rating": 5, "title": "t", "text": "x", "asin": "A"}) + "\n")
    with pytest.raises(SchemaError, match="parent_asin, user_id, timestamp"):
        ingest_file(duck, path, mapping="amazon_reviews_2023")


def test_wrong_table_for_mapping(duck):
    with pytest.raises(InputError, match="fills events"):
        ingest_file(duck, FIXTURES / "retailrocket_events.csv", "orders", mapping="retailrocket")


# --------------------------------------------------------------------------- CDNOW (lifetimes)


def cdnow_lines(which: str) -> list[list[str]]:
    from shoplens.data.formats.cdnow import cdnow_path

    text = cdnow_path(which).read_text(encoding="utf-8").splitlines()
    return [ln.split() for ln in text if ln.split() and ln.split()[0] != "customer_id"]


@pytest.mark.parametrize(("which", "transactions", "customers"), [
    ("sample", 6919, 2357),
    ("master", 69659, 23570),
])  # fmt: skip
def test_cdnow_from_lifetimes(duck, which, transactions, customers):
    pytest.importorskip("lifetimes")
    from shoplens.data.formats.cdnow import cdnow_path

    lines = cdnow_lines(which)
    assert len(lines) == transactions  # the published sizes (Fader, Hardie & Lee 2005)
    rec = ingest_file(duck, cdnow_path(which), mapping="cdnow")
    assert rec.balanced and rec.read == transactions
    assert (rec.loaded, rec.duplicates, rec.quarantined) == (transactions, 0, 0)
    assert rec.derived["customers"] == customers
    assert rec.derived["order_items"] == transactions

    orders = duck.table("orders")
    dollars = sum(float(fields[-1]) for fields in lines)
    assert orders.total.sum().execute() == pytest.approx(dollars)
    first = lines[0]
    row = orders.filter(orders.order_id == f"{first[0]}:{first[-3]}:1").to_pandas().iloc[0]
    assert row["customer_id"] == first[0]
    assert row["ts"] == pd.Timestamp(datetime.strptime(first[-3], "%Y%m%d"), tz="UTC")
    assert row["total"] == pytest.approx(float(first[-1]))
    assert ingest_file(duck, cdnow_path(which), mapping="cdnow").loaded == 0
