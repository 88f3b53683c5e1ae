"""Public intake and tracking pages (no login) through the Flask test client."""

from __future__ import annotations

import io
import re

from tests.conftest import deploy_shipped
from tests.ui_fixtures import *  # noqa: F403 - fixtures submit, task_rows
from tests.ui_fixtures import page_token, ready_id

INTAKE = {
    "reporter.name": "Siti Aminah",
    "reporter.address": "Jl. Sudirman 5, Sekayu",
    "reporter.phone": "0812 3456 789",
    "anonymity": "none",
    "subject": "Ruang baca <b>tutup</b> pada jam layanan",
    "description": "Pada Senin pagi ruang baca tutup padahal jadwal buka pukul 08.00.",
    "category": "fasilitas",
}


def _receipt(client, **changes):
    token = page_token(client, "/pengaduan/muba_pengaduan")
    response = client.post("/pengaduan/muba_pengaduan", data={**INTAKE, **changes, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 201, html
    code = re.search(r'id="tracking-code">([^<]+)<', html).group(1)
    key = re.search(r'id="reporter-key">([^<]+)<', html).group(1)
    return code, key, response


def test_choose_office_lists_complaint_processes_only(client):
    html = client.get("/pengaduan").get_data(as_text=True)
    assert "/pengaduan/muba_pengaduan" in html and "/pengaduan/sanggau_pengaduan" in html
    assert "muba_rekap_bulanan" not in html
    assert client.get("/pengaduan/muba_rekap_bulanan").status_code == 404
    assert client.get("/pengaduan/tidak_ada").status_code == 404


def test_intake_form_is_rendered_from_the_schema_without_server_fields(client):
    html = client.get("/pengaduan/muba_pengaduan").get_data(as_text=True)
    assert (
        'name="reporter.name"' in html
        and 'name="subject"' in html
        and 'type="radio" name="anonymity"' in html
    )
    assert "<legend>Identitas pengadu" in html and 'type="file"' in html and "multipart/form-data" in html
    assert 'name="received_at"' not in html and 'name="channel"' not in html
    assert '<label for="f-subject">Objek pengaduan' in html


def test_submit_gives_receipt_then_status_without_identity(client, app, login, task_rows, clock):
    code, key, response = _receipt(client)
    assert response.headers["Cache-Control"] == "no-store" and "Simpan kunci ini" in response.get_data(
        as_text=True
    )
    status = client.get(f"/lacak/{code}")
    html = status.get_data(as_text=True)
    assert status.status_code == 200 and "Verifikasi Formulir" in html
    assert "Ruang baca &lt;b&gt;tutup&lt;/b&gt;" in html  # escaped, not markup
    assert "Siti" not in html and "Sudirman" not in html and "0812" not in html and key not in html
    assert client.get(f"/lacak?code={code.lower()}").headers["Location"].endswith(f"/lacak/{code}")
    login("petugas")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert code in inbox and "Ruang baca &lt;b&gt;tutup&lt;/b&gt;" in inbox
    assert "Website" in inbox  # the channel as a word


def test_rahasia_hides_content_from_the_public(client):
    code, key, _ = _receipt(client, anonymity="rahasia")
    html = client.get(f"/lacak/{code}").get_data(as_text=True)
    assert "Ruang baca" not in html and "Dirahasiakan" in html
    token = page_token(client, f"/lacak/{code}")
    with_key = client.post(f"/lacak/{code}", data={"csrf_token": token, "reporter_key": key})
    assert "Ruang baca" in with_key.get_data(as_text=True)  # the reporter sees their own complaint


def test_intake_errors_are_inline_in_indonesian_and_keep_input(client):
    token = page_token(client, "/pengaduan/muba_pengaduan")
    data = {**INTAKE, "reporter.phone": "", "subject": "abc", "csrf_token": token}
    response = client.post("/pengaduan/muba_pengaduan", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-subject-error">Minimal 5 karakter.' in html and 'value="abc"' in html
    assert "Isi nomor telepon atau alamat e-mail." in html and 'value="Siti Aminah"' in html


def test_unknown_tracking_code_is_404_revealing_nothing(client):
    response = client.get("/lacak/PGD-ZZZZ-ZZZZ")
    assert response.status_code == 404 and "PGD-ZZZZ" not in response.get_data(as_text=True)
    token = page_token(client, "/lacak")
    assert (
        client.post("/lacak/PGD-ZZZZ-ZZZZ", data={"csrf_token": token, "reporter_key": "x"}).status_code
        == 404
    )


def test_wrong_reporter_key_is_refused(client):
    code, key, _ = _receipt(client)
    token = page_token(client, f"/lacak/{code}")
    response = client.post(f"/lacak/{code}", data={"csrf_token": token, "reporter_key": key + "x"})
    assert response.status_code == 403 and "tidak cocok" in response.get_data(as_text=True)


def test_reporter_supplies_what_is_missing(client, app, login, task_rows):
    code, key, _ = _receipt(client)
    with app.app_context():
        from engine import runtime
        from tasks_ui.extensions import db

        instance_id = runtime.find_by_tracking_code(db.session, code).id
        db.session.remove()
    login("petugas")
    task_id = ready_id(task_rows(instance_id), "verifikasi_formulir")
    token = page_token(client, f"/tasks/{task_id}")
    client.post(
        f"/tasks/{task_id}",
        data={"csrf_token": token, "nomor_buku_pengaduan": "7", "kekurangan": "Sebutkan tanggal kejadian."},
    )
    client.post("/logout", data={"csrf_token": token})

    opened = client.post("/lacak", data={"csrf_token": token, "code": code, "reporter_key": key})
    html = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "Sebutkan tanggal kejadian." in html and 'name="tambahan"' in html
    empty = client.post(
        f"/lacak/{code}", data={"csrf_token": token, "reporter_key": key, "action": "respond"}
    )
    assert empty.status_code == 422 and 'id="f-tambahan-error">Wajib diisi.' in empty.get_data(as_text=True)
    done = client.post(
        f"/lacak/{code}",
        data={
            "csrf_token": token,
            "reporter_key": key,
            "action": "respond",
            "tambahan": "Senin, 9 Maret 2026.",
        },
    )
    assert done.status_code == 200 and "sudah diterima" in done.get_data(as_text=True)
    assert [r["state"] for r in task_rows(instance_id)][-1] == "ready"
    assert task_rows(instance_id)[2]["completed_by"] == f"pelapor:{code}"


def test_upload_is_stored_outside_static_and_checked(client, app, tmp_path):
    app.config["ALUR_UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    token = page_token(client, "/pengaduan/muba_pengaduan")
    bad = client.post(
        "/pengaduan/muba_pengaduan",
        content_type="multipart/form-data",
        data={**INTAKE, "csrf_token": token, "attachments": (io.BytesIO(b"MZ\x90\x00binary"), "virus.exe")},
    )
    assert bad.status_code == 422 and "Jenis berkas tidak diizinkan" in bad.get_data(as_text=True)
    good = client.post(
        "/pengaduan/muba_pengaduan",
        content_type="multipart/form-data",
        data={**INTAKE, "csrf_token": token, "attachments": (io.BytesIO(b"%PDF-1.4 bukti"), "bukti.pdf")},
    )
    assert good.status_code == 201
    stored = list((tmp_path / "uploads").glob("*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == b"%PDF-1.4 bukti"


def test_public_posts_need_csrf(client):
    assert client.post("/pengaduan/muba_pengaduan", data=INTAKE).status_code == 400
    assert client.post("/lacak", data={"code": "PGD-AAAA-AAAA"}).status_code == 400


def test_intake_is_rate_limited(db_url, clock):
    from engine.db import create_schema
    from tasks_ui import create_app
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": db_url,
            "SECRET_KEY": "k",
            "ALUR_CLOCK": clock,
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": True,
            "ALUR_PUBLIC_POST_LIMIT": "2/minute",
        }
    )
    with app.app_context():
        create_schema(db.engine)
        deploy_shipped(db.session, engine_context())
        db.session.remove()
    client = app.test_client()
    token = page_token(client, "/lacak")
    statuses = [
        client.post("/lacak", data={"csrf_token": token, "code": "PGD-AAAA-AAAA"}).status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    with app.app_context():
        db.engine.dispose()
