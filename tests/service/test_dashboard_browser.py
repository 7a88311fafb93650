"""The dashboard in headless Chromium (Playwright): every page loads without console
errors, a funnel built by clicking equals the library, the 360 shows a timeline, the
language switch works. Screenshots are kept under pytest's tmp dir."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from datetime import timedelta

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.fixture(scope="module")
def live(client):
    """The session's app served by uvicorn on loopback (a thread, same process)."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(client.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_dashboard_in_a_browser(live, client, keys, customers, tmp_path):
    from playwright.sync_api import sync_playwright

    from shoplens.journeys import funnel_frame

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live}/dashboard/")
        assert page.url.endswith("/dashboard/login")
        page.fill("#key", keys["assistant"])  # customer-bound: no dashboard
        page.click("#login")
        assert page.locator("#login-error").is_visible()
        errors.clear()  # the 401 of that answer is logged by the browser
        page.fill("#key", keys["reader"])
        page.click("#login")
        page.wait_for_selector("#overview")
        for slug in ("", "journeys", "customers", "insight"):
            page.goto(f"{live}/dashboard/{slug}")
            assert page.locator("#page-title").is_visible()
            page.screenshot(path=str(tmp_path / f"dashboard-{slug or 'overview'}.png"))

        # a funnel built by clicking: steps, a 3-day window, breakdown by channel
        page.goto(f"{live}/dashboard/journeys")
        for step in ("view", "add_to_cart", "purchase"):
            page.click(f".step[data-step='{step}']")
        page.click(".window[data-days='3']")
        page.click(".breakdown[data-by='channel']")
        page.wait_for_function(
            "document.querySelector('#funnel-builder').dataset.ready"
            " && document.querySelector('#funnel-builder').dataset.ready.includes('channel')"
            " && document.querySelector('#funnel-builder').dataset.ready.includes('=3')"
        )
        page.wait_for_selector("#funnel-chart .main-svg")
        shown = [int(x) for x in page.locator("#funnel-table td.entered").all_inner_texts()]
        with client.app.state.service.warehouse.reader() as con:
            want = funnel_frame(
                con.table("events"),
                ["view", "add_to_cart", "purchase"],
                window=timedelta(days=3),
                breakdown="channel",
            )
        assert shown == want.entered.tolist()
        page.screenshot(path=str(tmp_path / "funnel-builder.png"), full_page=True)

        # customer 360 from the churn-risk list
        page.goto(f"{live}/dashboard/customers")
        page.locator("a.c360").first.click()
        page.wait_for_selector("#timeline table tbody tr")
        assert page.locator("#timeline table tbody tr").count() > 0
        page.screenshot(path=str(tmp_path / "customer-360.png"), full_page=True)

        # the assistant, tried from the guidance page with a customer-bound key
        page.goto(f"{live}/dashboard/guidance")
        page.fill("#try-key", keys["assistant"])
        page.fill("#try-text", "Can I pay cash on delivery?")
        page.click("#try-send")
        page.wait_for_selector("#try-answer[data-done]", state="attached")
        meta = page.locator("#try-meta").inner_text()
        assert page.locator("#try-answer").get_attribute("data-done") == "ok", meta
        assert page.locator("#try-answer").inner_text().strip()
        assert "payment#methods" in meta
        page.screenshot(path=str(tmp_path / "assistant-try.png"), full_page=True)

        # the language switch
        page.click("#lang-switch")
        assert page.locator("#nav-journeys").inner_text() == "用户旅程"
        page.goto(f"{live}/dashboard/journeys")  # the choice is remembered
        assert page.locator("#page-title").inner_text() == "用户旅程"
        page.click("#lang-switch")
        assert page.locator("#page-title").inner_text() == "Journeys"
        page.click("#logout")
        assert page.url.endswith("/dashboard/login")
        browser.close()
    assert errors == []
    assert len(list(tmp_path.glob("*.png"))) == 7
