"""The forecast job stores its tables; the view and the CLI read them."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from shoplens.cli import app
from shoplens.insight.forecast.report import forecast_sections
from shoplens.warehouse import connect

TABLES = (
    "insight_forecasts",
    "insight_forecast_models",
    "insight_backtests",
    "insight_event_effects",
    "insight_trends",
    "insight_alerts",
)


def test_job_stores_every_table(demo_db):
    con = connect("duckdb", demo_db)
    assert set(TABLES) <= set(con.list_tables())
    fc = con.table("insight_forecasts").to_pandas()
    ahead = fc[fc["kind"] == "forecast"]
    assert set(ahead["level"]) == {"total", "category"}
    assert ahead.groupby("unique_id").size().eq(14).all()
    assert np.isfinite(ahead[["mean", "lo_80", "hi_80", "lo_95", "hi_95"]].to_numpy()).all()
    models = con.table("insight_forecast_models").to_pandas()
    assert set(models["unique_id"]) == set(ahead["unique_id"])
    assert models["reason"].str.len().gt(0).all()
    effects = con.table("insight_event_effects").to_pandas()
    assert {"618", "double11"} <= set(effects["event"])
    con.disconnect()


def test_sections_read_only_the_stored_tables(demo_db, tmp_path):
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    con = connect("duckdb", copy)
    for name in ("orders", "order_items", "items", "events", "customers"):
        con.drop_table(name)  # the view must not need them
    titles = [s.title for s in forecast_sections(con)]
    assert titles == [
        "Sales forecast",
        "Shopping-event effects",
        "Forecast backtest",
        "Trends",
        "Alerts",
    ]
    html = "".join(s.html for s in forecast_sections(con))
    assert "80% interval" in html and "seasonal_naive" in html
    con.disconnect()


def test_cli_commands(demo_db, tmp_path, monkeypatch):
    from shoplens.cli import console

    monkeypatch.setattr(console, "width", 200)
    run = CliRunner().invoke
    w = ["-w", str(demo_db)]
    res = run(app, ["forecast", "backtest", "--level", "total", "-h", "7", "--windows", "2", *w])
    assert res.exit_code == 0, res.output
    assert "seasonal_naive" in res.output and "mase" in res.output
    res = run(app, ["forecast", "plot", "total", "-o", str(tmp_path / "p.html"), *w])
    assert res.exit_code == 0, res.output
    assert "plotly" in (tmp_path / "p.html").read_text()[:5000].lower()
    res = run(app, ["insight", "alerts", "--lang", "zh", *w])
    assert res.exit_code == 0, res.output
    assert "alert(s)" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["forecast", "plot", "nowhere"], "no stored forecast"),
        (["forecast", "run", "--promotions", "missing.csv", "-h", "7"], "not found"),
        (["forecast", "backtest", "-h", "400"], "no series is longer"),
        (["forecast", "run", "--freq", "H"], "unknown frequency"),
    ],
)
def test_cli_errors_are_one_line(demo_db, args, message):
    res = CliRunner().invoke(app, [*args, "-w", str(demo_db)])
    assert res.exit_code == 2, res.output
    assert message in res.output
