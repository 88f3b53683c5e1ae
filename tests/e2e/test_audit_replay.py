"""The auditor finds a complaint, reads its timeline and replays it on the diagram, in a real browser."""

from __future__ import annotations

from tests.audit_ui_fixtures import work_complaint
from tests.e2e.conftest import log_in, screenshot

COMPLETED = ".djs-element.alur-completed"
ACTIVE = ".djs-element.alur-active"


def _worked(live_server) -> dict:
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with live_server.app.app_context():
        result = work_complaint(db.session, engine_context(), live_server.clock)
        db.session.remove()
    return result


def _counts(page) -> tuple[int, int]:
    return page.locator(COMPLETED).count(), page.locator(ACTIVE).count()


def test_auditor_replays_a_complaint_on_the_diagram(live_server, new_page):
    base = live_server.url
    worked = _worked(live_server)
    page = new_page()
    log_in(page, base, "auditor")
    page.get_by_role("link", name="Audit").click()
    page.get_by_role("button", name="Periksa rantai sekarang").click()
    # the check runs in the background; the page follows it and shows the recorded outcome
    page.wait_for_function("document.querySelector('#chain-status').innerText.includes('Utuh')")
    page.fill("#f-kode", worked["tracking_code"])
    page.get_by_role("button", name="Cari", exact=True).click()
    screenshot(page, "audit-01-home-search-desktop")
    page.locator("#results a").first.click()
    assert page.locator("#timeline li.ev").count() >= 8
    assert "melebihi standar" in page.locator("tr[data-step=verifikasi_formulir]").inner_text()
    screenshot(page, "audit-02-timeline-desktop")

    page.get_by_role("link", name="Putar ulang pada diagram").click()
    page.wait_for_selector("body[data-replay-ready='1']")
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays
    last = _counts(page)
    assert last[1] == 1 and last[0] >= 3  # beri_solusi active; start, isi, verifikasi, periksa … done
    assert "Beri Solusi" in page.locator("#replay-event").inner_text() or "beri_solusi" in page.content()
    screenshot(page, "audit-03-replay-end-desktop")

    slider = page.locator("#replay-slider")
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function("document.body.dataset.replayIndex === '0'")
    first = _counts(page)
    assert first[1] == 0 and first[0] < last[0]
    assert "Instans dimulai" in page.locator("#replay-event").inner_text()
    assert page.locator("#replay-prev").is_disabled()
    screenshot(page, "audit-04-replay-start-desktop")

    page.get_by_role("button", name="Berikutnya ▶").click()
    page.wait_for_function("document.body.dataset.replayIndex === '1'")
    assert _counts(page)[1] == 1  # the reporter's form became active
    for _ in range(3):
        page.get_by_role("button", name="Berikutnya ▶").click()
    page.wait_for_function("document.body.dataset.replayIndex === '4'")
    middle = _counts(page)
    assert first[0] < middle[0] < last[0] and middle[1] == 1  # start, form done; verification active
    assert "•••" in page.locator("#replay-data").inner_text()  # anonim: the identity stays masked
    screenshot(page, "audit-05-replay-middle-desktop")

    page.get_by_role("button", name="Jalankan bukti eksekusi ulang").click()
    page.wait_for_selector("body[data-proof]")
    assert page.evaluate("document.body.dataset.proof") == "reproduced"
    assert "Terbukti" in page.locator("#proof-result").inner_text()
    screenshot(page, "audit-06-replay-proof-desktop")

    phone = new_page(phone=True)
    log_in(phone, base, "auditor")
    phone.goto(f"{base}/audit/instans/{worked['instance_id']}/putar-ulang")
    phone.wait_for_selector("body[data-replay-ready='1']")
    assert phone.locator("#replay-next").is_visible() and phone.locator("#replay-slider").is_visible()
    screenshot(phone, "audit-07-replay-phone")
    phone.goto(f"{base}/audit/instans/{worked['instance_id']}")
    screenshot(phone, "audit-08-timeline-phone")


