"""E-mail and SP4N-LAPOR! imports: one complaint per item, idempotent, malformed items reported per row."""

from __future__ import annotations

from sqlalchemy import func, select

from engine import email_import, lapor
from engine.actors import Actor
from engine.attachments import attachments_of
from engine.channels_models import ComplaintIntake
from engine.imports import import_items
from engine.models import ProcessInstance
from tests.channels_fixtures import CHANNEL_DATA, PDF, PETUGAS, PNG, make_email, write_mbox

SYSTEM_IMPORT = Actor("system:import", frozenset(), "system")


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(ProcessInstance))


def test_email_folder_imports_once_and_reports_malformed_messages(deployed, ctx, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "1.eml").write_bytes(make_email("<a1@example.id>", attachments=[("bukti.png", PNG, "png"),
                                                                             ("virus.exe", b"MZ\x90", "octet-stream")]))
    (folder / "2.eml").write_bytes(make_email("<a2@example.id>", sender=None))
    (folder / "3.eml").write_bytes(make_email("<a3@example.id>", date=None))
    (folder / "4.eml").write_bytes(make_email("<a4@example.id>", body="ok"))
    no_message_id = make_email(None, subject="Hi", body="Tidak ada Message-ID tetapi isi cukup panjang.")
    (folder / "5.eml").write_bytes(no_message_id)
    seen = []
    report = import_items(deployed, ctx, email_import.parse_path(folder), process_key="muba_pengaduan",
                          actor=PETUGAS, attachment_root=tmp_path / "att",
                          progress=lambda done, total, row: seen.append((done, total, row.status)))
    assert [(r.label, r.status) for r in report.rows] == [
        ("1.eml", "created"), ("2.eml", "error"), ("3.eml", "error"), ("4.eml", "error"), ("5.eml", "created")]
    assert "From" in report.rows[1].reason and "Date" in report.rows[2].reason and "kosong" in report.rows[3].reason
    assert "virus.exe" in report.rows[0].reason
    assert seen == [(1, 5, "created"), (2, 5, "error"), (3, 5, "error"), (4, 5, "error"), (5, 5, "created")]
    first = deployed.scalars(select(ComplaintIntake).where(ComplaintIntake.source_key == "<a1@example.id>")).one()
    instance = deployed.get(ProcessInstance, first.instance_id)
    assert instance.channel == "email" and instance.received_at.isoformat() == "2026-03-12T01:00:00+00:00"
    assert first.reporter_email == "ahmad@example.id"
    assert [a.filename for a in attachments_of(deployed, first.instance_id)] == ["bukti.png"]
    fifth = deployed.scalars(select(ComplaintIntake).where(ComplaintIntake.instance_id != first.instance_id)).one()
    assert fifth.source_key.startswith("sha256:")
    assert deployed.get(ProcessInstance, fifth.instance_id).subject == "Pengaduan melalui e-mail: Hi"

    again = import_items(deployed, ctx, email_import.parse_path(folder), process_key="muba_pengaduan", actor=PETUGAS)
    assert again.counts == {"created": 0, "skipped": 2, "error": 3}
    assert _count(deployed) == 2


def test_mbox_imports_each_message_once(deployed, ctx, tmp_path):
    box = write_mbox(tmp_path / "pengaduan.mbox", [
        make_email("<m1@example.id>"), make_email("<m2@example.id>", subject="Ruang baca kotor",
                                                  body="Ruang baca lantai satu kotor dan berbau."),
        make_email("<m1@example.id>")])
    report = import_items(deployed, ctx, email_import.parse_path(box), process_key="sanggau_pengaduan",
                          actor=SYSTEM_IMPORT)
    assert [r.status for r in report.rows] == ["created", "created", "skipped"]
    assert report.rows[0].label == "pesan 1 (pengaduan.mbox)"
    again = import_items(deployed, ctx, email_import.parse_path(box), process_key="sanggau_pengaduan",
                         actor=SYSTEM_IMPORT)
    assert again.counts == {"created": 0, "skipped": 3, "error": 0}
    assert _count(deployed) == 2


