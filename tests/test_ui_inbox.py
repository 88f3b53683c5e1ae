"""The officials' inbox and task pages through the Flask test client: flows and every refusal."""

from __future__ import annotations

from tests.ui_fixtures import *  # noqa: F403 - fixtures submit, task_rows
from tests.ui_fixtures import page_token, ready_id


def _verify_id(created, task_rows) -> int:
    return ready_id(task_rows(created["instance_id"]), "verifikasi_formulir")


def test_inbox_lists_ready_steps_with_timer_and_escaped_subject(client, login, submit, clock):
    submit(subject="Rak <script>alert(1)</script> kosong")
    login("petugas")
    clock.advance(minutes=8)  # 8 of the 10 standard minutes: amber
    html = client.get("/inbox").get_data(as_text=True)
    assert "Verifikasi Formulir Pengaduan" in html and "10 menit" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert 'data-elapsed="480.0"' in html and "0:08:00" in html and 'class="timer warning"' in html
    assert 'data-running="1"' in html


def test_task_page_shows_sop_and_readable_complaint_data(client, login, submit, task_rows):
    created = submit()
    login("petugas")
    html = client.get(f"/tasks/{_verify_id(created, task_rows)}").get_data(as_text=True)
    assert "Petunjuk SOP" in html and "Buku rekap pengelola pengaduan" in html  # documentation, output
    assert "Formulir; Buku Pengelola Pengaduan" in html  # Kelengkapan
    assert "Kotak pengaduan / kotak saran" in html and "13-03-2026 09:00 WIB" in html
    assert "Budi Santoso" in html  # the petugas may see the identity


def test_anonim_identity_is_masked_for_the_kasi(client, login, submit, task_rows):
    from engine.visibility import MASK

    created = submit(anonymity="anonim")
    login("petugas")
    task_id = _verify_id(created, task_rows)
    token = page_token(client, f"/tasks/{task_id}")
    client.post(
        f"/tasks/{task_id}", data={"csrf_token": token, "nomor_buku_pengaduan": "1", "lengkap": "true"}
    )
    client.post("/logout", data={"csrf_token": token})
    login("kasi")
    html = client.get(f"/tasks/{ready_id(task_rows(created['instance_id']), 'periksa_laporan')}").get_data(
        as_text=True
    )
    assert "Budi" not in html and "081234567890" not in html and MASK in html
    assert "Buku referensi hilang" in html  # the content stays visible to officials


def test_inbox_filters_and_fragment(client, login, submit, clock):
    submit()
    login("petugas")
    clock.advance(minutes=11)
    assert "Verifikasi Formulir" in client.get("/inbox?state=overdue").get_data(as_text=True)
    on_time = client.get("/inbox?state=on_time").get_data(as_text=True)
    assert "Verifikasi Formulir" not in on_time and "Tidak ada langkah yang menunggu" in on_time
    assert "Verifikasi Formulir" not in client.get("/inbox?process=sanggau_pengaduan").get_data(as_text=True)
    fragment = client.get("/inbox/fragment?role=petugas")
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "Verifikasi Formulir" in fragment.get_data(as_text=True)


def test_office_closed_stops_the_timer(client, login, submit, clock):
    submit()
    login("petugas")
    clock.advance(hours=9)  # Friday 18:00 WIB: the office closed at 16:00
    html = client.get("/inbox").get_data(as_text=True)
    assert 'data-running="0"' in html and "Di luar jam kantor" in html
    assert 'data-elapsed="25200.0"' in html  # 7 office hours (09:00–16:00)


def test_other_roles_get_403_page_without_data(client, login, submit, task_rows):
    created = submit(subject="Rahasia sekali")
    task_id = _verify_id(created, task_rows)
    login("auditor")
    assert client.get("/inbox").status_code == 403
    client.post("/logout", data={"csrf_token": page_token(client, "/")})
    login("kasi")
    page = client.get(f"/tasks/{task_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and "Rahasia sekali" not in html and "Budi" not in html
    assert "Verifikasi" not in client.get("/inbox").get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_claim_release_and_complete_flow(client, login, submit, task_rows):
    created = submit()
    task_id = _verify_id(created, task_rows)
    login("petugas")
    token = page_token(client, "/inbox")
    claimed = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token, "next": "/inbox"})
    assert claimed.status_code == 302 and claimed.headers["Location"].endswith("/inbox")
    assert task_rows(created["instance_id"])[1]["claimed_by"] == "petugas"
    html = client.get("/inbox").get_data(as_text=True)
    assert "Lepaskan" in html and '<strong data-count="held_by_me">1</strong>' in html
    client.post(f"/tasks/{task_id}/release", data={"csrf_token": token})
    assert task_rows(created["instance_id"])[1]["claimed_by"] is None

    done = client.post(
        f"/tasks/{task_id}",
        data={"csrf_token": token, "nomor_buku_pengaduan": "12/III/2026", "lengkap": "true"},
    )
    assert done.status_code == 302
    outcome = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Hasil" in outcome and "Periksa" in outcome and "Kepala Seksi Layanan" in outcome
    assert "Diselesaikan oleh" in client.get("/inbox").get_data(as_text=True)
    rows = task_rows(created["instance_id"])
    assert rows[1]["state"] == "completed"
    assert (rows[2]["bpmn_id"], rows[2]["role"], rows[2]["state"]) == ("periksa_laporan", "kasi", "ready")

    again = client.post(
        f"/tasks/{task_id}", data={"csrf_token": token, "nomor_buku_pengaduan": "13", "lengkap": "true"}
    )
    assert again.status_code == 409 and "sudah diselesaikan" in again.get_data(as_text=True)
    assert len(task_rows(created["instance_id"])) == 3  # nothing changed


