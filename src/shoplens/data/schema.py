"""The canonical data model: one :class:`TableSpec` per warehouse table.

All timestamps are UTC, ids are strings, money is float64 beside a ``currency`` column,
and free-form attributes are JSON text (portable across DuckDB and Spark).

Examples
--------
>>> TABLES["events"].key
('event_id',)
>>> "ts" in TABLES["orders"].required
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt

TS = "timestamp('UTC')"

#: Event types the journeys part knows; other values are kept as they are.
EVENT_TYPES: tuple[str, ...] = (
    "view",
    "search",
    "add_to_cart",
    "remove_from_cart",
    "checkout",
    "purchase",
    "review",
    "chat",
    "click_rec",
    "impression",
)


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its columns, required columns, natural key and docs."""

    name: str
    description: str
    columns: dict[str, str]
    required: tuple[str, ...]
    key: tuple[str, ...]
    docs: dict[str, str] = field(default_factory=dict)
    #: numeric columns that must not be negative
    non_negative: tuple[str, ...] = ()
    #: (column, low, high) inclusive ranges
    ranges: tuple[tuple[str, float, float], ...] = ()

    @property
    def schema(self) -> ibis.Schema:
        """The Ibis schema of the table."""
        return ibis.schema(self.columns)

    def dtype(self, column: str) -> dt.DataType:
        """The Ibis data type of one column."""
        return self.schema[column]


def _spec(name, description, columns, required, key, **kwargs) -> TableSpec:
    cols = {c: t for c, t, _ in columns}
    docs = {c: d for c, _, d in columns}
    return TableSpec(name, description, cols, tuple(required), tuple(key), docs, **kwargs)


CUSTOMERS = _spec(
    "customers",
    "One row per customer.",
    [
        ("customer_id", "string", "customer id as the shop knows it"),
        ("first_seen", TS, "first time the customer was seen (UTC)"),
        ("country", "string", "country name or ISO code"),
        ("region", "string", "state, province or city"),
        ("attributes", "string", "other attributes as a JSON object"),
    ],
    required=["customer_id"],
    key=["customer_id"],
)

ITEMS = _spec(
    "items",
    "The catalog: one row per item (product or SKU).",
    [
        ("item_id", "string", "item id"),
        ("title", "string", "title, any language"),
        ("description", "string", "description, any language"),
        ("brand", "string", "brand"),
        ("category", "string", "category path, levels joined by ' > '"),
        ("price", "float64", "list price"),
        ("currency", "string", "ISO 4217 currency code"),
        ("attributes", "string", "other attributes as a JSON object"),
        ("lang", "string", "language of title/description: zh, en, ..."),
    ],
    required=["item_id"],
    key=["item_id"],
    non_negative=("price",),
)

EVENTS = _spec(
    "events",
    "Behavioural events (clickstream): one row per event.",
    [
        ("event_id", "string", "event id; derived from the row's content when the source has none"),
        ("customer_id", "string", "who (a visitor id for anonymous traffic)"),
        ("session_id", "string", "session id when the source has one"),
        ("ts", TS, "when (UTC)"),
        ("type", "string", "view, search, add_to_cart, checkout, purchase, review, chat, ..."),
        ("item_id", "string", "item the event is about"),
        ("query", "string", "search query text"),
        ("value", "float64", "money value of the event (e.g. purchase revenue)"),
        ("channel", "string", "acquisition or traffic channel"),
        ("device", "string", "device class"),
        ("properties", "string", "other properties as a JSON object"),
    ],
    required=["customer_id", "ts", "type"],
    key=["event_id"],
)

ORDERS = _spec(
    "orders",
    "One row per order.",
    [
        ("order_id", "string", "order id"),
        ("customer_id", "string", "who ordered"),
        ("ts", TS, "when the order was placed (UTC)"),
        ("status", "string", "placed, paid, shipped, delivered, cancelled, returned, ..."),
        ("total", "float64", "order total"),
        ("currency", "string", "ISO 4217 currency code"),
    ],
    required=["order_id", "customer_id", "ts"],
    key=["order_id"],
    non_negative=("total",),
)

ORDER_ITEMS = _spec(
    "order_items",
    "Order lines: one row per line of an order.",
    [
        ("order_id", "string", "order id"),
        ("line_number", "int64", "line number within the order (1, 2, ...)"),
        ("item_id", "string", "item id"),
        ("quantity", "float64", "units"),
        ("unit_price", "float64", "price per unit"),
    ],
    required=["order_id", "line_number", "item_id"],
    key=["order_id", "line_number"],
    non_negative=("quantity", "unit_price"),
)

