"""A petugas records a WhatsApp complaint received yesterday through the desk form, in a real browser:
the complaint card and the inbox count its deadline from yesterday (receipt), not from today (entry)."""

from __future__ import annotations

import re
from datetime import timedelta

from engine.calendar import OfficeCalendar
from tests.e2e.conftest import log_in, screenshot


def _local(value, calendar: OfficeCalendar) -> str:
    return value.astimezone(calendar.tz).strftime("%d-%m-%Y %H:%M WIB")


def _record(page, base: str, received_local: str, subject: str) -> str:
    page.goto(f"{base}/petugas/pengaduan/baru")
    page.select_option("#f-process", "sanggau_pengaduan")
    page.select_option("#f-channel", "whatsapp")
    page.fill("#f-received_at", received_local)
    page.fill("#f-reporter-name", "Yohanes Ading")
    page.fill("#f-reporter-phone", "0852 5236 1234")
    page.check("input[name=anonymity][value=none]")
    page.fill("#f-subject", subject)
    page.fill("#f-description", "Pesan WhatsApp: buku yang sudah dikembalikan masih tercatat dipinjam dan didenda.")
    page.get_by_role("button", name=re.compile("Simpan|Catat")).click()
    page.wait_for_load_state()
    code = page.get_by_test_id("tracking-code").inner_text()
    assert re.fullmatch(r"PGD-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    return code


def test_whatsapp_received_yesterday_counts_from_yesterday(live_server, new_page):
    base, clock = live_server.url, live_server.clock
    calendar = OfficeCalendar()
    now = clock.now().astimezone(calendar.tz)
    received = (now - timedelta(days=1)).replace(hour=14, minute=30, second=0, microsecond=0)
    from_receipt = calendar.add_working_days(received, 7)
    from_entry = calendar.add_working_days(now, 7)
    assert from_receipt != from_entry  # otherwise the test could not tell them apart

    page = new_page()
    log_in(page, base, "petugas")
    page.goto(f"{base}/petugas/pengaduan/baru")
    screenshot(page, "wa-01-desk-form-desktop")
    code = _record(page, base, received.strftime("%Y-%m-%dT%H:%M"), "Denda buku yang sudah dikembalikan")

    # the card: received yesterday, entered today, the 7-working-day deadline from receipt
    assert page.get_by_test_id("received-at").inner_text() == _local(received, calendar)
    assert page.get_by_test_id("recorded-at").inner_text() == _local(now, calendar)
    deadline = page.get_by_test_id("sla-deadline").first.inner_text()
    assert deadline == _local(from_receipt, calendar), (deadline, _local(from_entry, calendar))
    assert page.get_by_test_id("reporter").inner_text().startswith("Yohanes Ading")
    screenshot(page, "wa-02-complaint-card-desktop")

    # the inbox row of the next step carries the same deadline
    page.goto(f"{base}/inbox")
    row = page.locator("li.task-row", has_text=code)
    assert row.is_visible()
    assert _local(from_receipt, calendar) in row.inner_text(), row.inner_text()
    assert "WhatsApp" in row.inner_text()
    screenshot(page, "wa-03-inbox-desktop")

    phone = new_page(phone=True)
    log_in(phone, base, "petugas")
    phone.goto(f"{base}/petugas/pengaduan/{code}")
    assert phone.get_by_test_id("sla-deadline").first.inner_text() == _local(from_receipt, calendar)
    screenshot(phone, "wa-04-complaint-card-phone")
    phone.goto(f"{base}/petugas/pengaduan/baru")
    screenshot(phone, "wa-05-desk-form-phone")
    phone.goto(f"{base}/inbox")
    assert phone.locator("li.task-row", has_text=code).is_visible()
    screenshot(phone, "wa-06-inbox-phone")