def test_email_pdf_attachment_is_kept(deployed, ctx, tmp_path):
    path = tmp_path / "surat.eml"
    path.write_bytes(make_email("<pdf@example.id>", attachments=[("surat.pdf", PDF, "pdf")]))
    report = import_items(deployed, ctx, email_import.parse_path(path), process_key="muba_pengaduan",
                          actor=PETUGAS, attachment_root=tmp_path / "att")
    [row] = report.rows
    instance = deployed.scalars(select(ProcessInstance).where(ProcessInstance.tracking_code == row.tracking_code)).one()
    assert [(a.filename, a.content_type) for a in attachments_of(deployed, instance.id)] == [
        ("surat.pdf", "application/pdf")]


def test_lapor_csv_imports_valid_rows_reports_bad_rows_and_is_idempotent(deployed, ctx):
    content = (CHANNEL_DATA / "lapor_export.csv").read_bytes()
    items = lapor.parse_export("lapor_export.csv", content, ctx.calendar.tz)
    report = import_items(deployed, ctx, items, process_key="sanggau_pengaduan", actor=PETUGAS)
    assert [(r.label, r.status) for r in report.rows] == [
        ("baris 2", "created"), ("baris 3", "created"), ("baris 4", "error"), ("baris 5", "error"),
        ("baris 6", "created")]
    assert "tanggal" in report.rows[2].reason and "judul" in report.rows[3].reason
    intake = deployed.scalars(select(ComplaintIntake).where(ComplaintIntake.lapor_id == "LAP-2026-0001")).one()
    instance = deployed.get(ProcessInstance, intake.instance_id)
    # the time LAPOR! forwarded it to the office is the time received
    assert instance.received_at.isoformat() == "2026-03-10T02:00:00+00:00"
    assert (instance.channel, intake.lapor_category, intake.source_kind) == (
        "sp4n_lapor", "Perpustakaan dan Kearsipan", "lapor")
    anonymous = deployed.scalars(select(ComplaintIntake).where(ComplaintIntake.lapor_id == "LAP-2026-0002")).one()
    assert deployed.get(ProcessInstance, anonymous.instance_id).anonymity == "anonim"
    confidential = deployed.scalars(select(ComplaintIntake).where(ComplaintIntake.lapor_id == "LAP-2026-0005")).one()
    assert deployed.get(ProcessInstance, confidential.instance_id).anonymity == "rahasia"

    again = import_items(deployed, ctx, lapor.parse_export("x.csv", content, ctx.calendar.tz),
                         process_key="sanggau_pengaduan", actor=PETUGAS)
    assert again.counts == {"created": 0, "skipped": 3, "error": 2}
    assert _count(deployed) == 3


def test_lapor_json_export(deployed, ctx):
    content = (CHANNEL_DATA / "lapor_export.json").read_bytes()
    report = import_items(deployed, ctx, lapor.parse_export("e.json", content, ctx.calendar.tz),
                          process_key="muba_pengaduan", actor=PETUGAS)
    assert [r.status for r in report.rows] == ["created", "error", "error"]
    assert "masa depan" in report.rows[1].reason and "objek" in report.rows[2].reason
    intake = deployed.scalars(select(ComplaintIntake).where(ComplaintIntake.lapor_id == "LAP-2026-0101")).one()
    assert intake.source_key == "LAP-2026-0101"


def test_lapor_csv_with_semicolons_and_a_missing_required_column(ctx):
    import pytest

    from engine.errors import InvalidInput

    text = "lapor_id;tanggal_laporan;judul;isi\nL-1;2026-03-12;Judul yang jelas;Isi laporan yang cukup panjang.\n"
    [item] = lapor.parse_csv(text, ctx.calendar.tz)
    assert item.error is None and item.data["received_at"] == "2026-03-12T00:00:00+07:00"
    with pytest.raises(InvalidInput, match="isi"):
        lapor.parse_csv("lapor_id,tanggal_laporan,judul\nL-1,2026-03-12,Judul\n", ctx.calendar.tz)
    [short] = lapor.parse_csv("lapor_id,tanggal_laporan,judul,isi\nL-2,2026-03-12,J,Isi\n,extra\n",
                              ctx.calendar.tz)[:1]
    assert short.error is None


def test_lapor_category_mapping():
    assert lapor.category_of("Sertifikasi Profesi Pustakawan") == "sertifikasi_pustakawan"
    assert lapor.category_of("Sarana dan Prasarana") == "fasilitas"
    assert lapor.category_of("Lain-lain") == "lainnya"
