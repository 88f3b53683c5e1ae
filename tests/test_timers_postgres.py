"""The timer worker on PostgreSQL: two workers at once fire each of 1,000 due timers exactly once, and an
instance another transaction holds is skipped (``FOR UPDATE SKIP LOCKED``), not waited for."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engine.audit import verify_chain
from engine.models import AuditEvent, ProcessInstance, Timer
from engine.timers import sweep_due_timers
from tests.timer_fixtures import (
    clone_instances,
    count_events,
    deploy_timer_process,
    start_timer_instances,
    timer_states,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_factory(pg_session_factory, ctx):
    """Sessions on PostgreSQL with roles and the tiny timer process deployed."""
    with pg_session_factory() as session:
        deploy_timer_process(session, ctx)
    return pg_session_factory


def test_two_workers_fire_each_of_1000_timers_exactly_once(pg_factory, ctx, clock):
    with pg_factory() as session:
        [template] = start_timer_instances(session, ctx, 1)
        due = session.scalar(select(Timer.due_at).where(Timer.instance_id == template))
        ids = [template] + clone_instances(session, template, [due] * 999)
    clock.advance(hours=2)
    barrier = threading.Barrier(2)
    results = {}

    def worker(name: str):
        barrier.wait()
        results[name] = sweep_due_timers(pg_factory, ctx, batch=100)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.fired for r in results.values()) == 1000
    assert all(r.failed == 0 for r in results.values())
    with pg_factory() as session:
        assert count_events(session, "TIMER_FIRED") == 1000
        distinct = session.scalar(select(func.count(func.distinct(AuditEvent.instance_id))).where(
            AuditEvent.type == "TIMER_FIRED"))
        assert distinct == 1000
        assert timer_states(session) == {"fired": 1000}
        assert session.scalar(select(func.count()).select_from(Timer).where(Timer.instance_id.in_(ids))) == 1000
        assert verify_chain(session).ok
    assert sweep_due_timers(pg_factory, ctx).fired == 0


def test_an_instance_held_by_another_transaction_is_skipped_then_fired(pg_factory, ctx, clock):
    with pg_factory() as session:
        held, free = start_timer_instances(session, ctx, 2)
    clock.advance(hours=2)
    with pg_factory() as holder:
        holder.scalars(select(ProcessInstance).where(ProcessInstance.id == held)
                       .with_for_update(of=ProcessInstance)).one()
        result = sweep_due_timers(pg_factory, ctx)  # must not block on the held row
        assert (result.fired, result.skipped) == (1, 1)
        holder.rollback()
    result = sweep_due_timers(pg_factory, ctx)
    assert (result.fired, result.skipped) == (1, 0)
    with pg_factory() as session:
        assert sorted(session.scalars(select(AuditEvent.instance_id).where(
            AuditEvent.type == "TIMER_FIRED"))) == sorted([held, free])
