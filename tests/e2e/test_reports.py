"""The dashboard and a recap in a real browser, on a desktop and a phone; screenshots to look at."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in, screenshot
from tests.reports_fixtures import seed


@pytest.fixture(scope="module")
def seeded(live_server):
    """Complaints A–D of tests/reports_fixtures.py in the live server's database (clock at 13 Mar 10:00)."""
    from engine.dashboard import dashboard
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with live_server.app.app_context():
        ids = seed(db.session, engine_context(), live_server.clock)
        figures = dashboard(db.session, engine_context())
        db.session.remove()
    return ids, figures


def _tile(page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"] .tile-n').inner_text().strip()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_dashboard(live_server, new_page, seeded, phone):
    _, figures = seeded
    page = new_page(phone=phone)
    log_in(page, live_server.url, "kabid")
    page.goto(f"{live_server.url}/dasbor")
    screenshot(page, f"reports-dashboard-{'phone' if phone else 'desktop'}")
    assert page.get_by_role("heading", name="Dasbor pengaduan").is_visible()
    assert _tile(page, "received_today") == str(figures.received_today)
    assert _tile(page, "overdue") == str(figures.overdue_total)
    assert page.locator("svg.chart").count() == 3
    box = page.locator("svg.chart").first.bounding_box()
    width = page.viewport_size["width"]
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1  # charts fit the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1  # no sideways scrolling


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_recap(live_server, new_page, seeded, phone):
    page = new_page(phone=phone)
    log_in(page, live_server.url, "kepala_dinas")
    page.goto(f"{live_server.url}/rekap")
    page.check("input[name=kind][value=month]")
    page.fill("#recap-month", "2026-03")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state()
    name = f"reports-recap-{'phone' if phone else 'desktop'}"
    screenshot(page, name)
    assert "Maret 2026" in page.locator("h1").inner_text()
    assert page.locator("svg.chart").count() == 5
    assert page.locator("#complaints tbody tr").count() >= 4
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1  # no sideways scrolling
    if not phone:
        page.emulate_media(media="print")
        screenshot(page, f"{name}-print")
        assert (
            not page.locator("header.topbar").is_visible()
            and not page.locator("form.period-form").is_visible()
        )


def test_recap_period_error_in_browser(live_server, new_page, seeded):
    page = new_page(phone=True)
    log_in(page, live_server.url, "kabid")
    page.goto(f"{live_server.url}/rekap")
    page.check("input[name=kind][value=range]")
    page.fill("#recap-from", "2026-03-31")
    page.fill("#recap-to", "2026-03-01")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state()
    error = page.locator("#err-to")
    assert error.is_visible() and "tanggal akhir sebelum tanggal awal" in error.inner_text()
    assert page.locator("#recap-to").get_attribute("aria-invalid") == "true"
    screenshot(page, "reports-recap-error-phone")
