"""``shoplens insight ...``: what customers say; ``text`` is :mod:`shoplens.cli.text`."""

from __future__ import annotations

from pathlib import Path

import typer

from shoplens.cli import part_app
from shoplens.cli.text import app as text_app

app = part_app("Insight: what customers say (text models) and alerts on sales and sentiment.")
app.add_typer(text_app, name="text")


# -- alerts (the forecast part; self-contained) -----------------------------------------


@app.command("alerts")
def alerts_cmd(
    severity: str | None = typer.Option(None, "--severity", help="high, medium or low."),
    source: str | None = typer.Option(None, "--source", help="sales or sentiment."),
    lang: str = typer.Option("en", "--lang", help="Explanations in en or zh."),
    limit: int = typer.Option(30, "--limit", help="Rows to show."),
    engine: str | None = typer.Option(None, "--engine", "-e", help="duckdb, spark or an Ibis URL."),
    warehouse: Path | None = typer.Option(None, "--warehouse", "-w", help="DuckDB file."),
) -> None:
    """Trend and anomaly alerts on sales and sentiment, as stored by `shoplens forecast run`."""
    from shoplens.cli import _connect, console
    from shoplens.errors import InputError
    from shoplens.insight.forecast.job import read_table

    frame = read_table(_connect(engine, warehouse), "insight_alerts")
    if frame is None:
        raise InputError("no alerts stored yet: run `shoplens forecast run` first")
    if severity:
        frame = frame[frame["severity"] == severity]
    if source:
        frame = frame[frame["source"] == source]
    console.print(f"[bold]{len(frame):,}[/] alert(s)")
    text = "explanation_zh" if lang == "zh" else "explanation_en"
    for row in frame.head(limit).itertuples(index=False):
        color = {"high": "red", "medium": "yellow"}.get(row.severity, "cyan")
        console.print(f"[{color}]{row.severity:>6}[/] {getattr(row, text)}", highlight=False)
