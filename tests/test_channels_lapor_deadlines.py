"""SP4N-LAPOR!'s 3/5 working-day rules as configurable timers for LAPOR!-sourced complaints (Sanggau).

The boundary timers name their rule per channel: ``deadline_after(received_at, "lapor_verifikasi" if channel ==
"sp4n_lapor" else "sanggau_kelengkapan")`` — the days come from processes/deadlines.json. An imported LAPOR!
report counts from its LAPOR! date (the time received), never from the import.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from engine import channels, imports, lapor
from engine.models import HumanTask, ProcessInstance, Timer
from tests.channels_fixtures import INTAKE, PETUGAS
from tests.engine_helpers import step

RECEIVED = "2026-03-11T10:00:00+07:00"  # Wednesday; imported on Friday 13 March 09:00 (START)


def _import_lapor(session, ctx):
    export = json.dumps([{"lapor_id": "LAP-2026-0301", "tanggal_laporan": "2026-03-11 10:00",
                          "kategori": "Perpustakaan", "judul": "Ruang baca anak ditutup tanpa pemberitahuan",
                          "isi": "Ruang baca anak ditutup sejak pekan lalu tanpa pengumuman apa pun.",
                          "nama": "Agus", "telepon": "081200001111", "alamat": "Jl. Kapuas 3"}]).encode()
    items = lapor.parse_export("lapor.json", export, ctx.calendar.tz)
    report = imports.import_items(session, ctx, items, process_key="sanggau_pengaduan", actor=PETUGAS)
    assert report.counts["created"] == 1, report.rows
    return session.scalars(select(ProcessInstance).where(ProcessInstance.channel == "sp4n_lapor")).one()


def _timer(session, instance_id, bpmn_id):
    return session.scalars(select(Timer).where(Timer.instance_id == instance_id, Timer.bpmn_id == bpmn_id)).one()


def _as_utc(value):
    return value.astimezone(datetime.fromisoformat(RECEIVED).tzinfo)


def test_lapor_import_counts_three_working_days_from_its_lapor_date(deployed, ctx, roles):
    received = datetime.fromisoformat(RECEIVED)
    instance = _import_lapor(deployed, ctx)
    assert _as_utc(instance.received_at) == received
    due = _timer(deployed, instance.id, "tenggat_catat").due_at
    assert _as_utc(due) == ctx.calendar.add_working_days(received, 3)  # Monday 16 March, 16:00
    assert _as_utc(due) != ctx.calendar.add_working_days(ctx.clock.now(), 3)  # not from the import
    row = deployed.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                   HumanTask.state == "ready")).one()
    assert row.bpmn_id == "catat_buku_pengaduan" and _as_utc(row.sla_due_at) == _as_utc(due)

    # follow-up by the answering team: 5 working days (lapor_tindak_lanjut), still from the LAPOR! date
    step(deployed, ctx, instance.id, "catat_buku_pengaduan", roles["petugas"], {"nomor_buku_pengaduan": "L-1"})
    assert _as_utc(_timer(deployed, instance.id, "tenggat_distribusi").due_at) == (
        ctx.calendar.add_working_days(received, 3))
    step(deployed, ctx, instance.id, "distribusikan_aduan", roles["kasi"],
         {"penjawab_utama": "kabid_perpustakaan", "libatkan_kepala_dinas": False})
    assert _as_utc(_timer(deployed, instance.id, "tenggat_tanggapan").due_at) == (
        ctx.calendar.add_working_days(received, 5))


def test_other_channels_keep_the_office_seven_days(deployed, ctx):
    received = datetime.fromisoformat(RECEIVED)
    sub = channels.record_complaint(deployed, ctx, "sanggau_pengaduan", {**INTAKE, "received_at": RECEIVED},
                                    actor=PETUGAS)
    due = _timer(deployed, sub.instance.id, "tenggat_catat").due_at
    assert _as_utc(due) == ctx.calendar.add_working_days(received, 7)


def test_the_rule_is_data(deployed, ctx, tmp_path, monkeypatch):
    """A changed deadlines file changes the days of new LAPOR! complaints (no BPMN or Python change)."""
    from tests.conftest import PROCESSES

    rules = json.loads((PROCESSES / "deadlines.json").read_text(encoding="utf-8"))
    rules["lapor_verifikasi"]["working_days"] = 2
    path = tmp_path / "deadlines.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    monkeypatch.setenv("ALUR_DEADLINES_FILE", str(path))
    instance = _import_lapor(deployed, ctx)
    due = _timer(deployed, instance.id, "tenggat_catat").due_at
    assert _as_utc(due) == ctx.calendar.add_working_days(datetime.fromisoformat(RECEIVED), 2)


def test_lint_checks_every_name_of_a_per_channel_choice():
    from engine.bpmn import lint_timer

    functions = ("deadline_after", "working_days_after")
    good = 'deadline_after(received_at, "lapor_verifikasi" if channel == "sp4n_lapor" else "sanggau_kelengkapan")'
    assert lint_timer("timeDate", good, "tenggat_catat", functions) == []
    bad = 'deadline_after(received_at, "lapor_tiga" if channel == "sp4n_lapor" else "sanggau_kelengkapan")'
    [problem] = lint_timer("timeDate", bad, "tenggat_catat", functions)
    assert (problem.element_id, problem.code, problem.params["name"]) == ("tenggat_catat", "unknown_deadline",
                                                                         "lapor_tiga")
    computed = 'deadline_after(received_at, "lapor_" + channel)'
    assert [p.code for p in lint_timer("timeDate", computed, "tenggat_catat", functions)] == ["deadline_call"]
