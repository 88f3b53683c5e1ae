"""The timer worker on SQLite: a sweep fires only what is due, each timer once, one instance per
transaction; broken instances do not stop it; cycle timers (periodic processes) fire too."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import runtime
from engine.actors import SYSTEM_INIT
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from engine.timers import due_instance_ids, sweep_due_timers
from tests.timer_fixtures import count_events, start_timer_instances, timer_process, timer_states  # noqa: F401


def test_sweep_fires_due_timers_once_and_not_before(timer_process, session_factory, ctx, clock):
    early = start_timer_instances(timer_process, ctx, 3)
    clock.advance(minutes=30)
    late = start_timer_instances(timer_process, ctx, 2)
    timer_process.rollback()
    clock.advance(minutes=30)  # exactly one hour after the first three: not yet past
    assert sweep_due_timers(session_factory, ctx).fired == 0
    clock.advance(seconds=1)
    result = sweep_due_timers(session_factory, ctx)
    assert (result.fired, result.instances, result.failed) == (3, 3, 0)
    assert sweep_due_timers(session_factory, ctx).fired == 0, "a fired timer never fires again"
    with session_factory() as session:
        fired = session.scalars(select(AuditEvent).where(AuditEvent.type == "TIMER_FIRED")).all()
        assert sorted(e.instance_id for e in fired) == sorted(early)
        assert {e.actor for e in fired} == {"system:timer"} and {e.bpmn_id for e in fired} == {"batas"}
        assert timer_states(session) == {"fired": 3, "waiting": 2}
        # the step stays with its owner: a non-interrupting timer does not cancel it
        assert session.scalar(select(HumanTask.state).where(HumanTask.instance_id == early[0])) == "ready"
    clock.advance(minutes=30)
    assert sweep_due_timers(session_factory, ctx).fired == 2
    with session_factory() as session:
        assert count_events(session, "TIMER_FIRED") == 5
        assert sorted(e.instance_id for e in session.scalars(select(AuditEvent).where(
            AuditEvent.type == "TIMER_FIRED")))[-2:] == sorted(late)


def test_sweep_works_in_batches_earliest_first(timer_process, session_factory, ctx, clock):
    ids = start_timer_instances(timer_process, ctx, 7)
    timer_process.rollback()
    clock.advance(hours=2)
    with session_factory() as session:
        assert due_instance_ids(session, clock.now(), 3) == ids[:3]
    result = sweep_due_timers(session_factory, ctx, batch=3)
    assert result.fired == 7 and result.instances == 7


def test_a_broken_instance_does_not_stop_the_sweep(timer_process, session_factory, ctx, clock):
    ids = start_timer_instances(timer_process, ctx, 3)
    broken = timer_process.get(ProcessInstance, ids[1])
    broken.serializer_version = "other/0"  # cannot be loaded by this engine
    timer_process.commit()
    clock.advance(hours=2)
    result = sweep_due_timers(session_factory, ctx)
    assert (result.fired, result.failed, result.failed_ids) == (2, 1, [ids[1]])
    with session_factory() as session:
        assert session.scalar(select(Timer.state).where(Timer.instance_id == ids[1])) == "waiting"
        assert count_events(session, "TIMER_FIRED") == 2


def test_timers_of_a_finished_instance_are_cancelled_not_swept_forever(timer_process, session_factory, ctx, clock):
    [iid] = start_timer_instances(timer_process, ctx, 1)
    instance = timer_process.get(ProcessInstance, iid)
    instance.status = "completed"  # e.g. finished by an operation that left a stale row behind
    timer_process.commit()
    clock.advance(hours=2)
    assert sweep_due_timers(session_factory, ctx).fired == 0
    with session_factory() as session:
        assert timer_states(session) == {"cancelled": 1}
        assert due_instance_ids(session, clock.now(), 10) == []


def test_a_waiting_cycle_timer_start_fires_and_moves_on(deployed, session_factory, ctx, clock):
    """Periodic processes (monthly recap) wait on a cycle timer start event; the sweep fires it."""
    instance = runtime.start_instance(deployed, ctx, "muba_rekap_bulanan", {}, actor=SYSTEM_INIT)
    row = deployed.scalars(select(Timer).where(Timer.instance_id == instance.id, Timer.state == "waiting")).one()
    first_due = row.due_at
    assert row.kind == "CycleTimer"
    deployed.rollback()
    clock.set(first_due + timedelta(seconds=1))
    result = sweep_due_timers(session_factory, ctx)
    assert result.fired == 1
    with session_factory() as session:
        row = session.scalars(select(Timer).where(Timer.instance_id == instance.id)).one()
        assert row.state == "waiting" and row.due_at > first_due  # next occurrence
        fired = session.scalars(select(AuditEvent).where(AuditEvent.type == "TIMER_FIRED")).one()
        assert fired.payload["next_due_at"] == row.due_at.isoformat()
        ready = session.scalars(select(HumanTask.bpmn_id).where(HumanTask.instance_id == instance.id,
                                                               HumanTask.state == "ready")).all()
        assert "susun_rekap" in ready
