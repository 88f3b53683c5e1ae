"""PostgreSQL under contention: 50 officials on one step, claim races, a connection dropped mid-request."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, func, select, text

from engine import runtime
from engine.audit import verify_chain
from engine.db import make_engine, make_session_factory
from engine.errors import ConcurrentUpdate, DatabaseUnavailable, TaskClaimedByOther, TaskNotReady
from engine.models import AuditEvent, HumanTask, ProcessInstance
from tests.conftest import PASSWORDS, actor
from tests.engine_helpers import MUBA_INTAKE, ready_task
from tests.scale_fixtures import pg_schema_of, prepare_pg

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_factory(pg_url, ctx):
    prepare_pg(pg_url, ctx)
    sa_engine = make_engine(pg_url)
    yield make_session_factory(sa_engine)
    sa_engine.dispose()


def _race(n: int, work) -> list[str]:
    """Run ``work(i)`` in ``n`` threads released together; their outcomes."""
    outcomes: list[str] = []
    barrier = threading.Barrier(n)

    def run(i: int):
        barrier.wait()
        outcomes.append(work(i))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_fifty_officials_complete_the_same_step_exactly_once(pg_factory, ctx):
    with pg_factory() as session:
        sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", MUBA_INTAKE)
        task_id = ready_task(session, sub.instance.id, "verifikasi_formulir").id

    def complete(i: int) -> str:
        with pg_factory() as session:
            try:
                runtime.complete_task(session, ctx, task_id, {"lengkap": True, "nomor_buku_pengaduan": f"BP-{i}"},
                                      actor=actor("petugas", f"petugas{i}"))
                return "ok"
            except (TaskNotReady, ConcurrentUpdate):
                return "refused"

    assert sorted(_race(50, complete)) == ["ok"] + ["refused"] * 49
    with pg_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.type == "TASK_COMPLETED", AuditEvent.bpmn_id == "verifikasi_formulir")) == 1
        assert session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.instance_id == sub.instance.id, HumanTask.bpmn_id == "periksa_laporan")) == 1
        instance = session.get(ProcessInstance, sub.instance.id)
        assert runtime.load_workflow(instance, ctx).get_tasks()  # the stored state still loads
        assert verify_chain(session).ok


def test_claim_race_has_one_holder(pg_factory, ctx):
    with pg_factory() as session:
        sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", MUBA_INTAKE)
        task_id = ready_task(session, sub.instance.id, "verifikasi_formulir").id

    def claim(i: int) -> str:
        with pg_factory() as session:
            try:
                runtime.claim_task(session, ctx, task_id, actor=actor("petugas", f"petugas{i}"))
                return f"petugas{i}"
            except TaskClaimedByOther:
                return "refused"

    outcomes = _race(20, claim)
    winners = [o for o in outcomes if o != "refused"]
    assert len(winners) == 1 and outcomes.count("refused") == 19
    with pg_factory() as session:
        assert session.get(HumanTask, task_id).claimed_by == winners[0]
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.type == "TASK_CLAIMED")) == 1


def _terminate(admin_url: str, pid: int) -> None:
    admin = create_engine(admin_url)
    with admin.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()


def test_dropped_connection_fails_the_operation_cleanly_and_the_next_works(pg_url, pg_factory, ctx):
    with pg_factory() as session:
        sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", MUBA_INTAKE)
        task_id = ready_task(session, sub.instance.id, "verifikasi_formulir").id
    session = pg_factory()
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar()  # the session now holds a connection
    _terminate(pg_url, pid)
    data = {"lengkap": True, "nomor_buku_pengaduan": "BP-1"}
    with pytest.raises(DatabaseUnavailable):
        runtime.complete_task(session, ctx, task_id, data, actor=actor("petugas"))
    # the same session (as a request's scoped session would) and the pool recover on the next operation
    runtime.complete_task(session, ctx, task_id, data, actor=actor("petugas"))
    session.close()
    with pg_factory() as check:
        assert check.get(HumanTask, task_id).state == "completed"
        assert verify_chain(check).ok


def _idle_pid(factory) -> int:
    """The backend pid of a connection now back in the pool, idle."""
    with factory() as session:
        return session.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_dropped_while_idle_is_pinged_and_replaced_before_use(pg_url, pg_factory, ctx, monkeypatch):
    from engine import db

    with pg_factory() as session:
        sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", MUBA_INTAKE)
        task_id = ready_task(session, sub.instance.id, "verifikasi_formulir").id
    data = {"lengkap": True, "nomor_buku_pengaduan": "BP-1"}
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # every pooled connection counts as idle long enough
    dropped = _idle_pid(pg_factory)
    _terminate(pg_url, dropped)
    with pg_factory() as session:
        runtime.complete_task(session, ctx, task_id, data, actor=actor("petugas"))  # no error: replaced
        assert session.execute(text("SELECT pg_backend_pid()")).scalar() != dropped
    # a connection in use moments ago is not pinged: dropped in between, its request fails cleanly (as a drop
    # in the middle of a request does) and the next one works
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 3600.0)
    with pg_factory() as session:
        next_task = ready_task(session, sub.instance.id, "periksa_laporan").id
    _terminate(pg_url, _idle_pid(pg_factory))
    with pg_factory() as session, pytest.raises(DatabaseUnavailable):
        runtime.complete_task(session, ctx, next_task, {}, actor=actor("kasi"))
    with pg_factory() as session:
        assert ready_task(session, sub.instance.id, "periksa_laporan").id == next_task


def test_pinging_only_idle_connections_saves_the_round_trip_per_checkout(pg_factory, monkeypatch):
    from engine import db

    pings = []
    dialect = pg_factory.kw["bind"].dialect
    ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: pings.append(1) or ping(connection))
    for _ in range(3):
        _idle_pid(pg_factory)
    assert pings == []
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)
    _idle_pid(pg_factory)
    assert pings == [1]


@pytest.fixture
def pg_app(pg_url, ctx, clock):
    from tasks_ui import create_app
    from tasks_ui.extensions import db

    prepare_pg(pg_url, ctx)
    application = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": pg_url, "SECRET_KEY": "test-secret", "ALUR_CLOCK": clock,
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False,
    })
    yield application
    with application.app_context():
        db.engine.dispose()


def test_connection_dropped_mid_request_gives_503_json_and_the_next_request_works(pg_app, pg_url):
    from flask import request

    from tasks_ui.extensions import db

    drop = {"armed": True}

    @pg_app.before_request
    def _drop_connection_mid_request():
        # the request has its connection; the server goes away before the view runs its queries
        if drop["armed"] and request.path == "/api/v1/tokens":
            drop["armed"] = False
            _terminate(pg_url, db.session.execute(text("SELECT pg_backend_pid()")).scalar())

    client = pg_app.test_client()
    credentials = {"username": "kasi", "password": PASSWORDS["kasi"]}
    failed = client.post("/api/v1/tokens", json=credentials)
    assert failed.status_code == 503 and failed.headers.get("Retry-After")
    body = failed.get_json()
    assert body["error"]["code"] == "database_unavailable"
    assert "Traceback" not in failed.get_data(as_text=True) and "psycopg" not in failed.get_data(as_text=True)
    assert client.post("/api/v1/tokens", json=credentials).status_code == 201
    assert client.get("/").status_code == 200


def test_pg_schema_helper(pg_url):
    assert pg_schema_of(pg_url).startswith("alur_test_")
