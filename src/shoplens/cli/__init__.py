"""The ``shoplens`` command: parse arguments, call the library, print with rich.

Errors a user can cause print one line and exit with code 2. Each part adds its own
sub-command from a module of this package (``shoplens.cli.lifecycle`` ...), built with
:func:`part_app` so that it shares the error handling.

Every command that prints a table renders it with :func:`show_frame` and takes
``--format table|csv|json`` (:data:`Format`): ``table`` is a rich table that fits the
terminal or, printed to a pipe or a file, is as wide as its content (never cut to 80
columns); ``csv`` and ``json`` (one JSON object per row) print every row for scripts.
Columns named ``*_seconds`` print as durations (``1h 05m``) in the table.

Import only light modules at the top of a CLI module (typer, rich): pandas, ibis and
the models are imported inside the commands, so ``shoplens --help`` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from shoplens.errors import InputError, ShopLensError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

console = Console()
err_console = Console(stderr=True)

#: the output formats of :func:`show_frame`
FORMATS = ("table", "csv", "json")
Format = Annotated[
    str,
    typer.Option("--format", help="How to print the rows: table, csv or json (for scripts)."),
]
Out = Annotated[
    Path | None, typer.Option("--out", "-o", help="Also write the rows to .csv or .parquet.")
]


def format_duration(seconds: Any) -> str:
    """``3725`` -> ``'1h 02m'``: a number of seconds as a readable duration.

    Examples
    --------
    >>> [format_duration(s) for s in (42, 125, 3725, 90061, None)]
    ['42s', '2m 05s', '1h 02m', '1d 01h', '']
    """
    import math

    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    if hasattr(seconds, "total_seconds"):
        seconds = seconds.total_seconds()
    s = round(float(seconds))
    sign, s = ("-" if s < 0 else ""), abs(s)
    d, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    if d:
        return f"{sign}{d}d {h:02d}h"
    if h:
        return f"{sign}{h}h {m:02d}m"
    if m:
        return f"{sign}{m}m {sec:02d}s"
    return f"{sign}{sec}s"


def _cell(value: Any, duration: bool) -> str:
    import datetime as _dt

    import pandas as pd

    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return ""
    if duration or isinstance(value, _dt.timedelta | pd.Timedelta):
        return format_duration(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_rows(frame: pd.DataFrame, out: Path) -> None:
    """Write ``frame`` to a ``.csv`` or ``.parquet`` file (:class:`InputError` otherwise)."""
    if out.suffix == ".csv":
        frame.to_csv(out, index=False)
    elif out.suffix == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        raise InputError(f"--out must end in .csv or .parquet, got {out.name}")


def show_frame(
    frame: pd.DataFrame,
    title: str,
    *,
    fmt: str = "table",
    out: Path | None = None,
    limit: int | None = 20,
    show: bool = True,
) -> None:
    """Print ``frame`` as a table, csv or json, and write it to ``out`` if given.

    ``limit`` caps the rows of the table format (``None``: all); csv and json print all
    rows. ``show=False`` only writes ``out``. Messages go to stderr unless the format is
    ``table``, so that csv and json output stays clean.
    """
    import sys

    if fmt not in FORMATS:
        raise InputError(f"--format must be table, csv or json, not {fmt!r}")
    if out is not None and out.suffix not in (".csv", ".parquet"):
        raise InputError(f"--out must end in .csv or .parquet, got {out.name}")
    if show and fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif show and fmt == "json":
        text = frame.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    elif show:
        print_table(frame, title, limit=limit)
    if out is not None:
        write_rows(frame, out)
        (console if fmt == "table" else err_console).print(f"written to [bold]{out}[/]")


def print_table(frame: pd.DataFrame, title: str, *, limit: int | None = 20) -> None:
    """A rich table of ``frame`` (first ``limit`` rows) that is never cut short."""
    shown = frame if limit is None else frame.head(limit)
    suffix = f"{len(frame):,} rows" + (
        f", first {len(shown):,} shown" if len(shown) < len(frame) else ""
    )
    table = Table(title=f"{title} ({suffix})")
    durations = [str(c).endswith("_seconds") for c in frame.columns]
    for col, dur in zip(frame.columns, durations, strict=True):
        kind = frame[col].dtype.kind
        name = str(col)[: -len("_seconds")] if dur else str(col)
        table.add_column(name, justify="right" if kind in "iufm" or dur else "left")
    for row in shown.itertuples(index=False):
        table.add_row(*(_cell(v, d) for v, d in zip(row, durations, strict=True)))
    print_wide(table)


def print_wide(renderable: Any) -> None:
    """Print to stdout: as wide as the terminal, or as the content when piped."""
    if console.is_terminal:
        console.print(renderable)
        return
    width = console.measure(renderable, options=console.options.update_width(10_000)).maximum
    old = console.width
    console.width = max(width, old)
    try:
        console.print(renderable)
    finally:
        console.width = old


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


def _print_reconciliations(recs, fmt: str = "table") -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    also = any(r.derived for r in recs)
    rows = []
    for r in recs:
        row = {
            "file": Path(r.source).name,
            "table": r.table,
            "read": r.read,
            "loaded": r.loaded,
            "duplicates": r.duplicates,
            "quarantined": r.quarantined,
        }
        if also:
            row["also loaded"] = ", ".join(f"{n} {k:,}" for n, k in r.derived.items())
        rows.append(row)
    frame = pd.DataFrame(rows)
    if fmt != "table":
        show_frame(frame, "", fmt=fmt)
        return
    table = Table(title="read = loaded + duplicates + quarantined")
    for col in frame.columns:
        table.add_column(col, justify="right" if frame[col].dtype.kind in "iu" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v, False) for v in row))
    print_wide(table)
    for r in recs:
        for reason, n in list(r.reasons.items())[:5]:
            console.print(f"  [yellow]quarantined[/] {n:,} × {reason}", highlight=False)
        if r.ignored_columns:
            console.print(f"  [dim]ignored columns: {', '.join(r.ignored_columns)}[/]")


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files or globs to load; each file's table comes from its name"
            " (events.parquet, orders-2024-01.csv) unless --table says it.",
            show_default=False,
        ),
    ],
    table: Annotated[
        str | None, typer.Option("--table", "-t", help="Target table (events, orders, ...).")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="File format: csv, tsv, parquet, jsonl, json, xlsx."),
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
    output_format: Annotated[
        str,
        typer.Option(
            "--output-format",
            help="How to print the reconciliation: table, csv or json (--format is the"
            " files' format here).",
        ),
    ] = "table",
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Load files into canonical tables, in dependency order; every row is loaded, a
    duplicate or quarantined, and one reconciliation table shows all files."""
    from shoplens.data.batch import ingest_files

    if output_format not in FORMATS:
        raise InputError(f"--output-format must be table, csv or json, not {output_format!r}")
    con = _connect(engine, warehouse)
    with err_console.status("ingesting") as status:
        recs = ingest_files(
            con,
            paths,
            table,
            fmt=fmt,
            mapping=mapping,
            timezone=timezone,
            progress=lambda path, stage: status.update(f"{path.name}: {stage}"),
        )
    _print_reconciliations(recs, output_format)


