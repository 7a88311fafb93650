"""The CLI the way the docs use it: many files in one ``ingest``, tables for pipes and
scripts (``--format``), durations, one name per command, and a fast ``--help``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from shoplens.cli import app, format_duration

CUSTOMERS = "customer_id,country\nc1,DE\nc2,FR\n"
ORDERS = "order_id,customer_id,ts,total\no1,c1,2024-05-01,10\no2,c2,2024-05-02,x\n"
EVENTS = (
    "event_id,customer_id,ts,type\n"
    "e1,c1,2024-05-01T10:00:00,view\ne2,c1,2024-05-01T10:25:30,purchase\n"
)


def invoke(*args: str) -> str:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.fixture
def shop_files(tmp_path):
    (tmp_path / "orders-2024-05.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    return tmp_path


def test_ingest_many_files_by_glob_in_dependency_order(shop_files, tmp_path):
    db = str(tmp_path / "w.duckdb")
    out = invoke("ingest", str(shop_files / "*.csv"), "-w", db, "--output-format", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["file"], r["table"]) for r in rows] == [
        ("customers.csv", "customers"),
        ("events.csv", "events"),
        ("orders-2024-05.csv", "orders"),
    ]
    assert [(r["read"], r["loaded"], r["quarantined"]) for r in rows] == [
        (2, 2, 0),
        (2, 2, 0),
        (2, 1, 1),
    ]
    counts = pd.read_csv(io.StringIO(invoke("tables", "-w", db, "--format", "csv")))
    got = dict(zip(counts["table"], counts["rows"], strict=True))
    assert (got["customers"], got["events"], got["orders"]) == (2, 2, 1)


def test_piped_tables_are_not_cut_and_durations_read_as_durations(shop_files, tmp_path):
    db = str(tmp_path / "w.duckdb")
    invoke("ingest", str(shop_files / "events.csv"), "-w", db)
    out = invoke("journeys", "sessions", "-w", db)  # CliRunner's stdout is not a terminal
    header = next(line for line in out.splitlines() if "session_id" in line)
    assert len(header) > 80  # as wide as the content, not cut to 80 columns
    for name in ("n_events", "converted", "revenue", "entry_stage", "exit_stage"):
        assert name in header
    assert "…" not in out
    assert "25m 30s" in out  # 10:00:00 -> 10:25:30
    rows = pd.read_csv(io.StringIO(invoke("journeys", "sessions", "-w", db, "--format", "csv")))
    assert rows["duration_seconds"].tolist() == [1530]  # scripts keep the number


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59.6, "1m 00s"), (3600, "1h 00m"), (86399, "23h 59m"), (-90, "-1m 30s")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_format_json_gives_one_object_per_row(shop_files, tmp_path):
    db = str(tmp_path / "w.duckdb")
    invoke("ingest", str(shop_files / "events.csv"), "-w", db)
    out = invoke("journeys", "funnel", "--steps", "view,purchase", "-w", db, "--format", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["name"], r["entered"]) for r in rows] == [("view", 1), ("purchase", 1)]


def test_text_is_one_command_under_insight_and_a_deprecated_alias(tmp_path):
    top = invoke("--help")
    assert "insight" in top and " text " not in top  # the alias is hidden
    new = invoke("insight", "text", "analyze", "Love it!", "--format", "json")
    res = CliRunner().invoke(app, ["text", "analyze", "Love it!", "--format", "json"])
    assert res.exit_code == 0 and "deprecated" in res.stderr.lower()
    assert json.loads(res.stdout)["lang"] == json.loads(new)["lang"] == "en"


def test_help_imports_no_heavy_module():
    code = (
        "import sys, shoplens.cli;"
        "print(sorted(m for m in ('pandas','ibis','numpy','duckdb','pyarrow','plotly')"
        " if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
