"""A long inbox on a phone: the most urgent page with counts, next/previous pages, no sideways scrolling."""

from __future__ import annotations

import re

from tests.e2e.conftest import log_in, screenshot
from tests.engine_helpers import MUBA_INTAKE


def test_inbox_pages_on_a_phone(live_server, new_page):
    from engine import runtime
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    app, base = live_server.app, live_server.url
    app.config["ALUR_INBOX_PAGE_SIZE"] = 1
    try:
        with app.app_context():
            for n in range(2):
                runtime.submit_complaint(db.session, engine_context(), "muba_pengaduan",
                                         {**MUBA_INTAKE, "subject": f"Halaman uji {n}"})
            db.session.remove()
        phone = new_page(phone=True)
        log_in(phone, base, "petugas")
        phone.goto(f"{base}/inbox")
        pager = phone.locator("nav.pager")
        assert pager.is_visible() and "Langkah 1–1" in pager.inner_text()
        assert phone.locator("li.task-row").count() == 1
        waiting = int(phone.locator('[data-count="total"]').inner_text())
        assert waiting >= 2  # the counts cover every waiting step, not just the page
        screenshot(phone, "11-inbox-pager-phone")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.get_by_role("link", name=re.compile("Berikutnya")).click()
        assert "page=2" in phone.url and "Langkah 2–2" in phone.locator("nav.pager").inner_text()
        assert phone.get_by_role("link", name=re.compile("Sebelumnya")).is_visible()
    finally:
        app.config["ALUR_INBOX_PAGE_SIZE"] = None
