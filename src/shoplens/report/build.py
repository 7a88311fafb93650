"""Assemble ``index.html`` from sections; plots are Plotly figures, served offline."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ibis.backends import BaseBackend


@dataclass
class Section:
    """One block of the report: a title, an anchor and its HTML body."""

    title: str
    html: str
    anchor: str = ""

    def __post_init__(self) -> None:
        if not self.anchor:
            self.anchor = "".join(c if c.isalnum() else "-" for c in self.title.lower())


def figure_html(fig: Any) -> str:
    """Render a Plotly figure as an HTML fragment (plotly.js is loaded once by the page)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def table_html(frame: Any, *, index: bool = False, float_format: str = "{:,.2f}") -> str:
    """Render a pandas frame as an HTML table; numeric columns are right-aligned.

    Examples
    --------
    >>> import pandas as pd
    >>> out = table_html(pd.DataFrame({"k": ["<a>"], "n": [1.5]}))
    >>> '<td>&lt;a&gt;</td><td class="num">1.50</td>' in out
    True
    """
    import html

    import pandas as pd

    if index:
        frame = frame.reset_index()
    numeric = [
        pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in frame.dtypes
    ]
    num_attr = {True: ' class="num"', False: ""}

    def cell(value: Any, num: bool) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            text = ""
        elif num and isinstance(value, float):
            text = float_format.format(value)
        elif num:
            text = f"{value:,}"
        else:
            text = str(value)
        return f"<td{num_attr[num]}>{html.escape(text)}</td>"

    head = "".join(
        f"<th{num_attr[num]}>{html.escape(str(c))}</th>"
        for c, num in zip(frame.columns, numeric, strict=True)
    )
    body = "".join(
        "<tr>" + "".join(cell(v, num) for v, num in zip(row, numeric, strict=True)) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def build_report(
    con: BaseBackend,
    out_dir: str | Path = "report",
    sections: list[Section] | None = None,
    *,
    title: str = "ShopLens report",
) -> Path:
    """Write ``out_dir/index.html``: the overview, the reconciliation, then ``sections``.

    Returns the path of ``index.html``. The page needs no network: ``plotly.min.js`` is
    copied beside it.

    Examples
    --------
    >>> import shoplens, tempfile
    >>> path = build_report(shoplens.connect("duckdb", ":memory:"), tempfile.mkdtemp())
    >>> path.name
    'index.html'
    """
    import jinja2

    from shoplens import __version__
    from shoplens.report.overview import overview_sections

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _copy_plotly(out)
    all_sections = overview_sections(con) + list(sections or [])
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("shoplens.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    html = env.get_template("index.html").render(
        title=title,
        sections=all_sections,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        engine=con.name,
    )
    path = out / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path


def _copy_plotly(out: Path) -> None:
    import plotly

    src = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    dst = out / "plotly.min.js"
    if not dst.exists() or dst.stat().st_size != src.stat().st_size:
        shutil.copyfile(src, dst)
