"""The engine on PostgreSQL: a full run, and two officials completing the same step at the same moment."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engine import runtime
from engine.audit import verify_chain
from engine.errors import ConcurrentUpdate, TaskNotReady
from engine.models import AuditEvent, HumanTask
from tests.conftest import deploy_shipped
from tests.engine_helpers import MUBA_INTAKE, MUBA_STEPS, ready_task, step

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_factory(pg_session_factory, ctx):
    """Sessions on PostgreSQL with roles and every shipped process deployed."""
    with pg_session_factory() as session:
        deploy_shipped(session, ctx)
    return pg_session_factory


def test_full_run_on_postgres(pg_factory, ctx, roles):
    with pg_factory() as session:
        sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", MUBA_INTAKE)
        iid = sub.instance.id
        for bpmn_id, role, data in MUBA_STEPS:
            result = step(session, ctx, iid, bpmn_id, roles[role], data)
        assert result.instance_status == "completed"
        assert verify_chain(session).ok


def test_same_step_completed_concurrently_exactly_once(pg_factory, ctx, roles):
    with pg_factory() as session:
        sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", MUBA_INTAKE)
        task_id = ready_task(session, sub.instance.id, "verifikasi_formulir").id
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def complete(n: int):
        with pg_factory() as session:
            barrier.wait()
            try:
                runtime.complete_task(session, ctx, task_id, {"lengkap": True, "nomor_buku_pengaduan": str(n)},
                                      actor=roles["petugas"])
                outcomes.append("ok")
            except (TaskNotReady, ConcurrentUpdate):
                outcomes.append("refused")

    threads = [threading.Thread(target=complete, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["refused"] * 7
    with pg_factory() as session:
        completions = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.type == "TASK_COMPLETED", AuditEvent.bpmn_id == "verifikasi_formulir"))
        assert completions == 1
        assert session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.instance_id == sub.instance.id, HumanTask.bpmn_id == "periksa_laporan")) == 1
        assert verify_chain(session).ok


def test_events_and_head_move_in_one_statement_after_the_head_lock(pg_factory, ctx, roles):
    """PostgreSQL: the events' insert carries the head's update (a data-modifying WITH), so the head row is
    locked for one statement and the commit; the chain and the head still agree."""
    from sqlalchemy import event

    from engine.models import AuditHead

    with pg_factory() as session:
        sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", MUBA_INTAKE)
        task_id = ready_task(session, sub.instance.id, "verifikasi_formulir").id
        seq_before = session.get(AuditHead, 1).seq
    statements: list[str] = []
    with pg_factory() as session:
        sa_engine = session.get_bind()

        def record(_conn, _cursor, statement, *_args):
            statements.append(" ".join(statement.split()))

        event.listen(sa_engine, "before_cursor_execute", record)
        try:
            runtime.complete_task(session, ctx, task_id, MUBA_STEPS[0][2], actor=roles["petugas"])
        finally:
            event.remove(sa_engine, "before_cursor_execute", record)
    head = next(i for i, s in enumerate(statements) if s.startswith("SELECT audit_head"))
    assert len(statements[head + 1:]) == 1, statements[head:]
    assert statements[head + 1].startswith("WITH moved_head AS (UPDATE audit_head")
    with pg_factory() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        head_row = session.get(AuditHead, 1)
        assert (head_row.seq, head_row.hash) == (last.seq, last.hash)
        written = session.scalars(select(AuditEvent.type).where(AuditEvent.seq > seq_before)).all()
        assert {"TASK_COMPLETED", "TASK_ACTIVATED"} <= set(written), written  # several rows in the one insert
        assert verify_chain(session).ok


def test_a_large_append_spans_several_insert_batches_and_keeps_the_chain(pg_factory, ctx):
    """More events than one multi-row INSERT carries (SQLAlchemy's 1,000-row pages): every batch moves the
    head to the same final seq and hash, and the chain verifies."""
    from engine.audit import PendingEvents, append_events
    from engine.models import AuditHead

    pending = PendingEvents()
    for n in range(2500):
        pending.add("SYSTEM_NOTED", actor="sistem", at=ctx.clock.now(), payload_n=n)
    with pg_factory() as session:
        written = append_events(session, pending)
        session.commit()
    with pg_factory() as session:
        head = session.get(AuditHead, 1)
        assert (head.seq, head.hash) == (written[-1].seq, written[-1].hash)
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.type == "SYSTEM_NOTED")) == 2500
        assert verify_chain(session).ok
