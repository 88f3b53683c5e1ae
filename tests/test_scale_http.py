"""50 HTTP clients complete the same step at the same moment against real processes: ``alur serve
--workers 4`` (gunicorn) over PostgreSQL. Exactly one gets 200, every other one 409, and the audit log
holds one completion."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from engine import runtime
from engine.audit import verify_chain
from engine.db import make_engine, make_session_factory
from engine.models import AuditEvent, HumanTask, ProcessInstance
from tests.engine_helpers import MUBA_INTAKE, ready_task
from tests.scale_fixtures import Server, add_officials, alur_env, api_tokens, http, prepare_pg

pytestmark = pytest.mark.postgres

CLIENTS = 50
# distinct petugas; each logs in once (password hashing is deliberately slow) and 10 clients share a token
OFFICIALS = 5


def test_fifty_http_clients_complete_one_step_exactly_once(pg_url, ctx, tmp_path):
    prepare_pg(pg_url, ctx)
    names = add_officials(pg_url, ctx, "petugas", OFFICIALS)
    sa_engine = make_engine(pg_url)
    factory = make_session_factory(sa_engine)
    with factory() as session:
        sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", MUBA_INTAKE)
        task_id = ready_task(session, sub.instance.id, "verifikasi_formulir").id
        instance_id = sub.instance.id

    server = Server(alur_env(tmp_path / "instance", pg_url, ALUR_RATELIMIT="0"), workers=4).start()
    try:
        tokens = api_tokens(server.url, names)
        barrier = threading.Barrier(CLIENTS)
        results: list[tuple[int, object]] = []

        def client(i: int) -> None:
            headers = {"Authorization": f"Bearer {tokens[names[i % OFFICIALS]]}"}
            body = {"data": {"lengkap": True, "nomor_buku_pengaduan": f"BP-{i:03d}/2026"}}
            barrier.wait()
            results.append(http("POST", f"{server.url}/api/v1/tasks/{task_id}/complete", body, headers, timeout=60))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        workers_used = len(server.worker_pids())
    finally:
        server.stop()

    statuses = Counter(status for status, _body in results)
    assert statuses == {200: 1, 409: CLIENTS - 1}, [r for r in results if r[0] not in (200, 409)][:3]
    assert workers_used == 4
    refusals = {body["error"]["code"] for status, body in results if status == 409}
    assert refusals <= {"task_not_ready", "concurrent_update"}
    winner = next(body for status, body in results if status == 200)
    assert winner["instance_id"] == instance_id
    assert [t["bpmn_id"] for t in winner["next_tasks"]] == ["periksa_laporan"]
    with factory() as session:
        completions = session.scalars(select(AuditEvent).where(
            AuditEvent.type == "TASK_COMPLETED", AuditEvent.instance_id == instance_id,
            AuditEvent.bpmn_id == "verifikasi_formulir")).all()
        assert len(completions) == 1
        assert completions[0].actor in names
        row = session.get(HumanTask, task_id)
        assert row.state == "completed" and row.completed_by == completions[0].actor
        assert session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.state == "ready")) == 1
        instance = session.get(ProcessInstance, instance_id)
        assert runtime.load_workflow(instance, ctx).get_tasks()
        assert verify_chain(session).ok
    sa_engine.dispose()
