"""The main job's report opens in a real browser (headless Chromium) and shows the overview."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pandas as pd
import pytest

from shoplens.data.demo import generate_demo
from shoplens.pipeline import run_pipeline

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def served_report(duck, tmp_path):
    """A small demo shop through the main job, the report served on loopback."""
    shop = generate_demo(tmp_path / "shop", customers=300, items=100, events=20_000, seed=3)
    orders = pd.read_parquet(shop.files["orders"])
    events = pd.read_parquet(shop.files["events"])
    result = run_pipeline(duck, data_dir=shop.out_dir, report_dir=tmp_path / "report")
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(result.report_path.parent)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html", orders, events
    server.shutdown()


def test_report_shows_overview_and_plots(served_report, tmp_path):
    from playwright.sync_api import sync_playwright

    url, orders, events = served_report
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 2000})
        page.goto(url)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
        for title in ("Overview", "Reconciliation", "Activity", "What customers say"):
            assert page.locator("h2", has_text=title).is_visible()
        cards = dict(
            zip(
                page.locator(".card .k").all_inner_texts(),
                page.locator(".card .v").all_inner_texts(),
                strict=True,
            )
        )
        assert cards["orders"] == f"{len(orders):,}"
        assert cards["events"] == f"{len(events):,}"
        assert cards["revenue"] == f"{orders.total.sum():,.0f}"
        # the reconciliation table holds one balanced row per ingested file
        rows = page.locator("#reconciliation table tbody tr")
        assert rows.count() == len(shop_files := list(tmp_path.glob("shop/*.parquet")))
        assert len(shop_files) == 7
        balanced = page.locator("#reconciliation table tbody tr td:last-child")
        assert set(balanced.all_inner_texts()) == {"✓"}
        assert page.locator("#activity .js-plotly-plot").count() == 2
        assert page.locator("#what-customers-say .js-plotly-plot").count() >= 3
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