def test_held_by_someone_else_refuses_with_409(client, app, login, submit, task_rows):
    from engine import runtime
    from engine.actors import Actor
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    created = submit()
    task_id = _verify_id(created, task_rows)
    with app.app_context():
        other = Actor("petugas2", frozenset({"petugas"}))
        runtime.claim_task(db.session, engine_context(), task_id, actor=other)
        db.session.remove()
    login("petugas")
    token = page_token(client, "/inbox")
    assert "petugas2" in client.get("/inbox").get_data(as_text=True)
    response = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token})
    assert response.status_code == 409 and "petugas2" in response.get_data(as_text=True)


def test_inline_errors_in_indonesian_keep_input(client, login, submit, task_rows):
    created = submit()
    task_id = _verify_id(created, task_rows)
    login("petugas")
    token = page_token(client, f"/tasks/{task_id}")
    response = client.post(
        f"/tasks/{task_id}", data={"csrf_token": token, "catatan_klarifikasi": "Sudah ditelepon <b>pagi</b>"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-nomor_buku_pengaduan-error">Wajib diisi.' in html
    assert 'id="f-kekurangan-error">Wajib diisi.' in html  # lengkap unchecked → kekurangan required
    assert "Sudah ditelepon &lt;b&gt;pagi&lt;/b&gt;</textarea>" in html
    assert task_rows(created["instance_id"])[1]["state"] == "ready"


def test_missing_csrf_token_is_400(client, login, submit, task_rows):
    created = submit()
    task_id = _verify_id(created, task_rows)
    login("petugas")
    assert client.post(f"/tasks/{task_id}/claim").status_code == 400
    response = client.post(f"/tasks/{task_id}", data={"nomor_buku_pengaduan": "1", "lengkap": "true"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert task_rows(created["instance_id"])[1]["state"] == "ready"


def test_body_over_limit_is_413(app, client, login, submit, task_rows):
    created = submit()
    task_id = _verify_id(created, task_rows)
    login("petugas")
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    token = page_token(client, f"/tasks/{task_id}")
    response = client.post(
        f"/tasks/{task_id}",
        data={
            "csrf_token": token,
            "catatan_klarifikasi": "x" * 20_000,
            "nomor_buku_pengaduan": "1",
            "lengkap": "true",
        },
    )
    assert response.status_code == 413 and "terlalu besar" in response.get_data(as_text=True)


def test_english_switch(client, login, submit):
    submit()
    login("kasi")
    assert "Inbox" in client.get("/inbox?lang=en").get_data(as_text=True)


def test_inbox_shows_the_most_urgent_page_and_pages_on(app, client, login, submit, clock):
    app.config["ALUR_INBOX_PAGE_SIZE"] = 2
    codes = []
    for minutes in (0, 1, 1):
        clock.advance(minutes=minutes)
        codes.append(submit()["tracking_code"])
    login("petugas")
    first = client.get("/inbox").get_data(as_text=True)
    assert codes[0] in first and codes[1] in first and codes[2] not in first
    assert "Langkah 1–2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert '<strong data-count="total">3</strong>' in first  # the counts cover every waiting step
    second = client.get("/inbox?page=2").get_data(as_text=True)
    assert codes[2] in second and codes[0] not in second and 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get("/inbox?page=abc").status_code == 200
    assert codes[2] in client.get("/inbox/fragment?page=2").get_data(as_text=True)


def test_counts_beyond_the_cap_read_more_than(app, client, login, submit):
    app.config["ALUR_INBOX_COUNT_CAP"] = 2
    for _ in range(3):
        submit()
    login("petugas")
    page = client.get("/inbox").get_data(as_text=True)
    assert '<strong data-count="total">&gt; 2</strong>' in page
    assert '<strong data-count="on_time">?</strong>' in page and '<strong data-count="held_by_me">0</strong>' in page
    app.config["ALUR_INBOX_COUNT_CAP"] = 5
    assert '<strong data-count="total">3</strong>' in client.get("/inbox").get_data(as_text=True)
