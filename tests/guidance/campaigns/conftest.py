"""One small demo shop for the campaign tests (generated once per session)."""

from __future__ import annotations

import pandas as pd
import pytest

from shoplens.data.schema import TABLES


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory):
    """A seeded demo shop loaded into DuckDB: ``(folder, connection)``."""
    from shoplens.data.demo import generate_demo
    from shoplens.warehouse import connect

    root = tmp_path_factory.mktemp("campaigns-demo")
    shop = generate_demo(root / "shop", customers=4000, items=100, events=60_000, months=4,
                         seed=21)  # fmt: skip
    con = connect("duckdb", root / "w.duckdb")
    for name, path in shop.files.items():
        frame = pd.read_parquet(path)
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    yield shop.out_dir, con
    con.disconnect()