REVIEWS = _spec(
    "reviews",
    "Product reviews.",
    [
        ("review_id", "string", "review id"),
        ("customer_id", "string", "author"),
        ("item_id", "string", "reviewed item"),
        ("ts", TS, "when (UTC)"),
        ("rating", "float64", "star rating, 1 to 5"),
        ("title", "string", "review title"),
        ("text", "string", "review text, any language"),
        ("lang", "string", "language: zh, en, ..."),
    ],
    required=["review_id", "ts"],
    key=["review_id"],
    ranges=(("rating", 0.0, 5.0),),
)

MESSAGES = _spec(
    "messages",
    "Customer-service chat messages.",
    [
        ("message_id", "string", "message id"),
        ("conversation_id", "string", "conversation the message belongs to"),
        ("customer_id", "string", "customer in the conversation"),
        ("ts", TS, "when (UTC)"),
        ("role", "string", "customer, agent or bot"),
        ("text", "string", "message text, any language"),
        ("lang", "string", "language: zh, en, ..."),
    ],
    required=["message_id", "conversation_id", "ts", "role"],
    key=["message_id"],
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec for spec in (CUSTOMERS, ITEMS, EVENTS, ORDERS, ORDER_ITEMS, REVIEWS, MESSAGES)
}

QUARANTINE = _spec(
    "ingest_quarantine",
    "Input rows that were not loaded, with the reason.",
    [
        ("batch_id", "string", "ingestion batch"),
        ("table_name", "string", "target table"),
        ("source", "string", "file the row came from"),
        ("row_number", "int64", "1-based data row number in the file"),
        ("reason", "string", "why the row was not loaded"),
        ("record", "string", "the raw row as a JSON object"),
    ],
    required=["batch_id", "table_name", "row_number", "reason"],
    key=["batch_id", "row_number"],
)

BATCHES = _spec(
    "ingest_batches",
    "One row per ingested file: the reconciliation.",
    [
        ("batch_id", "string", "ingestion batch"),
        ("table_name", "string", "target table"),
        ("source", "string", "file path"),
        ("file_sha256", "string", "content hash of the file"),
        ("format", "string", "csv, parquet, jsonl, xlsx, ..."),
        ("mapping", "string", "public-layout adapter used, if any"),
        ("rows_read", "int64", "data rows read"),
        ("rows_loaded", "int64", "rows written to the table"),
        ("rows_duplicate", "int64", "rows already present (natural key)"),
        ("rows_quarantined", "int64", "rows written to ingest_quarantine"),
        ("ingested_at", TS, "when (UTC)"),
    ],
    required=["batch_id"],
    key=["batch_id"],
)

LAYOUT = _spec(
    "table_layout",
    "Tables ShopLens keeps stored in a known row order: a sorted base run, then an "
    "appended tail (see docs/ingestion.md).",
    [
        ("table_name", "string", "the table"),
        ("sort_keys", "string", "comma-separated columns the rows are stored sorted by"),
        ("n_rows", "int64", "row count after ShopLens' last write (informative)"),
        ("split_points", "string", "JSON list: first sort key at every 1/16 of the base"),
        ("clustered_at", TS, "when the base was last sorted (UTC)"),
        ("generation", "int64", "bumped by every write transaction ShopLens makes"),
        ("base_rows", "int64", "rows of the sorted base: the first rows in stored order"),
        ("base_keys", "int64", "distinct first-key values in the base"),
        ("tail_rows", "int64", "rows appended after the base (not sorted with it)"),
        ("tail_runs", "int64", "batches appended after the base, each sorted on its own"),
    ],
    required=["table_name"],
    key=["table_name"],
)

#: first-key values (customers) with rows in the tail of a stored table; not a system
#: table of the reconciliation (DuckDB only, created with the layout record)
LAYOUT_TAIL = _spec(
    "table_layout_tail",
    "First sort key values (customers) that have rows in the tail of a stored table.",
    [
        ("table_name", "string", "the table"),
        ("key", "string", "a first-key value with rows in the tail"),
    ],
    required=["table_name", "key"],
    key=["table_name", "key"],
)

SYSTEM_TABLES: dict[str, TableSpec] = {
    QUARANTINE.name: QUARANTINE,
    BATCHES.name: BATCHES,
    LAYOUT.name: LAYOUT,
}


def get_spec(table: str) -> TableSpec:
    """Return the spec of a canonical table or raise a readable error.

    Examples
    --------
    >>> get_spec("orders").name
    'orders'
    """
    from shoplens.errors import InputError

    try:
        return TABLES[table]
    except KeyError:
        raise InputError(f"unknown table {table!r}; choose one of: {', '.join(TABLES)}") from None
