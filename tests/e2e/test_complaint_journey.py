"""A complaint from the public form through the petugas's and the kasi's inboxes, in a real browser."""

from __future__ import annotations

import re

from tests.e2e.conftest import log_in, screenshot

#: The timer element of the inbox row of a tracking code (looked up afresh: the list is re-rendered by polls).
ROW_TIMER = (
    "code => [...document.querySelectorAll('li.task-row')]"
    ".find(li => li.textContent.includes(code))?.querySelector('.timer')"
)


def _submit_complaint(page, base: str, subject: str) -> str:
    page.goto(f"{base}/pengaduan")
    page.get_by_role("link", name=re.compile("Isi formulir.*Musi Banyuasin")).click()
    page.get_by_label("Nama", exact=False).first.fill("Siti Aminah")
    page.fill("#f-reporter-address", "Jl. Sudirman 5, Sekayu")
    page.fill("#f-reporter-phone", "0812 3456 789")
    page.get_by_label("Tidak", exact=True).check()
    page.fill("#f-subject", subject)
    page.fill("#f-description", "Pada Senin pagi ruang baca tutup padahal jadwal buka pukul 08.00.")
    page.select_option("#f-category", "fasilitas")
    page.get_by_role("button", name="Kirim pengaduan").click()
    code = page.locator("#tracking-code").inner_text()
    assert re.fullmatch(r"PGD-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert page.locator("#reporter-key").inner_text()
    return code


def test_public_form_to_petugas_to_kasi(live_server, new_page):
    base, clock = live_server.url, live_server.clock
    citizen = new_page()
    code = _submit_complaint(citizen, base, "Ruang baca <b>tutup</b> pada jam layanan")
    screenshot(citizen, "01-receipt-desktop")

    petugas = new_page()
    log_in(petugas, base, "petugas")
    petugas.goto(f"{base}/inbox")
    row = petugas.locator("li.task-row", has_text=code)
    timer = row.locator(".timer-clock")
    assert row.is_visible() and timer.is_visible()
    assert "Ruang baca <b>tutup</b>" in row.inner_text()  # shown as text, not markup
    first = timer.inner_text()
    petugas.wait_for_function(  # the browser ticks the office clock (the office is open: Fri 09:00 WIB)
        f"([code, before]) => ({ROW_TIMER})(code).textContent.trim() !== before.trim()",
        arg=[code, row.locator(".timer").inner_text()],
        timeout=5000,
    )
    assert first.startswith("0:00:0")
    clock.advance(minutes=8)  # 8 of 10 standard minutes: the poll brings amber
    petugas.wait_for_function(f"code => ({ROW_TIMER})(code).classList.contains('warning')", arg=code)
    assert timer.inner_text().startswith("0:08:")
    screenshot(petugas, "02-petugas-inbox-desktop")

    row.get_by_role("button", name=re.compile("Ambil")).click()
    row = petugas.locator("li.task-row", has_text=code)
    assert "petugas" in row.locator(".task-meta").inner_text()
    row.get_by_role("link", name=re.compile("Buka")).click()
    assert petugas.get_by_role("heading", name="Verifikasi Formulir Pengaduan").is_visible()
    assert "Siti Aminah" in petugas.locator("section.context").inner_text()  # the petugas sees the identity
    petugas.get_by_role("button", name="Selesaikan langkah").click()  # empty: inline errors
    assert petugas.locator("#f-nomor_buku_pengaduan-error").inner_text() == "Wajib diisi."
    screenshot(petugas, "03-task-errors-desktop")
    petugas.fill("#f-nomor_buku_pengaduan", "12/III/2026")
    petugas.get_by_label("Isian lengkap").check()
    petugas.get_by_role("button", name="Selesaikan langkah").click()
    outcome = petugas.locator("section.outcome")
    assert "Periksa" in outcome.inner_text() and "Kepala Seksi" in outcome.inner_text()
    screenshot(petugas, "04-task-outcome-desktop")

    kasi = new_page()
    log_in(kasi, base, "kasi")
    kasi.goto(f"{base}/inbox")
    kasi_row = kasi.locator("li.task-row", has_text=code)
    assert "Periksa" in kasi_row.inner_text() and kasi_row.locator(".timer").is_visible()
    screenshot(kasi, "05-kasi-inbox-desktop")

    citizen.goto(f"{base}/lacak/{code}")
    assert "Periksa" in citizen.locator("#stage").inner_text()
    assert "Siti" not in citizen.content()
    screenshot(citizen, "06-tracking-desktop")

    phone = new_page(phone=True)
    log_in(phone, base, "kasi")
    phone.goto(f"{base}/inbox")
    assert phone.locator("li.task-row", has_text=code).is_visible()
    screenshot(phone, "07-kasi-inbox-phone")
    phone.locator("li.task-row", has_text=code).get_by_role("link", name=re.compile("Buka")).click()
    screenshot(phone, "08-task-phone")
    public_phone = new_page(phone=True)
    public_phone.goto(f"{base}/pengaduan/muba_pengaduan")
    screenshot(public_phone, "09-intake-phone")
    public_phone.goto(f"{base}/lacak/{code}")
    screenshot(public_phone, "10-tracking-phone")
    scroll_width = public_phone.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the tracking page scrolls sideways on a phone ({scroll_width}px)"


def test_inbox_refreshes_when_someone_else_claims(live_server, new_page):
    from engine import runtime
    from engine.actors import Actor
    from engine.models import HumanTask
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    base = live_server.url
    code = _submit_complaint(new_page(), base, "Kursi ruang baca rusak dan berbahaya")
    page = new_page()
    log_in(page, base, "petugas")
    page.goto(f"{base}/inbox")
    row = page.locator("li.task-row", has_text=code)
    assert "—" in row.locator(".task-meta").inner_text()
    with live_server.app.app_context():
        task = db.session.query(HumanTask).filter_by(tracking_code=code, state="ready").one()
        runtime.claim_task(
            db.session, engine_context(), task.id, actor=Actor("petugas_lain", frozenset({"petugas"}))
        )
        db.session.remove()
    page.wait_for_function(
        "code => [...document.querySelectorAll('li.task-row')].some("
        "li => li.textContent.includes(code) && li.textContent.includes('petugas_lain'))",
        arg=code,
    )
    assert row.get_by_role("button", name=re.compile("Ambil")).count() == 0
