"""Recap processes in the engine: one run per period from the timer (no catch-up burst, no drift, missed
periods after an outage each get one run), the kasi's step carries the generated recap, it is frozen when
the kasi completes it, on-demand runs for a chosen period are idempotent, replay still reproduces."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine import runtime
from engine.actors import SYSTEM_INIT
from engine.errors import InvalidData, NotYourRole
from engine.models import HumanTask, Timer
from engine.periodic import first_after, occurrence, parse_cycle
from engine.recap_models import RecapRun, RecapSnapshot
from engine.recap_runs import canonical_sha256, snapshot_for_task, snapshot_report, start_recap, verify_snapshot
from engine.replay import replay_instance
from engine.timers import sweep_due_timers
from tests.conftest import actor
from tests.engine_helpers import MUBA_INTAKE
from tests.recap_fixtures import WIB, wib

KASI, KABID, KADIS = actor("kasi"), actor("kabid"), actor("kepala_dinas")


def _sweep(session, session_factory, ctx, clock, at: datetime):
    clock.set(at)
    session.rollback()
    result = sweep_due_timers(session_factory, ctx)
    session.rollback()
    return result


def _runs(session, process_key="muba_rekap_bulanan"):
    return list(session.scalars(select(RecapRun).where(RecapRun.process_key == process_key).order_by(RecapRun.id)))


def _ready(session, instance_id, bpmn_id):
    return list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                        HumanTask.bpmn_id == bpmn_id, HumanTask.state == "ready")
                                .order_by(HumanTask.id)))


def _timer_due(session, instance_id):
    return session.scalars(select(Timer.due_at).where(Timer.instance_id == instance_id,
                                                      Timer.state == "waiting")).one()


def _complaint(session, ctx, clock, at: datetime, **extra):
    clock.set(at)
    return runtime.submit_complaint(session, ctx, "muba_pengaduan", {**MUBA_INTAKE, **extra})


def test_cycle_occurrences_follow_the_calendar():
    cycles, anchor, duration = parse_cycle('"R/2026-01-31T08:00:00+07:00/P1M"')
    assert cycles == -1 and anchor == datetime(2026, 1, 31, 8, tzinfo=anchor.tzinfo)
    assert [occurrence(anchor, duration, k).date().isoformat() for k in range(4)] == [
        "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]
    _, upcoming = first_after(anchor, duration, datetime(2026, 3, 31, 1, 0, 1, tzinfo=UTC))
    assert upcoming.date().isoformat() == "2026-04-30"
    assert parse_cycle("start_time") is None  # not a literal: left to SpiffWorkflow


def test_a_new_periodic_instance_waits_for_the_next_period_instead_of_catching_up(deployed, ctx, clock):
    instance = runtime.start_instance(deployed, ctx, "muba_rekap_bulanan", {}, actor=SYSTEM_INIT)
    assert _ready(deployed, instance.id, "susun_rekap") == []  # anchor 1 Jan 2026, started 13 Mar: no burst
    assert _timer_due(deployed, instance.id) == wib(4, 1, 8).astimezone(UTC)


def test_each_period_gets_one_run_with_its_recap_even_after_an_outage(deployed, session_factory, ctx, clock):
    instance = runtime.start_instance(deployed, ctx, "muba_rekap_bulanan", {}, actor=SYSTEM_INIT)
    _complaint(deployed, ctx, clock, wib(3, 16, 9), channel="whatsapp")
    _complaint(deployed, ctx, clock, wib(3, 20, 10, 30), channel="email")
    _sweep(deployed, session_factory, ctx, clock, wib(4, 1, 7, 59))  # (the complaints' own timers may fire)
    assert _runs(deployed) == [] and _ready(deployed, instance.id, "susun_rekap") == []
    _sweep(deployed, session_factory, ctx, clock, wib(4, 1, 9))
    [run] = _runs(deployed)
    assert (run.period_key, run.trigger, run.duplicate_of) == ("2026-03", "timer", None)
    [task] = _ready(deployed, instance.id, "susun_rekap")
    snapshot = snapshot_for_task(deployed, task)
    assert snapshot.state == "draft" and snapshot.period_key == "2026-03"
    assert snapshot.data["totals"]["received"] == 2
    assert {r["key"] for r in snapshot.data["by_channel"]} == {"whatsapp", "email"}
    _sweep(deployed, session_factory, ctx, clock, wib(4, 1, 10))
    assert len(_runs(deployed)) == 1 and len(_ready(deployed, instance.id, "susun_rekap")) == 1
    assert _timer_due(deployed, instance.id) == wib(5, 1, 8).astimezone(UTC)  # calendar month, no drift
    # the server is down from May to mid-August: April … July each get exactly one run, then it waits
    _sweep(deployed, session_factory, ctx, clock, wib(8, 15, 9))
    assert [r.period_key for r in _runs(deployed)] == ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
    assert len(_ready(deployed, instance.id, "susun_rekap")) == 5
    _sweep(deployed, session_factory, ctx, clock, wib(8, 16, 9))
    assert len(_runs(deployed)) == 5 and len(_ready(deployed, instance.id, "susun_rekap")) == 5
    assert _timer_due(deployed, instance.id) == wib(9, 1, 8).astimezone(UTC)


def test_the_kasi_annotates_and_freezes_the_recap_the_kabid_and_kadis_receive(deployed, session_factory, ctx,
                                                                               clock):
    instance = runtime.start_instance(deployed, ctx, "muba_rekap_bulanan", {}, actor=SYSTEM_INIT)
    _complaint(deployed, ctx, clock, wib(3, 16, 9))
    _sweep(deployed, session_factory, ctx, clock, wib(4, 1, 9))
    [task] = _ready(deployed, instance.id, "susun_rekap")
    clock.set(wib(4, 1, 10))
    runtime.complete_task(deployed, ctx, task.id, {"periode_rekap": "2026-03",
                                                   "ringkasan_rekap": "1 pengaduan, belum selesai."}, actor=KASI)
    snapshot = snapshot_for_task(deployed, task)
    assert snapshot.state == "frozen" and snapshot.frozen_by == "kasi1"
    assert snapshot.note == "1 pengaduan, belum selesai."
    assert snapshot.sha256 == canonical_sha256(snapshot.data) and verify_snapshot(snapshot)
    frozen = (snapshot.id, snapshot.sha256, snapshot.data["totals"]["received"])
    [kabid_task] = _ready(deployed, instance.id, "terima_rekap_kabid")
    assert snapshot_for_task(deployed, kabid_task).id == snapshot.id
    # a complaint received in March but recorded in April does not change the accepted recap
    _complaint(deployed, ctx, clock, wib(4, 2, 9), received_at=wib(3, 31, 15).isoformat())
    clock.set(wib(4, 2, 10))
    runtime.complete_task(deployed, ctx, kabid_task.id, {"catatan_kabid": "Diterima."}, actor=KABID)
    [kadis_task] = _ready(deployed, instance.id, "terima_rekap_kepala_dinas")
    again = snapshot_for_task(deployed, kadis_task)
    assert (again.id, again.sha256, again.data["totals"]["received"]) == frozen
    shown = snapshot_report(again, KADIS)
    assert shown["snapshot"]["state"] == "frozen" and shown["note"] == "1 pengaduan, belum selesai."
    deployed.expire_all()
    assert deployed.get(RecapSnapshot, snapshot.id).sha256 == frozen[1]
    # the replay of the recap instance still reproduces (the recap lives beside the workflow)
    result = replay_instance(deployed, ctx, instance.id)
    assert result.reproduced, result.divergence


def test_on_demand_runs_are_idempotent_per_period(deployed, ctx, clock):
    clock.set(wib(3, 16, 9))
    run = start_recap(deployed, ctx, "muba_rekap_bulanan", "2026-02", actor=KASI)
    assert (run.period_key, run.trigger) == ("2026-02", "on_demand")
    [task] = _ready(deployed, run.instance_id, "susun_rekap")
    assert snapshot_for_task(deployed, task).data["scope"]["period"]["key"] == "2026-02"
    assert start_recap(deployed, ctx, "muba_rekap_bulanan", "2026-02", actor=KASI).id == run.id
    assert len(_runs(deployed)) == 1
    with pytest.raises(NotYourRole):
        start_recap(deployed, ctx, "muba_rekap_bulanan", "2026-01", actor=KABID)
    assert len(_runs(deployed)) == 1
    for period in ("2026-S1", "2026-13", "2026-04"):  # a semester for a monthly recap; no month 13; future
        with pytest.raises(InvalidData) as refused:
            start_recap(deployed, ctx, "muba_rekap_bulanan", period, actor=KASI)
        assert "period" in refused.value.field_errors
    with pytest.raises(InvalidData):
        start_recap(deployed, ctx, "muba_pengaduan", "2026-02", actor=KASI)
    semester = start_recap(deployed, ctx, "sanggau_laporan_semester", "2025-S2", actor=KASI)
    assert semester.period_key == "2025-S2"
    [prepare] = _ready(deployed, semester.instance_id, "susun_laporan_semester")
    assert snapshot_for_task(deployed, prepare).data["scope"]["processes"] == ["sanggau_pengaduan"]
    # the on-demand instance is one run, not a second periodic series
    assert deployed.scalars(select(Timer).where(Timer.instance_id == run.instance_id,
                                                Timer.state == "waiting")).all() == []


def test_the_semester_report_runs_for_the_semester_just_ended(deployed, session_factory, ctx, clock):
    instance = runtime.start_instance(deployed, ctx, "sanggau_laporan_semester", {}, actor=SYSTEM_INIT)
    assert _timer_due(deployed, instance.id) == wib(7, 1, 8).astimezone(UTC)
    _sweep(deployed, session_factory, ctx, clock, wib(7, 1, 9))
    [run] = _runs(deployed, "sanggau_laporan_semester")
    assert run.period_key == "2026-S1"
    assert _timer_due(deployed, instance.id) == datetime(2027, 1, 1, 8, tzinfo=WIB).astimezone(UTC)
