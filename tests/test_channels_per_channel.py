"""Each door, end to end through the app: walk-in, telephone, WhatsApp, complaint box, e-mail, social media,
website and SP4N-LAPOR! recorded at the petugas desk; the website through the public form; e-mail and
LAPOR! through their imports. Every one lands in the same flow, with its channel shown as a word, its
receipt time kept and the first official step waiting in the petugas inbox."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from engine.channels_models import ComplaintIntake
from engine.models import HumanTask, ProcessInstance
from tests.channels_fixtures import CHANNEL_DATA, make_email
from tests.conftest import csrf_token

LABELS = {"tatap_muka": "Tatap muka", "telepon": "Telepon", "whatsapp": "WhatsApp",
          "kotak_pengaduan": "Kotak pengaduan / kotak saran", "email": "E-mail", "media_sosial": "Media sosial",
          "website": "Website", "sp4n_lapor": "SP4N-LAPOR!"}


def _db():
    from tasks_ui.extensions import db

    return db.session


def test_every_channel_through_the_desk_form(app, client, login):
    login("petugas")
    codes = {}
    for n, (channel, label) in enumerate(LABELS.items()):
        form = {
            "process": "sanggau_pengaduan" if n % 2 else "muba_pengaduan", "channel": channel,
            "received_at": f"2026-03-1{n % 3}T1{n}:05", "reporter.name": f"Pelapor {channel}",
            "reporter.phone": f"0812-0000-00{n:02d}", "reporter.address": "", "reporter.email": "",
            "anonymity": "none", "subject": f"Aduan lewat {label} nomor {n}",
            "description": f"Uraian aduan yang diterima melalui {label}, cukup panjang.", "category": "",
            "lapor_id": f"LAP-2026-{n:04d}" if channel == "sp4n_lapor" else "",
            "csrf_token": csrf_token(client, "/petugas/pengaduan/baru"),
        }
        response = client.post("/petugas/pengaduan/baru", data=form, content_type="multipart/form-data")
        assert response.status_code == 302, (channel, response.get_data(as_text=True)[-500:])
        card = client.get(response.headers["Location"]).get_data(as_text=True)
        code = re.search(r'data-testid="tracking-code">([^<]+)<', card).group(1)
        assert f"<dd>{label}</dd>" in card, channel
        day, hour = f"1{n % 3}-03-2026", f"1{n}:05"
        assert re.search(rf'data-testid="received-at">{day} {hour} WIB<', card), channel
        codes[channel] = code
    inbox = client.get("/inbox").get_data(as_text=True)
    for channel, code in codes.items():
        assert code in inbox, channel
    with app.app_context():
        session = _db()
        for channel, code in codes.items():
            instance = session.scalars(select(ProcessInstance).where(ProcessInstance.tracking_code == code)).one()
            intake = session.get(ComplaintIntake, instance.id)
            assert (instance.channel, intake.channel, intake.recorded_by) == (channel, channel, "petugas")
            assert (intake.lapor_id is not None) == (channel == "sp4n_lapor")
            ready = session.scalars(select(HumanTask.bpmn_id).where(HumanTask.instance_id == instance.id,
                                                                    HumanTask.state == "ready")).all()
            assert ready == [{"muba_pengaduan": "verifikasi_formulir",
                              "sanggau_pengaduan": "catat_buku_pengaduan"}[instance.process_key]]
    found = client.get("/petugas/cari?lapor_id=LAP-2026-0007").get_data(as_text=True)
    assert codes["sp4n_lapor"] in found and "SP4N-LAPOR!" in found


def test_website_email_and_lapor_arrive_without_typing(app, client, login):
    """The reporter's own web form, an .eml and a LAPOR! export: the same flow, channel recorded."""
    page = client.get("/pengaduan/muba_pengaduan")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    sent = client.post("/pengaduan/muba_pengaduan", data={
        "csrf_token": token, "reporter.name": "Warga Web", "reporter.address": "Jl. Web 1",
        "reporter.phone": "0812-1111-2222", "anonymity": "none", "subject": "Katalog daring tidak bisa dibuka",
        "description": "Halaman katalog daring selalu galat sejak kemarin sore."}, content_type="multipart/form-data")
    assert sent.status_code == 201, sent.get_data(as_text=True)[-500:]
    login("petugas")
    for kind, name, content in (("email", "aduan.eml", make_email()),
                                ("lapor", "lapor_export.csv", (CHANNEL_DATA / "lapor_export.csv").read_bytes())):
        result = client.post("/petugas/impor", content_type="multipart/form-data", data={
            "csrf_token": csrf_token(client, "/petugas/impor"), "kind": kind, "process": "sanggau_pengaduan",
            "file": (io.BytesIO(content), name)}).get_data(as_text=True)
        assert " dibuat" in result and not result.count("0 dibuat,"), (kind, result[-800:])
    with app.app_context():
        rows = _db().execute(select(ComplaintIntake.channel, ComplaintIntake.source_kind,
                                    ComplaintIntake.recorded_by)).all()
    assert {c for c, _k, _r in rows} == {"website", "email", "sp4n_lapor"}
    assert {k for c, k, _r in rows if c == "website"} == {"form"}
    assert {k for c, k, _r in rows if c == "email"} == {"email"}
    assert {k for c, k, _r in rows if c == "sp4n_lapor"} == {"lapor"}
