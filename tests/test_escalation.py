"""Deadlines and escalation through the engine with a frozen clock: the real office calendar (holidays,
cuti bersama, overrides), the timer sweep, inbox rows and audit events."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from engine import calendar_admin, inbox, runtime
from engine.calendar import OfficeCalendar
from engine.channels_models import OutboxMessage
from engine.context import EngineContext
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from engine.repository import calendar_overrides
from engine.timers import sweep_due_timers
from tests.conftest import actor
from tests.engine_helpers import MUBA_INTAKE, ready_task, step

SANGGAU_INTAKE = {
    "channel": "telepon",
    "reporter": {"name": "Yohanes Lim", "address": "Jl. Kartini 3, Sanggau", "phone": "081345678901"},
    "anonymity": "none",
    "subject": "Ruang baca anak ditutup tanpa pemberitahuan",
    "description": "Ruang baca anak tutup sejak Senin tanpa pengumuman di pintu maupun di media sosial.",
}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _escalations(session, instance_id):
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                   HumanTask.is_escalation.is_(True))
                           .order_by(HumanTask.id)).all()


# -- Sanggau: 7 working days from receipt across Idul Fitri 1447 H --------------------------------------

def test_sanggau_friday_afternoon_before_idul_fitri_gets_the_right_deadline_and_fires_only_after_it(
        deployed, session_factory, ctx, clock):
    clock.set(utc(2026, 3, 13, 9, 10))  # Fri 13 Mar 2026 16:10 WIB, after closing: recorded the same evening
    sub = runtime.submit_complaint(deployed, ctx, "sanggau_pengaduan",
                                   {**SANGGAU_INTAKE, "received_at": "2026-03-13T15:40:00+07:00"})
    iid = sub.instance.id
    # Friday is not counted; Nyepi + Idul Fitri + cuti bersama close 18–24 Mar: Mon 16, Tue 17, Wed 25,
    # Thu 26, Fri 27, Mon 30, Tue 31 Mar → 16:00 WIB on Tuesday 31 March
    timer = deployed.scalars(select(Timer).where(Timer.instance_id == iid)).one()
    assert (timer.bpmn_id, timer.due_at) == ("tenggat_catat", utc(2026, 3, 31, 9, 0))
    assert ready_task(deployed, iid, "catat_buku_pengaduan").sla_due_at == utc(2026, 3, 31, 9, 0)
    deployed.rollback()
    for moment in (utc(2026, 3, 17, 9, 0), utc(2026, 3, 24, 23, 0), utc(2026, 3, 31, 9, 0)):
        clock.set(moment)  # through the holidays and exactly at the deadline: nothing fires
        assert sweep_due_timers(session_factory, ctx).fired == 0
    assert _escalations(deployed, iid) == []
    clock.set(utc(2026, 3, 31, 9, 0, 1))
    assert sweep_due_timers(session_factory, ctx).fired == 1
    [escalation] = _escalations(deployed, iid)
    assert (escalation.bpmn_id, escalation.role) == ("eskalasi_tenggat_7_hari", "kepala_dinas")
    assert ready_task(deployed, iid).bpmn_id == "catat_buku_pengaduan"  # the step stays with its owner
    assert sweep_due_timers(session_factory, ctx).fired == 0, "fired once"


def test_an_admin_day_off_moves_new_deadlines_at_once(deployed, ctx, clock):
    admin = actor("admin")
    calendar_admin.add_calendar_override(deployed, ctx, date(2026, 3, 16), False, "Hari jadi kabupaten",
                                         actor=admin)
    # what the web layer and the timer worker do for every request / sweep: read the table afresh
    fresh = EngineContext(clock=clock, calendar=OfficeCalendar(overrides=calendar_overrides(deployed)))
    sub = runtime.submit_complaint(deployed, fresh, "sanggau_pengaduan",
                                   {**SANGGAU_INTAKE, "received_at": "2026-03-13T08:30:00+07:00"})
    due = deployed.scalars(select(Timer.due_at).where(Timer.instance_id == sub.instance.id)).one()
    assert due == utc(2026, 4, 1, 9, 0)  # one working day later than without the override


# -- Muba: a step past its standard time (office hours) escalates one role up ----------------------------

def test_overdue_petugas_step_reaches_the_kasi_inbox_with_an_audit_event_by_the_timer(
        deployed, session_factory, ctx, clock, roles):
    clock.set(utc(2026, 3, 13, 8, 55))  # Fri 15:55 WIB: five office minutes left today
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    iid = sub.instance.id
    row = ready_task(deployed, iid, "verifikasi_formulir")
    # 10 minutes of office time: 5 on Friday, 5 on Monday 16 Mar from 07:30 (weekend skipped)
    assert row.due_at == utc(2026, 3, 16, 0, 35)
    timer = deployed.scalars(select(Timer).where(Timer.instance_id == iid)).one()
    assert (timer.bpmn_id, timer.due_at) == ("batas_verifikasi", row.due_at)  # inbox and BPMN agree
    deployed.rollback()
    for moment in (utc(2026, 3, 13, 9, 30), utc(2026, 3, 15, 23, 0), utc(2026, 3, 16, 0, 35)):
        clock.set(moment)  # Friday evening, Sunday, the due instant itself
        assert sweep_due_timers(session_factory, ctx).fired == 0
    assert inbox.ready_tasks(deployed, ctx, roles["kasi"]) == []
    clock.set(utc(2026, 3, 16, 0, 35, 1))
    result = sweep_due_timers(session_factory, ctx)
    assert (result.fired, result.instances) == (1, 1)
    [entry] = inbox.ready_tasks(deployed, ctx, roles["kasi"])
    assert entry.task.bpmn_id == "eskalasi_verifikasi_formulir" and entry.task.is_escalation
    assert entry.task.tracking_code == sub.tracking_code and entry.task.subject == MUBA_INTAKE["subject"]
    assert ready_task(deployed, iid).bpmn_id == "verifikasi_formulir"  # still the petugas's step
    fired = deployed.scalars(select(AuditEvent).where(AuditEvent.type == "TIMER_FIRED")).one()
    assert (fired.actor, fired.bpmn_id, fired.instance_id) == ("system:timer", "batas_verifikasi", iid)
    raised = deployed.scalars(select(AuditEvent).where(AuditEvent.type == "ESCALATION_RAISED")).one()
    assert raised.actor == "system:timer" and raised.payload["role"] == "kasi"
    assert raised.payload["overdue_steps"] == ["verifikasi_formulir"]
    # the petugas can still do the step; the kasi closes the escalation with a note
    step(deployed, ctx, iid, "verifikasi_formulir", roles["petugas"], {"lengkap": True, "nomor_buku_pengaduan": "9"})
    runtime.complete_task(deployed, ctx, entry.task.id, {"tindakan_eskalasi": "Petugas sudah diingatkan."},
                          actor=roles["kasi"])
    assert deployed.get(HumanTask, entry.task.id).state == "completed"


def test_escalation_chain_and_the_answer_closes_what_is_still_open(deployed, session_factory, ctx, clock, roles):
    clock.set(utc(2026, 3, 16, 1, 0))  # Mon 08:00 WIB
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    iid = sub.instance.id
    step(deployed, ctx, iid, "verifikasi_formulir", roles["petugas"], {"lengkap": True, "nomor_buku_pengaduan": "3"})
    deployed.rollback()
    clock.set(utc(2026, 3, 16, 1, 11))  # the kasi's 10 minutes have passed
    assert sweep_due_timers(session_factory, ctx).fired == 1
    step(deployed, ctx, iid, "periksa_laporan", roles["kasi"],
         {"hasil_pemeriksaan": "benar", "catatan_solusi": "Cari."})
    deployed.rollback()
    clock.set(utc(2026, 3, 16, 1, 27))  # the kabid's 15 minutes have passed
    assert sweep_due_timers(session_factory, ctx).fired == 1
    assert [(e.bpmn_id, e.role, e.state) for e in _escalations(deployed, iid)] == [
        ("eskalasi_periksa_laporan", "kabid", "ready"), ("eskalasi_beri_solusi", "kepala_dinas", "ready")]
    step(deployed, ctx, iid, "beri_solusi", roles["kabid"], {"bentuk_jawaban": "tertulis", "jawaban": "Buku diganti."})
    instance = deployed.get(ProcessInstance, iid)
    assert (instance.status, instance.answer) == ("completed", "Buku diganti.")
    assert [e.state for e in _escalations(deployed, iid)] == ["cancelled", "cancelled"]
    kinds = deployed.scalars(select(OutboxMessage.kind).where(OutboxMessage.instance_id == iid)).all()
    assert "answer" in kinds, "the answer is queued although an escalation was still open"
