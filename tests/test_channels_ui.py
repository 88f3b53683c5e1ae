"""The petugas desk pages: intake form, complaint card, imports, search, duplicates, outbox."""

from __future__ import annotations

import io
import json
import re

from sqlalchemy import select

from engine import users
from engine.actors import SYSTEM_INIT
from engine.channels_models import Attachment, ComplaintIntake, DuplicateFlag, OutboxMessage
from engine.models import AuditEvent, HumanTask, ProcessInstance
from tests.channels_fixtures import CHANNEL_DATA, PNG, make_email
from tests.conftest import PROCESSES, csrf_token

FORM = {
    "process": "sanggau_pengaduan", "channel": "whatsapp", "received_at": "2026-03-12T14:30",
    "reporter.name": "Rina Wulandari", "reporter.phone": "0812-7777-8888", "reporter.address": "",
    "reporter.email": "", "anonymity": "anonim", "subject": "Wifi ruang baca tidak bisa dipakai",
    "description": "Sejak Senin wifi di ruang baca umum tidak dapat tersambung sama sekali.", "category": "fasilitas",
    "lapor_id": "",
}


def _post_intake(client, **changes):
    data = {**FORM, **changes, "csrf_token": csrf_token(client, "/petugas/pengaduan/baru")}
    files = data.pop("files", [])
    if files:
        data["attachments"] = files
    return client.post("/petugas/pengaduan/baru", data=data, content_type="multipart/form-data")


def _db(app):
    from tasks_ui.extensions import db

    return db.session


def test_intake_form_records_whatsapp_complaint_received_yesterday(app, client, login, tmp_path):
    app.config["ALUR_ATTACHMENT_DIR"] = str(tmp_path / "att")
    login("petugas")
    page = client.get("/petugas/pengaduan/baru")
    assert page.status_code == 200 and 'name="received_at"' in page.get_data(as_text=True)
    response = _post_intake(client, files=[(io.BytesIO(PNG), "tangkapan-wa.png")])
    assert response.status_code == 302, response.get_data(as_text=True)
    card = client.get(response.headers["Location"]).get_data(as_text=True)
    key = re.search(r'data-testid="reporter-key">([^<]+)<', card).group(1)
    assert "12-03-2026 14:30 WIB" in card and "13-03-2026 09:00 WIB" in card
    assert "30-03-2026 16:00 WIB" in card  # 7 working days from Thursday 12 March (holidays skipped)
    assert "tangkapan-wa.png" in card and "Rina Wulandari" in card  # the recording petugas sees the identity
    assert key not in client.get(response.headers["Location"]).get_data(as_text=True)  # shown once
    with app.app_context():
        session = _db(app)
        instance = session.scalars(select(ProcessInstance)).one()
        assert (instance.channel, instance.anonymity, instance.started_by) == ("whatsapp", "anonim", "petugas")
        attachment = session.scalars(select(Attachment)).one()
        assert (tmp_path / "att" / attachment.stored_name).read_bytes() == PNG
    with client.get(f"/petugas/lampiran/{attachment.id}") as download:
        assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"


def test_intake_errors_come_back_inline_and_nothing_is_saved(app, client, login):
    login("petugas")
    bad_file = _post_intake(client, files=[(io.BytesIO(b"MZ\x90\x00"), "program.exe")])
    assert bad_file.status_code == 422 and "bukan JPG, PNG, atau PDF" in bad_file.get_data(as_text=True)
    future = _post_intake(client, received_at="2026-03-14T09:00")
    assert future.status_code == 422 and "masa depan" in future.get_data(as_text=True)
    no_contact = _post_intake(client, **{"reporter.phone": ""})
    assert no_contact.status_code == 422 and "Isi nomor telepon atau alamat e-mail" in no_contact.get_data(as_text=True)
    assert 'value="Wifi ruang baca tidak bisa dipakai"' in no_contact.get_data(as_text=True)
    with app.app_context():
        assert _db(app).scalars(select(ProcessInstance)).all() == []


def test_only_petugas_reach_the_desk(client, login):
    login("kabid")
    assert client.get("/petugas/pengaduan/baru").status_code == 403
    assert client.get("/petugas/kotak-keluar").status_code == 403


