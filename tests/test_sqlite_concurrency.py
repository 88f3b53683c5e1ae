"""SQLite under concurrent writers (threads of ``alur serve``, several gunicorn workers on one file):
officials completing *different* complaints at the same moment all succeed — a write waits for the
lock instead of failing with "database is locked" (which would reach them as a 409 about a change that
never happened)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from engine import runtime
from engine.clock import FixedClock
from engine.context import EngineContext
from engine.db import make_engine, make_session_factory
from engine.errors import ConcurrentUpdate
from engine.models import AuditEvent, Timer
from engine.timers import SweepResult, sweep_due_timers
from tests.conftest import actor
from tests.engine_helpers import ready_task
from tests.scale_fixtures import varied_intake
from tests.timer_fixtures import clone_instances, count_events, deploy_timer_process, start_timer_instances

CLIENTS = 8
ROUNDS = 3


def _verify(session, ctx, task_id: int, official: int, round_: int) -> str:
    """Official ``official`` completes the verification step ``task_id``: "ok", or "refused" (a 409)."""
    try:
        runtime.complete_task(session, ctx, task_id,
                              {"lengkap": True, "nomor_buku_pengaduan": f"BP-{official}-{round_}"},
                              actor=actor("petugas", f"petugas{official}"))
        return "ok"
    except ConcurrentUpdate:
        return "refused"


def test_concurrent_completions_of_different_complaints_all_succeed(deployed, ctx, db_url):
    task_ids = []
    for n in range(CLIENTS * ROUNDS):
        sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", varied_intake(n))
        task_ids.append(ready_task(deployed, sub.instance.id, "verifikasi_formulir").id)
    sa_engine = make_engine(db_url)
    factory = make_session_factory(sa_engine)
    outcomes: list[str] = []
    barrier = threading.Barrier(CLIENTS)

    def official(i: int) -> None:
        for r in range(ROUNDS):
            barrier.wait()
            with factory() as session:
                # an inbox read first, as a request does before it completes the step
                runtime.get_task_row(session, task_ids[r * CLIENTS + i])
                outcomes.append(_verify(session, ctx, task_ids[r * CLIENTS + i], i, r))

    threads = [threading.Thread(target=official, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    sa_engine.dispose()
    assert outcomes.count("ok") == CLIENTS * ROUNDS, outcomes


def test_timer_workers_and_officials_share_one_sqlite_file_without_lock_errors(deployed, ctx, db_url):
    """Two ``alur timers`` workers sweep while officials complete steps: every completion succeeds, every
    due timer fires exactly once, no sweep reports a failure (a "database is locked" would be one)."""
    deploy_timer_process(deployed, ctx)
    template = start_timer_instances(deployed, ctx, 1)[0]
    due = ctx.clock.now() + timedelta(hours=1)
    timers = [template, *clone_instances(deployed, template, [due] * 59, ready_task=False)]
    task_ids = []
    for n in range(CLIENTS * ROUNDS):
        sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", varied_intake(n))
        task_ids.append(ready_task(deployed, sub.instance.id, "verifikasi_formulir").id)
    fired_before = count_events(deployed, "TIMER_FIRED")
    sa_engine = make_engine(db_url)
    factory = make_session_factory(sa_engine)
    later = EngineContext(clock=FixedClock(ctx.clock.now() + timedelta(hours=2)), calendar=ctx.calendar)
    outcomes: list[str] = []
    sweeps: list[SweepResult] = []
    start = threading.Barrier(CLIENTS + 2)

    def official(i: int) -> None:
        start.wait()
        for r in range(ROUNDS):
            with factory() as session:
                outcomes.append(_verify(session, ctx, task_ids[r * CLIENTS + i], i, r))

    officials_done = threading.Event()

    def timer_worker() -> None:
        start.wait()
        while not officials_done.is_set():
            sweeps.append(sweep_due_timers(factory, later, batch=10))
        # steps completed during the last sweep started escalation timers that are due as well
        sweeps.append(sweep_due_timers(factory, later, batch=10))

    officials = [threading.Thread(target=official, args=(i,)) for i in range(CLIENTS)]
    workers = [threading.Thread(target=timer_worker) for _ in range(2)]
    for thread in officials + workers:
        thread.start()
    for thread in officials:
        thread.join(180)
    officials_done.set()
    for thread in workers:
        thread.join(180)
    sa_engine.dispose()
    assert outcomes.count("ok") == CLIENTS * ROUNDS, outcomes
    assert sum(s.failed for s in sweeps) == 0, [s.as_dict() for s in sweeps]
    deployed.expire_all()
    # the tiny process's timers and the complaints' escalation timers that fell due: each fired once
    # (clones share their template's task guids: a timer is its instance and guid)
    fired_events = [tuple(r) for r in deployed.execute(
        select(AuditEvent.instance_id, AuditEvent.task_guid).where(AuditEvent.type == "TIMER_FIRED")
        .order_by(AuditEvent.seq).offset(fired_before))]
    assert len(fired_events) == len(set(fired_events)) == sum(s.fired for s in sweeps)
    fired_rows = {tuple(r) for r in deployed.execute(
        select(Timer.instance_id, Timer.task_guid).where(Timer.state == "fired"))}
    assert set(fired_events) == fired_rows
    assert set(deployed.scalars(select(Timer.instance_id).where(Timer.state == "fired"))) >= set(timers)
    assert deployed.scalar(select(func.count()).select_from(Timer).where(
        Timer.state == "waiting", Timer.due_at <= later.clock.now())) == 0, "a due timer was left behind"
