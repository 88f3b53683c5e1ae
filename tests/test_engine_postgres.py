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
