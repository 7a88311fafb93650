"""The main job: ingest a folder of canonical files, run every part's job, draw the report.

The part contract
-----------------
A *part* (journeys, lifecycle, insight, ...) is one :class:`Part` entry of :data:`PARTS`,
in the order the main job runs them. It names two functions of its package's
``report.py``, written ``"module:function"``:

* the **job** ``run_<part>(con, **options) -> None`` computes the part's results and
  stores them in the warehouse (tables prefixed by the part, written with
  :func:`shoplens.warehouse.store_table` or the part's own writer in one transaction);
* the **view** ``<part>_sections(con) -> list[Section]`` reads only stored tables and
  returns :class:`~shoplens.report.build.Section` s (Plotly figures through
  ``figure_html``, tables through ``table_html``). A view never fits or recomputes a
  model; when its tables are missing it returns one section that says "not computed
  yet" and how to compute it.

and, optionally, the **extra** that the part needs (``pip install 'shoplens[EXTRA]'``)
with ``requires``, the top-level modules that extra installs. A part is skipped only
when one of those modules is not installed, and the report then says which extra to
install; any other import error (a misspelt module, a broken import) fails loudly.

``shoplens run`` (:func:`run_pipeline`) runs every job, then every view;
``shoplens report`` (:func:`report_sections`, :func:`write_report`) runs the views only,
so it rebuilds the same report from what the warehouse holds. Adding a part is one
entry::

    Part("forecasts", "shoplens.insight.forecast.report:run_forecasts",
         "shoplens.insight.forecast.report:forecasts_sections")

Examples
--------
>>> [p.name for p in PARTS]
['journeys', 'insight', 'forecast', 'lifecycle', 'recommend', 'assistant', 'campaigns']
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from inspect import signature
from pathlib import Path
from typing import Any

from ibis.backends import BaseBackend

from shoplens.data.batch import canonical_table
from shoplens.errors import InputError
from shoplens.report.build import Section, build_report

__all__ = [
    "PARTS",
    "Part",
    "PipelineResult",
    "available_parts",
    "canonical_files",
    "report_sections",
    "run_pipeline",
    "write_report",
]


@dataclass(frozen=True)
class Part:
    """One part of the main job: its name, job, view and the optional extra it needs.

    Examples
    --------
    >>> p = Part("x", "json:dumps", "json:loads", extra="nlp", requires=("json",))
    >>> p.installed(), p.load_job().__name__
    (True, 'dumps')
    """

    name: str
    job: str
    view: str
    extra: str | None = None
    requires: tuple[str, ...] = ()

    def installed(self) -> bool:
        """Whether the modules of the part's optional extra are installed."""
        return all(find_spec(module) is not None for module in self.requires)

    def missing(self) -> str:
        """One line saying what to install (empty when nothing is missing)."""
        if self.installed():
            return ""
        gone = [m for m in self.requires if find_spec(m) is None]
        extra = f"pip install 'shoplens[{self.extra}]'" if self.extra else "install them"
        return f"{self.name}: not run, {', '.join(gone)} not installed ({extra})"

    def load_job(self) -> Callable[..., None]:
        """The job function (imports its module)."""
        return _load(self.job)

    def load_view(self) -> Callable[[BaseBackend], list[Section]]:
        """The view function (imports its module)."""
        return _load(self.view)


def _load(target: str) -> Any:
    module, _, function = target.partition(":")
    return getattr(import_module(module), function)


#: the parts of the main job, in the order it runs them
PARTS: tuple[Part, ...] = (
    Part(
        "journeys",
        "shoplens.journeys.report:run_journeys",
        "shoplens.journeys.report:journeys_sections",
    ),
    Part(
        "insight",
        "shoplens.insight.report:run_insight",
        "shoplens.insight.report:insight_sections",
        extra="nlp",
        requires=("jieba",),
    ),
    Part(
        "forecast",
        "shoplens.insight.forecast.report:run_forecast",
        "shoplens.insight.forecast.report:forecast_sections",
        extra="forecast",
        requires=("statsforecast", "mlforecast", "holidays"),
    ),
    Part(
        "lifecycle",
        "shoplens.lifecycle.report:run_lifecycle",
        "shoplens.lifecycle.report:lifecycle_sections",
    ),
    Part(
        "recommend",
        "shoplens.guidance.recommend.report:run_recommend",
        "shoplens.guidance.recommend.report:recommend_sections",
        extra="recommend",
        requires=("implicit", "faiss"),
    ),
    Part(
        "assistant",
        "shoplens.guidance.assistant.report:run_assistant",
        "shoplens.guidance.assistant.report:assistant_sections",
        extra="llm",
        requires=("bm25s", "jieba"),
    ),
    Part(
        "campaigns",
        "shoplens.guidance.campaigns.report:run_campaigns",
        "shoplens.guidance.campaigns.report:campaigns_sections",
        extra="campaigns",
        requires=("yaml",),
    ),
)