@app.command()
def tables(fmt: Format = "table", engine: Engine = None, warehouse: WarehousePath = None) -> None:
    """Show the warehouse tables and their row counts."""
    import pandas as pd

    from shoplens.data.ingest import table_counts

    counts = table_counts(_connect(engine, warehouse))
    frame = pd.DataFrame({"table": list(counts), "rows": list(counts.values())})
    show_frame(frame, "Warehouse", fmt=fmt, limit=None)


def _say_skipped(skipped: list[str]) -> None:
    for line in skipped:
        err_console.print(f"[yellow]skipped[/] {line}", highlight=False)


@app.command()
def run(
    data: Annotated[
        Path | None,
        typer.Option("--data", "-d", help="Folder of canonical files (events.parquet, ...)."),
    ] = None,
    report: Annotated[Path, typer.Option("--report", "-r", help="Report folder.")] = Path("report"),
    fmt: Format = "table",
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """The main job: ingest a folder, run every part, write the HTML report."""
    from shoplens.pipeline import run_pipeline

    if fmt not in FORMATS:
        raise InputError(f"--format must be table, csv or json, not {fmt!r}")
    result = run_pipeline(
        _connect(engine, warehouse), data_dir=data, report_dir=report, console=err_console
    )
    if result.reconciliations:
        _print_reconciliations(result.reconciliations, fmt)
    _say_skipped(result.skipped)
    (console if fmt == "table" else err_console).print(
        f"[bold green]report:[/] {result.report_path.resolve()}"
    )


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
    """Write the full HTML report from what the warehouse holds (no part is recomputed)."""
    from shoplens.pipeline import write_report

    result = write_report(_connect(engine, warehouse), out)
    _say_skipped(result.skipped)
    console.print(f"[bold green]report:[/] {result.report_path.resolve()}")


@app.command()
def version() -> None:
    """Print the ShopLens version."""
    from shoplens import __version__

    console.print(__version__)


#: old top-level names kept as hidden, deprecated aliases: name -> the name to use
DEPRECATED_ALIASES = {"text": "shoplens insight text"}


def _add_parts() -> None:
    """Register each part's sub-command (``shoplens journeys ...``) from its own module.

    Each name is a module ``shoplens.cli.<name>`` with ``app = part_app(...)``; to add a
    part, add its name to the tuple. Keep those modules light at import time.
    """
    from importlib import import_module

    for name in (
        "journeys",
        "lifecycle",
        "insight",
        "text",
        "assistant",
        "recommend",
        "serve",
        "keys",
        "campaign",
        "forecast",
    ):
        try:
            module = import_module(f"shoplens.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"shoplens.cli.{name}":
                raise
            continue
        if name in DEPRECATED_ALIASES:
            app.add_typer(
                module.app,
                name=name,
                hidden=True,
                deprecated=True,
                help=f"Deprecated: use `{DEPRECATED_ALIASES[name]}`.",
            )
        else:
            app.add_typer(module.app, name=name)


_add_parts()
