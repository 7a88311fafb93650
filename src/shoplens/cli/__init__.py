"""The ``shoplens`` command: parse arguments, call the library, print with rich.

Errors a user can cause print one line and exit with code 2. Each part adds its own
sub-command from a module of this package (``shoplens.cli.lifecycle`` ...), built with
:func:`part_app` so that it shares the error handling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from shoplens.errors import ShopLensError

console = Console()
err_console = Console(stderr=True)


class _Group(TyperGroup):
    """Maps ShopLens errors to one readable line and exit code 2."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except ShopLensError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None


def part_app(help: str) -> typer.Typer:
    """A sub-command group for one part, with the package's error handling."""
    return typer.Typer(cls=_Group, help=help, no_args_is_help=True, rich_markup_mode="rich")


app = typer.Typer(
    cls=_Group,
    name="shoplens",
    help="Customer intelligence for e-commerce: journeys, lifecycle, insight and guidance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

Engine = Annotated[
    str | None,
    typer.Option("--engine", "-e", help="duckdb (default), spark, or an Ibis URL."),
]
WarehousePath = Annotated[
    Path | None,
    typer.Option(
        "--warehouse", "-w", help="DuckDB file (default: $SHOPLENS_HOME/shoplens.duckdb)."
    ),
]


def _connect(engine: str | None, warehouse: Path | None):  # type: ignore[no-untyped-def]
    from shoplens.warehouse import connect

    return connect(engine, warehouse)


def _print_reconciliations(recs) -> None:  # type: ignore[no-untyped-def]
    table = Table(title="read = loaded + duplicates + quarantined")
    also = any(r.derived for r in recs)
    for col in ("file", "table", "read", "loaded", "duplicates", "quarantined"):
        table.add_column(col, justify="left" if col in ("file", "table") else "right")
    if also:
        table.add_column("also loaded")
    for r in recs:
        row = [
            Path(r.source).name,
            r.table,
            f"{r.read:,}",
            f"{r.loaded:,}",
            f"{r.duplicates:,}",
            f"{r.quarantined:,}",
        ]
        if also:
            row.append(", ".join(f"{n} {k:,}" for n, k in r.derived.items()))
        table.add_row(*row)
    console.print(table)
    for r in recs:
        for reason, n in list(r.reasons.items())[:5]:
            console.print(f"  [yellow]quarantined[/] {n:,} × {reason}", highlight=False)
        if r.ignored_columns:
            console.print(f"  [dim]ignored columns: {', '.join(r.ignored_columns)}[/]")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files to load.", show_default=False)],
    table: Annotated[
        str | None, typer.Option("--table", "-t", help="Target table (events, orders, ...).")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="csv, tsv, parquet, jsonl, json, xlsx.")
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            "-m",
            help="Public layout: cdnow, uci_online_retail, retailrocket, olist,"
            " amazon_reviews_2023.",
        ),
    ] = None,
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="Timezone of naive timestamps.")
    ] = None,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Load files into a canonical table; every row is loaded, a duplicate or quarantined."""
    from shoplens.data.ingest import ingest_file

    con = _connect(engine, warehouse)
    recs = []
    with console.status("ingesting") as status:
        for path in paths:

            def say(stage: str, path: Path = path) -> None:
                status.update(f"{path.name}: {stage}")

            recs.append(
                ingest_file(
                    con, path, table, fmt=fmt, mapping=mapping, timezone=timezone, progress=say
                )
            )
    _print_reconciliations(recs)


@app.command()
def tables(engine: Engine = None, warehouse: WarehousePath = None) -> None:
    """Show the warehouse tables and their row counts."""
    from shoplens.data.ingest import table_counts

    out = Table(title="Warehouse")
    out.add_column("table")
    out.add_column("rows", justify="right")
    for name, n in table_counts(_connect(engine, warehouse)).items():
        out.add_row(name, f"{n:,}")
    console.print(out)


@app.command()
def run(
    data: Annotated[
        Path | None,
        typer.Option("--data", "-d", help="Folder of canonical files (events.parquet, ...)."),
    ] = None,
    report: Annotated[Path, typer.Option("--report", "-r", help="Report folder.")] = Path("report"),
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """The main job: ingest a folder, run every part, write the HTML report."""
    from shoplens.pipeline import run_pipeline

    result = run_pipeline(
        _connect(engine, warehouse), data_dir=data, report_dir=report, console=console
    )
    if result.reconciliations:
        _print_reconciliations(result.reconciliations)
    console.print(f"[bold green]report:[/] {result.report_path.resolve()}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the demo files.")] = Path(
        "demo-shop"
    ),
    customers: Annotated[int, typer.Option(help="Number of customers.")] = 5000,
    items: Annotated[int, typer.Option(help="Number of items.")] = 1000,
    events: Annotated[int, typer.Option(help="Approximate number of events.")] = 500_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    report: Annotated[Path, typer.Option("--report", "-r", help="Report folder.")] = Path("report"),
    run_job: Annotated[
        bool, typer.Option("--run/--no-run", help="Run the main job on the demo shop.")
    ] = True,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Generate the seeded demo shop and run the main job on it."""
    from shoplens.data.demo import generate_demo

    with console.status("generating the demo shop") as status:
        shop = generate_demo(
            out,
            customers=customers,
            items=items,
            events=events,
            seed=seed,
            progress=lambda step: status.update(f"demo shop: {step}"),
        )
    console.print(f"demo shop written to [bold]{out}[/] ({', '.join(shop.files)})")
    if run_job:
        run(data=out, report=report, engine=engine, warehouse=warehouse)


@app.command("report")
def report_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder.")] = Path("report"),
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Write the HTML report from what the warehouse holds."""
    from shoplens.report import build_report

    path = build_report(_connect(engine, warehouse), out)
    console.print(f"[bold green]report:[/] {path.resolve()}")


@app.command()
def version() -> None:
    """Print the ShopLens version."""
    from shoplens import __version__

    console.print(__version__)


def _add_parts() -> None:
    """Register each part's sub-command (``shoplens journeys ...``) from its own module."""
    from importlib import import_module

    for name in ("journeys", "lifecycle", "insight", "text", "forecast"):
        try:
            module = import_module(f"shoplens.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"shoplens.cli.{name}":
                raise
            continue
        app.add_typer(module.app, name=name)


_add_parts()