def test_altered_input_shows_the_divergence(live_server, new_page):
    from sqlalchemy import text

    from engine.db import create_schema
    from tasks_ui.extensions import db

    base = live_server.url
    worked = _worked(live_server)
    tamper = ("UPDATE audit_event SET payload = json_set(payload, '$.input.hasil_pemeriksaan', :value) "
              "WHERE instance_id = :id AND type = 'TASK_COMPLETED' AND bpmn_id = 'periksa_laporan'")
    with live_server.app.app_context():
        db.session.execute(text("DROP TRIGGER audit_event_no_update"))
        db.session.execute(text(tamper), {"value": "tidak_benar", "id": worked["instance_id"]})
        db.session.commit()
    try:
        page = new_page()
        log_in(page, base, "auditor")
        page.goto(f"{base}/audit/instans/{worked['instance_id']}/putar-ulang")
        page.wait_for_selector("body[data-replay-ready='1']")
        assert "tidak dapat direproduksi" in page.locator("p.note").inner_text()
        page.get_by_role("button", name="Jalankan bukti eksekusi ulang").click()
        page.wait_for_selector("body[data-proof]")
        assert page.evaluate("document.body.dataset.proof") == "diverged"
        result = page.locator("#proof-result").inner_text()
        assert "BERBEDA pada kejadian nomor" in result
        assert "data sesudah langkah berbeda pada hasil_pemeriksaan" in result  # the reason in Indonesian
        assert "Tercatat" in result and "Hasil eksekusi ulang" in result
        assert page.locator("table.proof-diff tbody tr").count() == 1  # only the field that differs
        assert "tidak_benar" in result and "benar" in result
        assert "Periksa Kebenaran Laporan" in page.locator("#replay-event").inner_text()  # moved to that event
        screenshot(page, "audit-09-replay-divergence-desktop")
    finally:  # put the log back as it was, so the chain verifies for the other browser tests
        with live_server.app.app_context():
            db.session.execute(text(tamper), {"value": "benar", "id": worked["instance_id"]})
            db.session.commit()
            create_schema(db.engine)


def test_replay_of_a_migrated_complaint_switches_the_diagram(live_server, new_page):
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context
    from tests.audit_ui_fixtures import migrate_complaint

    with live_server.app.app_context():
        moved = migrate_complaint(db.session, engine_context(), live_server.clock)
        db.session.remove()
    page = new_page()
    log_in(page, live_server.url, "auditor")
    page.goto(f"{live_server.url}/audit/instans/{moved['instance_id']}/putar-ulang")
    page.wait_for_selector("body[data-replay-ready='1']")
    lane = page.locator("[data-element-id=Lane_kabid]")
    assert page.evaluate("document.body.dataset.replayVersion") == "2"
    assert "kepala_dinas" in lane.text_content() and "Versi 2" in page.locator("#replay-version").inner_text()
    assert _counts(page)[1] == 1  # periksa_laporan active on v2
    screenshot(page, "audit-10-replay-migrated-v2-desktop")

    page.locator("#replay-slider").focus()
    page.keyboard.press("Home")
    page.wait_for_function("document.body.dataset.replayIndex === '0'")
    assert page.evaluate("document.body.dataset.replayVersion") == "1"
    assert "kabid" in lane.text_content() and "Versi 1" in page.locator("#replay-version").inner_text()
    screenshot(page, "audit-11-replay-migrated-v1-desktop")

    while "dipindah versi" not in page.locator("#replay-event").inner_text():
        index = page.evaluate("document.body.dataset.replayIndex")
        page.get_by_role("button", name="Berikutnya ▶").click()
        page.wait_for_function(f"document.body.dataset.replayIndex !== '{index}'")
    assert page.evaluate("document.body.dataset.replayVersion") == "2"  # the migration event is on v2
    assert _counts(page)[1] == 1  # verification still active, now on v2's diagram
    page.get_by_role("button", name="Jalankan bukti eksekusi ulang").click()
    page.wait_for_selector("body[data-proof]")
    assert page.evaluate("document.body.dataset.proof") == "reproduced"
    screenshot(page, "audit-12-replay-migrated-proof-desktop")


def test_chain_check_progress_is_followed_until_the_outcome(live_server, new_page):
    from engine.actors import Actor
    from engine.chain_checks import request_check, run_check
    from engine.db import make_session_factory
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    app = live_server.app
    with app.app_context():  # another worker took the request and has not started yet
        check_id = request_check(db.session, engine_context(), actor=Actor("ombudsman", frozenset({"auditor"})))[0].id
        db.session.remove()
    page = new_page()
    log_in(page, live_server.url, "auditor")
    page.goto(f"{live_server.url}/audit/")
    assert "ombudsman" in page.locator("#chain-job").inner_text()
    assert page.locator("#chain-progress").is_visible()
    screenshot(page, "audit-13-chain-check-under-way-desktop")
    with app.app_context():
        done = run_check(make_session_factory(db.engine), engine_context(), check_id)
        db.session.remove()
    # the page polls, sees the check ended and reloads with the outcome recorded by the ombudsman
    page.wait_for_selector("#chain-job", state="detached")
    assert "Utuh" in page.locator("#chain-status").inner_text()
    assert "ombudsman" in page.locator("#chain-checked-at").inner_text()
    assert str(done.checked) in page.locator("#chain-checked").inner_text()
    screenshot(page, "audit-14-chain-check-done-desktop")