@dataclass
class PipelineResult:
    """What the main job did: the reconciliations, the report, its section titles."""

    reconciliations: list[Any]
    report_path: Path
    sections: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def canonical_files(folder: str | Path) -> list[tuple[str, Path]]:
    """``(table, file)`` pairs for the files in ``folder`` named after a canonical table.

    ``events.parquet``, ``orders.csv``, ``orders-2024-01.csv`` ... (the naming rule is
    :func:`shoplens.data.batch.canonical_table`), in the order tables depend on each other
    (customers and items first).

    Examples
    --------
    >>> canonical_files(".")  # doctest: +SKIP
    [('customers', PosixPath('customers.parquet')), ...]
    """
    from shoplens.data.batch import order_files

    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"not a folder: {root}")
    found = order_files(p for p in sorted(root.iterdir()) if canonical_table(p) and p.is_file())
    if not found:
        raise InputError(
            f"no canonical files in {root}: name them after a table,"
            " e.g. events.csv, orders.parquet"
        )
    return found


def available_parts(parts: tuple[Part, ...] = PARTS) -> tuple[list[Part], list[str]]:
    """``(parts that can run, one line per part skipped for a missing extra)``.

    Examples
    --------
    >>> run, skipped = available_parts((Part("x", "m:f", "m:g", "x", ("no_such_mod",)),))
    >>> run, skipped
    ([], ["x: not run, no_such_mod not installed (pip install 'shoplens[x]')"])
    """
    ok = [p for p in parts if p.installed()]
    return ok, [p.missing() for p in parts if not p.installed()]


def _skipped_section(skipped: list[str]) -> Section:
    items = "".join(f"<li>{html.escape(s)}</li>" for s in skipped)
    return Section("Parts not run", f"<ul>{items}</ul>", anchor="parts-not-run")


def report_sections(
    con: BaseBackend, parts: tuple[Part, ...] = PARTS
) -> tuple[list[Section], list[str]]:
    """Every part's view over what the warehouse holds: ``(sections, skipped)``.

    Examples
    --------
    >>> import shoplens
    >>> sections, skipped = report_sections(shoplens.connect("duckdb", ":memory:"))
    >>> [s.anchor for s in sections][:1]
    ['journeys']
    """
    ok, skipped = available_parts(parts)
    sections: list[Section] = []
    for part in ok:
        sections.extend(part.load_view()(con))
    if skipped:
        sections.append(_skipped_section(skipped))
    return sections, skipped


def write_report(
    con: BaseBackend, report_dir: str | Path = "report", parts: tuple[Part, ...] = PARTS
) -> PipelineResult:
    """Write the full report from what the warehouse holds (the views only).

    Examples
    --------
    >>> import shoplens, tempfile
    >>> write_report(shoplens.connect("duckdb", ":memory:"), tempfile.mkdtemp()).report_path.name
    'index.html'
    """
    sections, skipped = report_sections(con, parts)
    path = build_report(con, report_dir, sections)
    return PipelineResult([], path, [s.title for s in sections], skipped)


def run_pipeline(
    con: BaseBackend,
    data_dir: str | Path | None = None,
    report_dir: str | Path = "report",
    *,
    console: Any = None,
    parts: tuple[Part, ...] = PARTS,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> PipelineResult:
    """Ingest ``data_dir`` (if given), run every part's job, then write the report.

    ``options`` maps a part's name to keyword arguments of its job; a job with a
    ``data_dir`` keyword also gets the folder that was ingested (e.g. to find a demo
    shop's truth files).

    Examples
    --------
    >>> import shoplens, tempfile
    >>> res = run_pipeline(shoplens.connect("duckdb", ":memory:"), report_dir=tempfile.mkdtemp())
    >>> res.report_path.name
    'index.html'
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from shoplens.data.ingest import ingest_file

    files = canonical_files(data_dir) if data_dir is not None else []
    ok, _ = available_parts(parts)
    jobs = [(p.name, p.load_job()) for p in ok]  # import every part before any work
    for p in ok:
        p.load_view()
    recs = []
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
        task = progress.add_task("main job", total=len(files) + len(jobs) + 1)
        for table, path in files:
            progress.update(task, description=f"ingest {path.name}")
            recs.append(ingest_file(con, path, table))
            progress.advance(task)
        if files:  # merge the appended runs once, so every job streams the sorted events
            from shoplens.data.layout import compact

            progress.update(task, description="compact events")
            compact(con)
        for name, job in jobs:
            progress.update(task, description=name)
            kwargs = dict((options or {}).get(name, {}))
            if data_dir is not None and "data_dir" in signature(job).parameters:
                kwargs.setdefault("data_dir", data_dir)
            job(con, **kwargs)
            progress.advance(task)
        progress.update(task, description="report")
        result = write_report(con, report_dir, parts)
        progress.advance(task)
    result.reconciliations = recs
    return result
