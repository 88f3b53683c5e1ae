"""The petugas intake: every channel into the same flow, received time vs. entry time, attachments, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import channels
from engine.actors import Actor
from engine.attachments import attachment_path, attachments_of, check_file
from engine.channels_models import ComplaintIntake
from engine.errors import InvalidData, InvalidInput, NotYourRole
from engine.models import AuditEvent, HumanTask
from tests.channels_fixtures import INTAKE, JPEG, PDF, PETUGAS, PNG, attachment_root  # noqa: F401

CHANNELS = ("tatap_muka", "telepon", "whatsapp", "kotak_pengaduan", "email", "media_sosial")


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("process_key", ["muba_pengaduan", "sanggau_pengaduan"])
def test_each_channel_enters_the_same_flow(deployed, ctx, channel, process_key):
    sub = channels.record_complaint(deployed, ctx, process_key, {**INTAKE, "channel": channel}, actor=PETUGAS)
    intake = deployed.get(ComplaintIntake, sub.instance.id)
    assert (sub.instance.channel, intake.channel, intake.recorded_by) == (channel, channel, "petugas1")
    first_official_step = {"muba_pengaduan": "verifikasi_formulir", "sanggau_pengaduan": "catat_buku_pengaduan"}
    ready = deployed.scalars(select(HumanTask).where(HumanTask.instance_id == sub.instance.id,
                                                     HumanTask.state == "ready")).all()
    assert [r.bpmn_id for r in ready] == [first_official_step[process_key]]
    assert ready[0].channel == channel


def test_received_time_is_kept_apart_from_entry_time_and_drives_the_deadline(deployed, ctx, clock):
    sub = channels.record_complaint(deployed, ctx, "sanggau_pengaduan", INTAKE, actor=PETUGAS)
    intake = deployed.get(ComplaintIntake, sub.instance.id)
    assert intake.received_at.isoformat() == "2026-03-12T07:30:00+00:00"
    assert intake.recorded_at == clock.now()
    assert intake.recorded_at - intake.received_at == timedelta(hours=18, minutes=30)
    row = deployed.scalars(select(HumanTask).where(HumanTask.instance_id == sub.instance.id,
                                                   HumanTask.state == "ready")).one()
    # 7 working days after Thu 12 March (Idul Fitri holidays and cuti bersama 18-24 March skipped)
    expected = ctx.calendar.add_working_days(intake.received_at, 7)
    assert row.sla_due_at == expected
    other = {**INTAKE, "received_at": clock.now().isoformat(), "subject": "Lain hal sama sekali",
             "reporter": {"name": "X", "phone": "0899999999"}}
    later = channels.record_complaint(deployed, ctx, "sanggau_pengaduan", other, actor=PETUGAS)
    later_row = deployed.scalars(select(HumanTask).where(HumanTask.instance_id == later.instance.id,
                                                         HumanTask.state == "ready")).one()
    assert later_row.sla_due_at > row.sla_due_at


def test_received_time_in_the_future_is_refused(deployed, ctx, clock):
    future = (clock.now() + timedelta(hours=1)).isoformat()
    with pytest.raises(InvalidInput, match="masa depan"):
        channels.record_complaint(deployed, ctx, "muba_pengaduan", {**INTAKE, "received_at": future}, actor=PETUGAS)
    assert deployed.scalars(select(ComplaintIntake)).all() == []


def test_audit_shows_the_petugas_acting_for_the_reporter(deployed, ctx):
    sub = channels.record_complaint(deployed, ctx, "muba_pengaduan", INTAKE, actor=PETUGAS)
    events = deployed.scalars(select(AuditEvent).where(AuditEvent.instance_id == sub.instance.id)
                              .order_by(AuditEvent.seq)).all()
    by_type = {e.type: e for e in events}
    assert by_type["TASK_COMPLETED"].actor == "petugas1"
    assert by_type["TASK_COMPLETED"].payload["on_behalf_of"] == "pelapor"
    recorded = by_type["COMPLAINT_RECORDED"].payload
    assert recorded["on_behalf_of"] == "pelapor" and recorded["channel"] == "whatsapp"
    assert recorded["received_at"] == "2026-03-12T14:30:00+07:00"


def test_identity_as_given_fills_what_is_missing_but_still_needs_a_contact(deployed, ctx):
    sub = channels.record_complaint(deployed, ctx, "muba_pengaduan",
                                    {**INTAKE, "reporter": {"phone": "081200001111"}}, actor=PETUGAS)
    assert sub.tracking_code.startswith("PGD-")
    with pytest.raises(InvalidData) as error:
        channels.record_complaint(deployed, ctx, "muba_pengaduan", {**INTAKE, "reporter": {"name": "Tanpa Kontak"}},
                                  actor=PETUGAS)
    assert error.value.fields("id") == {"reporter": "Isi nomor telepon atau alamat e-mail."}


def test_only_a_petugas_records_for_a_reporter(deployed, ctx):
    with pytest.raises(NotYourRole):
        channels.record_complaint(deployed, ctx, "muba_pengaduan", INTAKE, actor=Actor("kasi1", frozenset({"kasi"})))


def test_unknown_channel_is_refused(deployed, ctx):
    with pytest.raises(InvalidInput):
        channels.record_complaint(deployed, ctx, "muba_pengaduan", {**INTAKE, "channel": "merpati"}, actor=PETUGAS)


def test_attachments_are_sniffed_size_checked_and_stored_outside_the_web_root(deployed, ctx, attachment_root):
    files = [check_file("formulir.jpg", JPEG), check_file("tangkapan.png", PNG), check_file("surat.pdf", PDF)]
    sub = channels.record_complaint(deployed, ctx, "muba_pengaduan", {**INTAKE, "channel": "kotak_pengaduan"},
                                    actor=PETUGAS, files=files, attachment_root=attachment_root)
    rows = attachments_of(deployed, sub.instance.id)
    assert [(r.filename, r.content_type) for r in rows] == [
        ("formulir.jpg", "image/jpeg"), ("tangkapan.png", "image/png"), ("surat.pdf", "application/pdf")]
    row, path = attachment_path(deployed, rows[1].id, attachment_root)
    assert path.read_bytes() == PNG and attachment_root.resolve() in path.parents


@pytest.mark.parametrize("name,content,reason", [
    ("foto.jpg", b"GIF89a" + b"\x00" * 20, "bukan JPG"),
    ("skrip.pdf", b"<script>alert(1)</script>", "bukan JPG"),
    ("besar.png", PNG + b"\x00" * (5 * 1024 * 1024), "terlalu besar"),
    ("kosong.png", b"", "kosong"),
])
def test_forbidden_or_oversized_attachments_are_refused(name, content, reason):
    with pytest.raises(InvalidInput, match=reason):
        check_file(name, content)


def test_a_failed_intake_leaves_nothing_behind(deployed, ctx, attachment_root):
    with pytest.raises(InvalidData):
        channels.record_complaint(deployed, ctx, "muba_pengaduan", {**INTAKE, "subject": "x"}, actor=PETUGAS,
                                  files=[check_file("a.png", PNG)], attachment_root=attachment_root)
    assert deployed.scalars(select(ComplaintIntake)).all() == []
    assert deployed.scalars(select(HumanTask)).all() == []


def test_lapor_tracking_id_is_stored_and_searchable(deployed, ctx):
    sub = channels.record_complaint(deployed, ctx, "muba_pengaduan", {**INTAKE, "channel": "sp4n_lapor"},
                                    actor=PETUGAS, intake={"lapor_id": "LAP-77", "lapor_category": "Fasilitas"})
    [(instance, intake)] = channels.find_complaints(deployed, lapor_id="LAP-77")
    assert instance.id == sub.instance.id and intake.lapor_category == "Fasilitas"
    assert [i.id for i, _ in channels.find_complaints(deployed, query="lap-77".upper())] == [sub.instance.id]
    assert [i.id for i, _ in channels.find_complaints(deployed, query="wifi")] == [sub.instance.id]
    with pytest.raises(InvalidInput, match="sudah tercatat"):
        channels.record_complaint(deployed, ctx, "muba_pengaduan", {**INTAKE, "channel": "sp4n_lapor"},
                                  actor=PETUGAS, intake={"lapor_id": "LAP-77"})


def test_public_submission_also_gets_an_intake_record(deployed, ctx):
    from engine import runtime

    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", {**INTAKE, "channel": "website"})
    intake = deployed.get(ComplaintIntake, sub.instance.id)
    assert intake.recorded_by == f"pelapor:{sub.tracking_code}" and intake.reporter_phone == "081277778888"
