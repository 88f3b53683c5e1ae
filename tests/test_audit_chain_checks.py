"""Chain checks in the background: one under way at a time, progress and heartbeat on their row, the outcome
recorded in the chain, a dead check abandoned, events appended during a check checked too, a failure recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from engine import users
from engine.actors import SYSTEM_INIT, Actor
from engine.audit import verify_chain
from engine.audit_models import ChainCheck
from engine.chain_checks import (
    STALE_AFTER,
    chain_status,
    check_as_dict,
    check_now,
    latest_check,
    request_check,
    run_check,
)
from engine.models import AuditEvent, AuditHead

AUDITOR = Actor("inspektorat", frozenset({"auditor"}))


def _events(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent))


def test_one_check_under_way_at_a_time(deployed, session_factory, ctx):
    first, created = request_check(deployed, ctx, actor=AUDITOR)
    assert created and first.state == "queued" and first.under_way is True
    with session_factory() as other:  # another web worker
        again, created_again = request_check(other, ctx, actor=Actor("ombudsman", frozenset({"auditor"})))
        assert (again.id, created_again) == (first.id, False)
    deployed.add(ChainCheck(state="queued", under_way=True, requested_by="x", requested_at=ctx.clock.now(),
                            heartbeat_at=ctx.clock.now(), total=0, checked=0, code="", error=""))
    with pytest.raises(IntegrityError):  # the database refuses a second check under way, whoever asks
        deployed.flush()
    deployed.rollback()


def test_a_check_runs_and_records_its_outcome_in_the_chain(deployed, session_factory, ctx, clock):
    before = _events(deployed)
    check, _ = request_check(deployed, ctx, actor=AUDITOR)
    clock.advance(seconds=30)
    done = run_check(session_factory, ctx, check.id, batch=7)
    assert (done.state, done.ok, done.under_way, done.checked, done.total) == ("done", True, None, before, before)
    deployed.expire_all()
    event = deployed.scalars(select(AuditEvent).where(AuditEvent.type == "CHAIN_VERIFIED")).one()
    assert event.seq == done.event_seq and event.actor == "inspektorat" and event.at == clock.now()
    assert event.payload["check_id"] == check.id and event.payload["checked"] == before
    status = chain_status(deployed)
    assert (status.ok, status.checked_by, status.checked, status.head_seq) == (True, "inspektorat", before, before + 1)
    assert check_as_dict(latest_check(deployed), clock.now())["state"] == "done"
    assert run_check(session_factory, ctx, check.id) is None  # already run: nobody runs it twice
    assert request_check(deployed, ctx, actor=AUDITOR)[1] is True  # the slot is free again


def test_progress_is_reported_after_each_batch(deployed, ctx):
    seen = []
    report = verify_chain(deployed, batch=10, progress=lambda checked, total: seen.append((checked, total)))
    total = _events(deployed)
    assert report.ok and len(seen) == -(-total // 10)
    assert [checked for checked, _ in seen] == sorted(checked for checked, _ in seen) and seen[-1] == (total, total)


def office_works_meanwhile(session_factory, ctx) -> Callable[[int, int], None]:
    """A progress callback during whose first call the office appends events (a user is created)."""
    calls: list[tuple[int, int]] = []

    def progress(checked: int, total: int) -> None:
        if not calls:
            with session_factory() as other:
                users.create_user(other, ctx, "rina", "sandi-rina-123", ["petugas"], actor=SYSTEM_INIT)
        calls.append((checked, total))

    return progress


def test_events_appended_during_a_check_are_checked_too(deployed, session_factory, ctx):
    """A check runs while the office works: what is appended meanwhile is verified, not taken for tampering."""
    before = _events(deployed)
    report = verify_chain(deployed, batch=10, progress=office_works_meanwhile(session_factory, ctx))
    assert report.ok and report.checked == _events(deployed) > before


def test_a_check_whose_process_died_is_abandoned_by_the_next_request(deployed, session_factory, ctx, clock):
    stuck, _ = request_check(deployed, ctx, actor=AUDITOR)
    clock.advance(seconds=STALE_AFTER.total_seconds() - 1)
    assert request_check(deployed, ctx, actor=AUDITOR) == (stuck, False)  # still fresh: the same check
    assert check_as_dict(stuck, clock.now())["state"] == "queued"
    clock.advance(seconds=2)
    assert check_as_dict(stuck, clock.now())["state"] == "stale"
    fresh, created = request_check(deployed, ctx, actor=AUDITOR)
    assert created and fresh.id != stuck.id
    deployed.expire_all()
    old = deployed.get(ChainCheck, stuck.id)
    assert (old.state, old.under_way) == ("abandoned", None) and "no progress since" in old.error
    assert run_check(session_factory, ctx, stuck.id) is None  # its thread, if it ever runs, does nothing
    assert run_check(session_factory, ctx, fresh.id).ok


def test_a_broken_chain_is_recorded_with_its_code(deployed, session_factory, ctx):
    deployed.execute(text("DROP TRIGGER audit_event_no_update"))
    deployed.execute(text("UPDATE audit_event SET actor = 'penyusup' WHERE seq = 4"))
    deployed.commit()
    check, _ = request_check(deployed, ctx, actor=AUDITOR)
    done = run_check(session_factory, ctx, check.id)
    assert (done.ok, done.broken_seq, done.code, done.checked) == (False, 4, "chain_hash_mismatch", 3)
    status = chain_status(deployed)
    assert (status.ok, status.broken_seq, status.code) == (False, 4, "chain_hash_mismatch")


def test_a_failed_check_is_recorded_and_frees_the_slot(deployed, session_factory, ctx):
    check, _ = request_check(deployed, ctx, actor=AUDITOR)
    deployed.execute(text("ALTER TABLE audit_event RENAME TO audit_event_away"))
    deployed.commit()
    try:
        with pytest.raises(Exception, match="audit_event"):
            run_check(session_factory, ctx, check.id)
    finally:
        deployed.execute(text("ALTER TABLE audit_event_away RENAME TO audit_event"))
        deployed.commit()
    deployed.expire_all()
    failed = deployed.get(ChainCheck, check.id)
    assert (failed.state, failed.under_way) == ("failed", None) and "audit_event" in failed.error
    assert request_check(deployed, ctx, actor=AUDITOR)[1] is True


def test_the_command_line_check_runs_beside_a_page_check_and_records_who(deployed, session_factory, ctx):
    queued, _ = request_check(deployed, ctx, actor=AUDITOR)
    done = check_now(session_factory, ctx, actor=Actor("cli:operator", kind="system"))
    assert done.ok and done.id != queued.id and done.under_way is None
    assert chain_status(deployed).checked_by == "cli:operator"
    deployed.expire_all()
    assert deployed.get(ChainCheck, queued.id).state == "queued"  # the page's check is untouched
    head = deployed.scalar(select(AuditHead.seq))
    assert done.event_seq == head and done.checked == head - 1



@pytest.mark.postgres
def test_on_postgres_two_workers_asking_at_once_queue_one_check(pg_session_factory, ctx):
    """Eight requests at the same moment (as from several gunicorn workers) queue one check, which runs; a
    verification during which the office appends events checks those too."""
    import threading

    from engine.errors import ConcurrentUpdate
    from tests.conftest import deploy_shipped

    with pg_session_factory() as session:
        deploy_shipped(session, ctx)
    barrier, outcomes = threading.Barrier(8), []

    def ask(n: int) -> None:
        with pg_session_factory() as session:
            barrier.wait()
            try:
                check, created = request_check(session, ctx, actor=Actor(f"auditor{n}", frozenset({"auditor"})))
                outcomes.append((check.id, created))
            except ConcurrentUpdate:
                outcomes.append((None, False))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(created for _, created in outcomes) == 1
    check_id = next(check_id for check_id, created in outcomes if created)
    with pg_session_factory() as session:
        assert request_check(session, ctx, actor=AUDITOR)[0].id == check_id
    done = run_check(pg_session_factory, ctx, check_id, batch=5)
    assert done.ok and done.state == "done"
    with pg_session_factory() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
        report = verify_chain(session, batch=5, progress=office_works_meanwhile(pg_session_factory, ctx))
        assert report.ok and report.checked > before
        assert chain_status(session).ok and latest_check(session).id == check_id