def test_import_page_shows_a_result_per_row_and_is_idempotent(app, client, login):
    login("petugas")
    content = (CHANNEL_DATA / "lapor_export.csv").read_bytes()

    def upload():
        return client.post("/petugas/impor", content_type="multipart/form-data", data={
            "csrf_token": csrf_token(client, "/petugas/impor"), "kind": "lapor", "process": "muba_pengaduan",
            "file": (io.BytesIO(content), "lapor_export.csv")})

    first = upload().get_data(as_text=True)
    assert "3 dibuat, 0 sudah ada, 2 ditolak." in first and "baris 4" in first and "tanggal tidak dapat dibaca" in first
    second = upload().get_data(as_text=True)
    assert "0 dibuat, 3 sudah ada, 2 ditolak." in second
    mail = client.post("/petugas/impor", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/petugas/impor"), "kind": "email", "process": "muba_pengaduan",
        "file": (io.BytesIO(make_email()), "aduan.eml")}).get_data(as_text=True)
    assert "1 dibuat" in mail
    found = client.get("/petugas/cari?q=LAP-2026-0001").get_data(as_text=True)
    assert "LAP-2026-0001" in found and "Belum Terverifikasi" in found


def test_duplicates_page_merges_and_outbox_page_marks_delivery(app, client, login):
    login("petugas")
    assert _post_intake(client, anonymity="none").status_code == 302
    assert _post_intake(client, anonymity="none", received_at="2026-03-13T08:00").status_code == 302
    page = client.get("/petugas/duplikat").get_data(as_text=True)
    flag_id = re.search(r'data-flag-id="(\d+)"', page).group(1)
    assert "nomor telepon sama" in page
    token = csrf_token(client, "/petugas/duplikat")
    merged = client.post(f"/petugas/duplikat/{flag_id}/gabung", data={"csrf_token": token})
    assert merged.status_code == 302
    with app.app_context():
        session = _db(app)
        assert session.scalars(select(DuplicateFlag.state)).all() == ["merged"]
        merged_into = session.scalars(select(ComplaintIntake.merged_into).order_by(ComplaintIntake.instance_id))
        assert merged_into.all() == [None, 1]
        message_id = session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).first()
    outbox = client.get("/petugas/kotak-keluar").get_data(as_text=True)
    assert "SMTP belum diatur" in outbox and "tanpa e-mail: sampaikan manual" in outbox
    client.post(f"/petugas/kotak-keluar/{message_id}/manual",
                data={"csrf_token": csrf_token(client, "/petugas/kotak-keluar"), "note": "WhatsApp"})
    with app.app_context():
        assert _db(app).get(OutboxMessage, message_id).state == "delivered_by_hand"
        assert _db(app).scalars(select(AuditEvent.type).where(
            AuditEvent.type == "NOTIFICATION_DELIVERED_BY_HAND")).all() == ["NOTIFICATION_DELIVERED_BY_HAND"]


def test_complaint_card_masks_for_other_officials(app, client, login):
    login("petugas")
    location = _post_intake(client).headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/petugas/pengaduan/baru")})
    login("kasi")
    card = client.get(location).get_data(as_text=True)
    assert "Rina" not in card and "0812" not in card and "•••" in card and "Wifi ruang baca" in card
    with app.app_context():
        assert _db(app).scalars(select(HumanTask.role).where(HumanTask.state == "ready")).all() == ["petugas"]


def test_every_lane_role_of_the_role_data_reads_complaints(app, client, login, tmp_path):
    """Who reads a complaint comes from the role data: ``asesor`` (a lane role no hand list named) and a lane
    role just added to roles.json open the card and its attachment; a role that works no step does not."""
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    app.config["ALUR_ATTACHMENT_DIR"] = str(tmp_path / "att")
    login("petugas")
    location = _post_intake(client, anonymity="none", files=[(io.BytesIO(PNG), "tangkapan-wa.png")]).headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/petugas/pengaduan/baru")})
    roles = json.loads((PROCESSES / "roles.json").read_text(encoding="utf-8"))
    roles.append({"key": "penelaah", "name_id": "Penelaah Pengaduan", "name_en": "Complaint reviewer",
                  "is_lane": True})
    (tmp_path / "roles.json").write_text(json.dumps(roles), encoding="utf-8")
    with app.app_context():
        ctx = engine_context()
        users.load_roles(db.session, ctx, tmp_path / "roles.json")
        db.session.commit()
        for name, role in (("asesor1", "asesor"), ("penelaah1", "penelaah")):
            users.create_user(db.session, ctx, name, f"sandi-{name}-123", [role], actor=SYSTEM_INIT)
        attachment_id = _db(app).scalars(select(Attachment.id)).one()
        db.session.remove()
    for name, allowed in (("asesor1", True), ("penelaah1", True), ("process_owner", False), ("admin", False)):
        login(name, f"sandi-{name}-123")
        card = client.get(location)
        assert card.status_code == (200 if allowed else 403), name
        with client.get(f"/petugas/lampiran/{attachment_id}") as download:
            assert download.status_code == (200 if allowed else 403), name
            assert (download.data == PNG) is allowed
        assert ("Wifi ruang baca" in card.get_data(as_text=True)) is allowed
        client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
