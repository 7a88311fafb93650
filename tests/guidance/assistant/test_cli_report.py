"""``shoplens assistant chat`` piped through stdin, ``eval --save`` and the report view."""

from __future__ import annotations

from typer.testing import CliRunner

from shoplens.cli import app
from shoplens.guidance.assistant.testing import tiny_shop

runner = CliRunner()


def test_chat_reads_stdin_and_answers_with_sources(tmp_path):
    path = tmp_path / "w.duckdb"
    tiny_shop(path).disconnect()
    lines = "Where is my order?\nO0000004\nCan I return it?\n转人工\nexit\n"
    out = runner.invoke(app, ["assistant", "chat", "--customer", "C1", "--no-embed", "-w",
                              str(path)], input=lines)  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "Which order do you mean?" in out.output and "[order:O0000004]" in out.output
    assert "can be returned" in out.output and "handed to a human agent" in out.output
    from shoplens.warehouse import connect

    con = connect("duckdb", path)
    assert con.table("messages").count().execute() == 8  # four turns, two messages each


def test_chat_errors_are_one_line(tmp_path):
    path = tmp_path / "w.duckdb"
    tiny_shop(path).disconnect()
    out = runner.invoke(app, ["assistant", "chat", "-c", "C404", "--no-embed", "-w", str(path)])
    assert out.exit_code == 2 and "unknown customer" in out.output
    out = runner.invoke(app, ["assistant", "chat", "-c", "C1", "-b", "gpt", "-w", str(path)])
    assert out.exit_code == 2 and "backend must be one of" in out.output


def test_report_view_reads_the_stored_evaluation(tmp_path):
    from shoplens.guidance.assistant.evaluate import run_eval
    from shoplens.guidance.assistant.report import assistant_sections, store_eval
    from shoplens.warehouse import connect

    con = connect("duckdb", tmp_path / "w.duckdb")
    assert "Not computed yet" in assistant_sections(con)[0].html
    rep = run_eval(tiny_shop(), embed=False, categories={"out_of_scope", "cross_customer"})
    store_eval(con, rep)
    stored = con.table("guidance_assistant_eval").to_pandas().set_index("metric")
    assert stored.loc["cross_customer_leaks", "value"] == 0
    assert stored.loc["correct_refusals", "value"] == 1.0
    html = assistant_sections(con)[0].html
    assert "cross_customer_leaks" in html and "plotly" in html
