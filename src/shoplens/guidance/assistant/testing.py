"""A tiny in-memory shop for examples and quick tests (three customers, four orders).

Examples
--------
>>> con = tiny_shop()
>>> con.table("orders").count().to_pyarrow().as_py()
4
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["demo_warehouse", "tiny_shop"]


def tiny_shop(path: Any = ":memory:") -> Any:
    """A DuckDB warehouse (in memory, or the file ``path``) with a few customers, items and
    orders (as of 2025-11-01)."""
    from shoplens.data.schema import TABLES
    from shoplens.warehouse import connect

    con = connect("duckdb", path)
    ts = pd.to_datetime
    frames = {
        "customers": pd.DataFrame(
            {
                "customer_id": ["C1", "C2", "C3"],
                "first_seen": ts(["2025-05-01"] * 3, utc=True),
                "country": "CN",
            }
        ),
        "items": pd.DataFrame(
            {
                "item_id": ["I001", "I002", "I003"],
                "title": [
                    "Xiaomi Max Smartphone 256G Black",
                    "三只松鼠 坚果礼盒 1kg",
                    "Uniqlo Lite T-shirt M White",
                ],
                "description": [
                    "Xiaomi smartphone with all-day battery.",
                    "三只松鼠坚果礼盒。",
                    "Uniqlo t-shirt, 100% cotton.",
                ],
                "brand": ["Xiaomi", "三只松鼠", "Uniqlo"],
                "category": [
                    "Phones > Smartphones",
                    "Grocery > Nut gift boxes",
                    "Apparel > T-shirts",
                ],
                "price": [2999.0, 129.0, 79.0],
                "currency": "CNY",
                "attributes": "{}",
                "lang": ["en", "zh", "en"],
            }
        ),
        "orders": pd.DataFrame(
            {
                "order_id": ["O0000001", "O0000002", "O0000003", "O0000004"],
                "customer_id": ["C1", "C1", "C2", "C1"],
                "ts": ts(
                    [
                        "2025-10-05 10:00",
                        "2025-10-30 09:00",
                        "2025-10-20 12:00",
                        "2025-10-27 08:00",
                    ],
                    utc=True,
                ),
                "status": ["delivered", "shipped", "delivered", "delivered"],
                "total": [2999.0, 129.0, 158.0, 208.0],
                "currency": "CNY",
            }
        ),
        "order_items": pd.DataFrame(
            {
                "order_id": ["O0000001", "O0000002", "O0000003", "O0000004", "O0000004"],
                "line_number": [1, 1, 1, 1, 2],
                "item_id": ["I001", "I002", "I003", "I002", "I003"],
                "quantity": [1.0, 1.0, 2.0, 1.0, 1.0],
                "unit_price": [2999.0, 129.0, 79.0, 129.0, 79.0],
            }
        ),
    }
    for name, frame in frames.items():
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    return con


def demo_warehouse(folder: Any, con: Any = None) -> Any:
    """Load a generated demo shop (``generate_demo``'s folder) into a DuckDB warehouse."""
    from pathlib import Path

    from shoplens.data.schema import TABLES
    from shoplens.warehouse import connect

    con = con if con is not None else connect("duckdb", ":memory:")
    for name in ("customers", "items", "orders", "order_items", "messages"):
        frame = pd.read_parquet(Path(folder) / f"{name}.parquet")
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    return con
