"""``shoplens lifecycle ...`` on a small demo shop: thin commands, files written, clean errors."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from shoplens.cli import app


def test_lifecycle_commands(tmp_path):
    from shoplens.data.demo import generate_demo
    from shoplens.data.schema import TABLES
    from shoplens.warehouse import connect

    generate_demo(tmp_path / "shop", customers=400, items=60, events=40_000, seed=5)
    db = tmp_path / "w.duckdb"
    con = connect("duckdb", db)
    for name in ("customers", "items", "events", "orders", "order_items"):
        frame = pd.read_parquet(tmp_path / "shop" / f"{name}.parquet")
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    con.disconnect()
    run = CliRunner().invoke
    w = ["-w", str(db)]
    res = run(app, ["lifecycle", "rfm", "--out", str(tmp_path / "rfm.csv"), *w])
    assert res.exit_code == 0, res.output
    assert {"R", "F", "M", "segment"} <= set(pd.read_csv(tmp_path / "rfm.csv").columns)
    res = run(app, ["lifecycle", "stages", "--since", "2026-05-01", *w])
    assert res.exit_code == 0 and "Transitions" in res.output, res.output
    res = run(app, ["lifecycle", "clv", "--out", str(tmp_path / "c.parquet"), *w])
    assert res.exit_code == 0, res.output
    assert pd.read_parquet(tmp_path / "c.parquet")["clv"].notna().all()
    churn = ["lifecycle", "churn", "--model-dir", str(tmp_path / "m"), *w]
    res = run(app, [*churn, "--explain-top", "20", "--out", str(tmp_path / "churn.csv")])
    assert res.exit_code == 0 and "LightGBM" in res.output, res.output
    assert (tmp_path / "m" / "model.txt").exists()
    scores = pd.read_csv(tmp_path / "churn.csv")
    assert scores["explained"].sum() == 20 and scores["top_reasons"].notna().sum() == 20
    picked = scores["explained"].astype(bool)
    risk = scores["churn_probability"]
    assert risk[picked].min() >= risk[~picked].max()  # the 20 riskiest are the explained
    res = run(app, [*churn, "--explain-top", "lots"])
    assert res.exit_code == 2 and "explain_top" in res.output, res.output
    res = run(app, ["lifecycle", "rfm", "--out", str(tmp_path / "x.txt"), *w])
    assert res.exit_code == 2 and "csv or .parquet" in res.output


def test_empty_warehouse_is_a_clean_error(tmp_path):
    res = CliRunner().invoke(app, ["lifecycle", "churn", "-w", str(tmp_path / "e.duckdb")])
    assert res.exit_code == 2 and "no orders" in res.output
