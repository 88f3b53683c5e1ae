"""The administrator's calendar page in a real browser, on a phone: add a day off, see it, remove it."""

from __future__ import annotations

from tests.e2e.conftest import log_in, screenshot


def test_admin_adds_and_removes_a_day_off_on_a_phone(live_server, new_page):
    base = live_server.url
    phone = new_page(phone=True)
    log_in(phone, base, "admin")
    phone.goto(f"{base}/admin/kalender?year=2026")
    assert phone.locator("tr[data-day='2026-03-20']").is_visible()  # cuti bersama Idul Fitri
    phone.fill("#f-day", "16-03-2026")
    phone.fill("#f-reason", "Hari jadi Kabupaten Musi Banyuasin")
    phone.get_by_role("button", name="Simpan pengecualian").click()
    assert "TTTT-BB-HH" in phone.locator("#f-day-error").inner_text()
    assert phone.input_value("#f-reason") == "Hari jadi Kabupaten Musi Banyuasin"
    screenshot(phone, "calendar-01-bad-date-phone")
    phone.fill("#f-day", "2026-03-16")
    phone.get_by_role("button", name="Simpan pengecualian").click()
    row = phone.locator("tr[data-day='2026-03-16']")
    assert "Hari jadi Kabupaten" in row.inner_text() and "Libur" in row.inner_text()
    screenshot(phone, "calendar-02-added-phone")
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the calendar page scrolls sideways on a phone ({scroll_width}px)"
    row.get_by_role("button", name="Hapus").click()
    assert phone.locator("tr[data-day='2026-03-16']").count() == 0
