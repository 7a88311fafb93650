"""The main job's part registry: every part's job runs, every view draws from the store.

``run_pipeline`` (``shoplens run``) must give each registered part's sections; ``shoplens
report`` must rebuild the same report from the warehouse alone, without fitting or
scoring anything; a part is skipped only for a missing extra (and the report says so);
any other import error fails loudly.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from shoplens.pipeline import PARTS, Part, available_parts, run_pipeline, write_report

#: each part's sections on a shop with events, orders, reviews and chats
WANT = {
    "journeys": ["journeys", "journeys-paths", "journeys-retention"],
    "insight": ["what-customers-say"],
    "forecast": [
        "forecast",
        "forecast-events",
        "forecast-backtest",
        "forecast-trends",
        "forecast-alerts",
    ],
    "lifecycle": [
        "lifecycle-segments",
        "lifecycle-stages",
        "lifecycle-clv",
        "lifecycle-p-alive",
        "lifecycle-churn",
    ],
    "recommend": ["recommend-models", "recommend-weights", "recommend-served", "recommend-ctr"],
    "assistant": ["customer-service-assistant"],
    "campaigns": ["campaigns"],
}
OVERVIEW = ["overview", "reconciliation", "activity"]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """One small demo shop through the main job, in a DuckDB file."""
    from shoplens.data.demo import generate_demo
    from shoplens.warehouse import connect

    root = tmp_path_factory.mktemp("pipeline")
    generate_demo(root / "shop", customers=300, items=60, events=20_000, seed=3)
    db = root / "w.duckdb"
    con = connect("duckdb", db)
    result = run_pipeline(con, data_dir=root / "shop", report_dir=root / "run")
    con.disconnect()
    return root, db, result


def _anchors(html: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)">', html)


def _comparable(html: str) -> str:
    """The page without what differs between two renders (time stamp, plotly div ids)."""
    html = re.sub(r"generated [^<]*", "generated", html)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "id", html)


def test_every_part_is_registered_and_installed_here():
    assert [p.name for p in PARTS] == list(WANT)
    assert available_parts() == (list(PARTS), [])


def test_run_pipeline_gives_each_parts_sections(ran):
    _, _, result = ran
    want = OVERVIEW + [a for p in PARTS for a in WANT[p.name]]
    assert _anchors(result.report_path.read_text(encoding="utf-8")) == want
    assert len(result.sections) == len(want) - len(OVERVIEW) and result.skipped == []
    assert {r.table for r in result.reconciliations} >= {"events", "orders", "reviews"}
    html = result.report_path.read_text(encoding="utf-8")
    assert "not computed yet" not in html and "not scored yet" not in html


def test_report_rebuilds_the_run_report_from_the_warehouse(ran, monkeypatch):
    """``shoplens report`` = the report of ``shoplens run``; no model is fitted for it."""
    from shoplens.cli import app
    from shoplens.insight.text import TextAnalyzer
    from shoplens.journeys import report as journeys_report
    from shoplens.lifecycle import propensity, segments

    root, db, result = ran

    def refuse(*args, **kwargs):
        raise AssertionError("a view recomputed something")

    monkeypatch.setattr(propensity.PurchasePropensity, "fit", refuse)
    monkeypatch.setattr(segments.CustomerSegmenter, "fit", refuse)
    monkeypatch.setattr(TextAnalyzer, "analyze", refuse)
    monkeypatch.setattr(journeys_report, "funnel_frame", refuse)
    res = CliRunner().invoke(app, ["report", "-w", str(db), "-o", str(root / "again")])
    assert res.exit_code == 0, res.output
    again = (root / "again" / "index.html").read_text(encoding="utf-8")
    assert _comparable(again) == _comparable(result.report_path.read_text(encoding="utf-8"))


def test_a_part_without_its_extra_is_skipped_and_the_report_says_so(duck, tmp_path):
    ghost = Part("ghost", "no_such:run_ghost", "no_such:ghost_sections", "ghost", ("no_such",))
    result = write_report(duck, tmp_path, (*PARTS[:1], ghost))
    assert result.skipped == [
        "ghost: not run, no_such not installed (pip install 'shoplens[ghost]')"
    ]
    html = result.report_path.read_text(encoding="utf-8")
    assert _anchors(html)[-1] == "parts-not-run" and "shoplens[ghost]" in html


@pytest.mark.parametrize(
    "part",
    [
        Part(
            "typo",
            "shoplens.journeys.reprot:run_journeys",
            "shoplens.journeys.report:journeys_sections",
        ),
        # the extra is installed, so a broken import inside the part is a real error
        Part("broken", "shoplens.no_such_module:run", "json:dumps", "nlp", ("json",)),
        Part("view", "json:dumps", "shoplens.journeys.reprot:journeys_sections"),
        Part("nofunc", "shoplens.journeys.report:run_nothing", "json:dumps"),
    ],
)
def test_any_other_import_error_fails_loudly(duck, tmp_path, part):
    with pytest.raises((ImportError, AttributeError)):
        run_pipeline(duck, report_dir=tmp_path, parts=(part,))


def test_an_empty_warehouse_says_what_each_part_needs(duck, tmp_path):
    result = run_pipeline(duck, report_dir=tmp_path)
    html = result.report_path.read_text(encoding="utf-8")
    assert _anchors(html) == [
        *OVERVIEW,
        "journeys",
        "what-customers-say",
        "forecast",
        "lifecycle",
        "recommend",
        "customer-service-assistant",
        "campaigns",
    ]
