"""The real ``shoplens`` command in a subprocess: exit codes, one-line errors, reconciliation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = "order_id,customer_id,ts,total\no1,c1,2024-05-01,10\no2,c2,2024-05-02,x\n"


def shoplens(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SHOPLENS_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "shoplens.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_help_reads_well(tmp_path):
    out = shoplens("--help", home=tmp_path)
    assert out.returncode == 0
    for command in ("ingest", "demo", "run", "report", "tables"):
        assert command in out.stdout


def test_ingest_prints_the_reconciliation(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = shoplens("ingest", str(path), "--table", "orders", home=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "read = loaded + duplicates + quarantined" in out.stdout
    assert "not a number in total" in out.stdout
    assert (tmp_path / "shoplens.duckdb").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "missing.csv", "--table", "orders"], "file not found"),
        (["ingest", "{f}", "--table", "orders", "--format", "xml"], "unknown format 'xml'"),
        (["ingest", "{f}", "--table", "shoppers"], "unknown table 'shoppers'"),
        (["ingest", "{f}", "--table", "events"], "lacks required column(s) for events: type"),
        (["ingest", "{f}", "--mapping", "nosuch"], "unknown mapping 'nosuch'"),
        (["ingest", "{f}"], "lacks required column(s) for events: type"),  # table from its name
        (["ingest", "{g}"], "say which table sales.csv is for"),
        (["ingest", "{f}", "{g}"], "say which table sales.csv is for"),
        (["ingest", "nothing-*.csv"], "no file matches"),
        (["tables", "--format", "xml"], "--format must be table, csv or json"),
        (["run", "--data", "missing-folder"], "not a folder"),
    ],
)
def test_bad_input_gets_one_line_and_exit_code_2(tmp_path, args, message):
    f = tmp_path / "events.csv"
    f.write_text("customer_id,ts\nc1,2024-01-01\n", encoding="utf-8")
    g = tmp_path / "sales.csv"
    g.write_text("customer_id,ts\nc1,2024-01-01\n", encoding="utf-8")
    args = [a.replace("{f}", str(f)).replace("{g}", str(g)) for a in args]
    out = shoplens(*args, home=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr + out.stdout
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_ctrl_c_mid_file_leaves_the_warehouse_as_it_was(tmp_path):
    """A real SIGINT arrives between two appends of one file's transaction."""
    from shoplens.data.ingest import table_counts
    from shoplens.warehouse import connect

    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(GOOD, encoding="utf-8")
    second.write_text(GOOD.replace("o1", "o9").replace("o2", "o8"), encoding="utf-8")
    assert shoplens("ingest", str(first), "-t", "orders", home=tmp_path).returncode == 0
    script = f"""
import os, signal, sys
from shoplens.data import ingest
real, calls = ingest._append_duckdb, []
def interrupted(db, name, arrow):
    calls.append(name)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGINT)
    real(db, name, arrow)
ingest._append_duckdb = interrupted
from shoplens.cli import app
sys.argv = ["shoplens", "ingest", {str(second)!r}, "-t", "orders"]
app()
"""
    env = {**os.environ, "SHOPLENS_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    con = connect("duckdb", tmp_path / "shoplens.duckdb")
    counts = table_counts(con)
    assert (counts["orders"], counts["ingest_quarantine"], counts["ingest_batches"]) == (1, 1, 1)
    assert set(con.table("orders").order_id.to_pandas()) == {"o1"}
