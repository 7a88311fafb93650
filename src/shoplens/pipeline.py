"""The main job: ingest a folder of canonical files, run every part, write the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ibis.backends import BaseBackend

from shoplens.data.ingest import Reconciliation, ingest_file
from shoplens.data.readers import FORMATS
from shoplens.data.schema import TABLES
from shoplens.errors import InputError
from shoplens.report.build import Section, build_report

#: a part of the main job: reads the warehouse, may write its tables, returns report sections
Part = Callable[[BaseBackend], list[Section]]


@dataclass
class PipelineResult:
    """What the main job did."""

    reconciliations: list[Reconciliation]
    report_path: Path
    sections: list[str] = field(default_factory=list)


def canonical_files(folder: str | Path) -> list[tuple[str, Path]]:
    """``(table, file)`` pairs for the files in ``folder`` named after a canonical table.

    ``events.parquet``, ``orders.csv``, ``reviews.jsonl`` ... in the order tables depend
    on each other (customers and items first).

    Examples
    --------
    >>> canonical_files(".")  # doctest: +SKIP
    [('customers', PosixPath('customers.parquet')), ...]
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"not a folder: {root}")
    found = []
    for table in TABLES:
        for fmt in FORMATS:
            for path in sorted(root.glob(f"{table}*.{fmt}")):
                if path.stem == table or path.stem.startswith(f"{table}-"):
                    found.append((table, path))
    if not found:
        raise InputError(
            f"no canonical files in {root}: name them after a table,"
            " e.g. events.csv, orders.parquet"
        )
    return found


#: (label, module, function) of each part's step, in the order the main job runs them
PARTS: tuple[tuple[str, str, str], ...] = (
    ("journeys", "shoplens.journeys.report", "journey_sections"),
    ("insight", "shoplens.insight.report", "insight_sections"),
    ("lifecycle", "shoplens.lifecycle.report", "lifecycle_sections"),
)


def parts() -> list[tuple[str, Part]]:
    """The parts of the main job, in order; a part whose module is not there yet is skipped.

    Examples
    --------
    >>> all(callable(step) for _, step in parts())
    True
    """
    from importlib import import_module

    found = []
    for label, module, function in PARTS:
        try:
            mod = import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module.startswith(exc.name):
                continue
            raise
        found.append((label, getattr(mod, function)))
    return found


def run_pipeline(
    con: BaseBackend,
    data_dir: str | Path | None = None,
    report_dir: str | Path = "report",
    *,
    console: Any = None,
) -> PipelineResult:
    """Ingest ``data_dir`` (if given), run every part, and write the HTML report.

    Examples
    --------
    >>> import shoplens, tempfile
    >>> res = run_pipeline(shoplens.connect("duckdb", ":memory:"), report_dir=tempfile.mkdtemp())
    >>> res.report_path.name
    'index.html'
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    files = canonical_files(data_dir) if data_dir is not None else []
    steps = parts()
    recs: list[Reconciliation] = []
    sections: list[Section] = []
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        disable=console is None,
        transient=True,
    )
    with progress:
        task = progress.add_task("main job", total=len(files) + len(steps) + 1)
        for table, path in files:
            progress.update(task, description=f"ingest {path.name}")
            recs.append(ingest_file(con, path, table))
            progress.advance(task)
        for name, part in steps:
            progress.update(task, description=name)
            sections.extend(part(con))
            progress.advance(task)
        progress.update(task, description="report")
        report = build_report(con, report_dir, sections)
        progress.advance(task)
    return PipelineResult(recs, report, [s.title for s in sections])
