"""A simulated month of traffic (both processes, timers, a mid-month v2 with running complaints migrated to it):
every change audited, the chain verifies, every instance replays, and any alteration or deletion of an event
(triggers dropped) is found at that event — also an input altered after a migration."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select, text, update

from engine.audit import verify_chain
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock
from engine.context import EngineContext
from engine.db import create_schema, make_engine, make_session_factory
from engine.models import AuditEvent, AuditHead, ProcessInstance, ProcessVersion, Role
from engine.replay import replay_instance, replay_period
from tests.audit_fixtures import ChangeRecorder, simulate_month
from tests.conftest import deploy_shipped

# Wednesday 1 April 2026, 08:00 WIB: a month with Good Friday (3 Apr) and weekends inside it.
MONTH_START = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('month') / 'alur.sqlite'}")
    create_schema(engine)
    clock = FixedClock(MONTH_START)
    ctx = EngineContext(clock=clock, calendar=OfficeCalendar())
    factory = make_session_factory(engine)
    session = factory()
    deploy_shipped(session, ctx)
    recorder = ChangeRecorder(factory)
    summary = simulate_month(factory, session, ctx, clock, MONTH_START)
    yield session, ctx, summary, recorder, engine
    session.close()
    engine.dispose()


def test_month_is_busy_and_fully_audited(month):
    session, _ctx, summary, recorder, _engine = month
    types = Counter(session.scalars(select(AuditEvent.type)))
    assert len(summary.instance_ids) > 60 and summary.completions > 200 and summary.timers_fired >= 5
    for kind in ("INSTANCE_STARTED", "TASK_ACTIVATED", "TASK_COMPLETED", "TASK_CLAIMED", "TASK_RELEASED",
                 "TIMER_FIRED", "INSTANCE_COMPLETED", "USER_CREATED", "USER_ROLES_CHANGED", "USER_DEACTIVATED",
                 "PROCESS_DEPLOYED", "ROLE_DEFINED", "INSTANCE_MIGRATED", "INSTANCE_MIGRATION_REVERTED"):
        assert types[kind] > 0, kind
    statuses = Counter(session.scalars(select(ProcessInstance.status)))
    assert statuses["completed"] > 20 and statuses["running"] > 5
    assert recorder.transactions and recorder.unaudited() == []
    # the net sees the rows a save writes by Core statements, not only flushed objects
    written = set().union(*(tables for tables, _events in recorder.transactions))
    assert {"process_instance", "human_task", "timer", "outbox_message", "step_time",
            "complaint_summary"} <= written, written


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_recorder_catches_an_unaudited_core_write(database, tmp_path, request):
    """The net itself: Core writes committed without an audit event are reported, also two writes sent as one
    statement (a data-modifying WITH on PostgreSQL, engine.writes); the chain head's own update is not history."""
    from engine.writes import execute_together

    url = f"sqlite:///{tmp_path / 'alur.sqlite'}" if database == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    create_schema(engine)
    factory = make_session_factory(engine)
    ctx = EngineContext(clock=FixedClock(MONTH_START), calendar=OfficeCalendar())
    with factory() as session:
        deploy_shipped(session, ctx)
    recorder = ChangeRecorder(factory)
    versions, roles = ProcessVersion.__table__, Role.__table__  # Core tables, as the save writes them
    with factory() as session:
        session.execute(update(ProcessVersion).values(sop_number="SOP-TANPA-JEJAK"))
        session.commit()
        session.execute(update(AuditHead).values(seq=AuditHead.seq))
        session.commit()
        execute_together(
            session,
            (update(versions).where(versions.c.id == bindparam("version_id")), [{"version_id": 1, "sop_number": "X"}]),
            (update(roles).where(roles.c.key == bindparam("role_key")), [{"role_key": "kasi", "name_en": "Head"}]))
        session.commit()
    assert recorder.unaudited() == [{"process_version"}, {"process_version", "role"}]
    engine.dispose()


def test_the_month_migrates_running_complaints_of_both_processes(month):
    session, _ctx, summary, _recorder, _engine = month
    moved = session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(summary.migrated))).all()
    assert {i.process_key for i in moved} == {"muba_pengaduan", "sanggau_pengaduan"} and len(moved) >= 4
    assert all(i.version.version == 2 for i in moved)
    assert session.get(ProcessInstance, next(iter(summary.reverted))).version.version == 1
    later = {iid for iid, in session.execute(
        select(AuditEvent.instance_id).where(AuditEvent.instance_id.in_(summary.migrated),
                                             AuditEvent.type == "TASK_COMPLETED",
                                             AuditEvent.seq > _migration_seq(session)))}
    assert len(later) >= 3  # they went on working on v2
    assert any(i.status == "completed" for i in moved)
    on_v2 = session.scalars(select(ProcessInstance).where(ProcessInstance.started_at > min(
        i.updated_at for i in moved))).all()
    assert any(i.version.version == 2 for i in on_v2)  # complaints started after the deploy run on v2


def _migration_seq(session) -> int:
    return session.scalar(select(AuditEvent.seq).where(AuditEvent.type == "INSTANCE_MIGRATED")
                          .order_by(AuditEvent.seq))


def test_chain_verifies_after_the_month(month):
    session = month[0]
    report = verify_chain(session)
    assert report.ok and report.checked == session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()))


def test_every_instance_of_the_month_reproduces(month):
    session, ctx, summary, _recorder, _engine = month
    results = [replay_instance(session, ctx, iid) for iid in summary.instance_ids]
    failed = [(r.instance_id, r.divergence) for r in results if not r.reproduced]
    assert failed == []
    assert sum(r.events_checked for r in results) > 1000
    batch = replay_period(session, ctx, MONTH_START.date(), datetime(2026, 4, 30).date())
    assert len(batch) == len(summary.instance_ids) and all(r.reproduced for r in batch)


def _sample_seqs(session) -> list[int]:
    """The first and last event and one event of every type."""
    last = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()))
    newest_first = session.execute(select(AuditEvent.seq, AuditEvent.type).order_by(AuditEvent.seq.desc()))
    by_type = {t: s for s, t in newest_first}
    return sorted({1, last, *by_type.values()})


@pytest.mark.parametrize("column, value", [("actor", "'mallory'"), ("at", "'2026-04-02 01:00:00.000000'"),
                                           ("payload", "'{\"tampered\": 1}'"),
                                           ("data_after", "'{\"tampered\": 1}'")])
def test_altering_any_event_is_found_at_that_event(month, column, value):
    session, _ctx, _summary, _recorder, engine = month
    session.execute(text("DROP TRIGGER audit_event_no_update"))
    try:
        for seq in _sample_seqs(session):
            original = session.execute(text(f"SELECT {column} FROM audit_event WHERE seq = :s"), {"s": seq}).scalar()
            session.execute(text(f"UPDATE audit_event SET {column} = {value} WHERE seq = :s"), {"s": seq})
            session.commit()
            session.expire_all()
            report = verify_chain(session)
            assert not report.ok and report.broken_seq == seq, (column, seq, report)
            session.execute(text(f"UPDATE audit_event SET {column} = :v WHERE seq = :s"), {"v": original, "s": seq})
            session.commit()
            session.expire_all()
        assert verify_chain(session).ok
    finally:
        session.rollback()
        create_schema(engine)  # puts the trigger back


def test_deleting_any_event_is_found_at_that_event(month):
    session, _ctx, _summary, _recorder, engine = month
    session.execute(text("DROP TRIGGER audit_event_no_delete"))
    columns = [c.name for c in AuditEvent.__table__.columns]
    try:
        for seq in _sample_seqs(session):
            row = session.execute(text(f"SELECT {', '.join(columns)} FROM audit_event WHERE seq = :s"),
                                  {"s": seq}).mappings().one()
            session.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": seq})
            session.commit()
            session.expire_all()
            report = verify_chain(session)
            assert not report.ok and report.broken_seq == seq, (seq, report)
            session.execute(text(f"INSERT INTO audit_event ({', '.join(columns)}) VALUES "
                                 f"({', '.join(':' + c for c in columns)})"), dict(row))
            session.commit()
            session.expire_all()
        assert verify_chain(session).ok
    finally:
        session.rollback()
        create_schema(engine)


def _replay_altered(month, event: AuditEvent, field: str, value):
    """Replay of ``event``'s instance with one field of its recorded input altered by SQL (trigger dropped), and
    the chain check while altered; the log is put back afterwards and must reproduce again."""
    session, ctx, _summary, _recorder, engine = month
    seq, instance_id, original = event.seq, event.instance_id, json.dumps(event.payload)
    session.execute(text("DROP TRIGGER audit_event_no_update"))
    try:
        session.execute(text("UPDATE audit_event SET payload = json_set(payload, :path, :v) WHERE seq = :s"),
                        {"path": f"$.input.{field}", "v": value, "s": seq})
        session.commit()
        session.expire_all()
        result, chain = replay_instance(session, ctx, instance_id), verify_chain(session)
        session.execute(text("UPDATE audit_event SET payload = :p WHERE seq = :s"), {"p": original, "s": seq})
        session.commit()
        session.expire_all()
        assert replay_instance(session, ctx, instance_id).reproduced
    finally:
        session.rollback()
        create_schema(engine)
    return result, chain


def test_altered_input_diverges_at_that_step(month):
    session = month[0]
    event = session.scalars(select(AuditEvent).where(AuditEvent.type == "TASK_COMPLETED",
                                                     AuditEvent.bpmn_id == "periksa_laporan")
                            .order_by(AuditEvent.seq)).first()
    seq = event.seq
    other = "sebagian" if event.payload["input"]["hasil_pemeriksaan"] != "sebagian" else "benar"
    result, chain = _replay_altered(month, event, "hasil_pemeriksaan", other)
    assert not result.reproduced
    assert result.divergence["seq"] == seq and result.divergence["bpmn_id"] == "periksa_laporan"
    assert "hasil_pemeriksaan" in result.divergence["reason"]
    assert chain.broken_seq == seq


#: A free-text field of each step's form: altering it changes the data after the step, not the path.
FREE_TEXT = {"verifikasi_formulir": "nomor_buku_pengaduan", "periksa_laporan": "catatan_solusi",
             "beri_solusi": "jawaban", "catat_buku_pengaduan": "nomor_buku_pengaduan",
             "tanggapi_kelengkapan": "tanggapan", "susun_jawaban": "jawaban", "setujui_jawaban": "jawaban"}


def test_altered_input_after_a_migration_diverges_at_that_step(month):
    session, _ctx, summary, _recorder, _engine = month
    migrated = {e.instance_id: e.seq for e in session.scalars(select(AuditEvent).where(
        AuditEvent.type == "INSTANCE_MIGRATED", AuditEvent.instance_id.in_(summary.migrated)))}
    event = next(e for e in session.scalars(
        select(AuditEvent).where(AuditEvent.type == "TASK_COMPLETED", AuditEvent.instance_id.in_(migrated),
                                 AuditEvent.bpmn_id.in_(FREE_TEXT)).order_by(AuditEvent.seq))
        if e.seq > migrated[e.instance_id])
    seq, bpmn_id, field = event.seq, event.bpmn_id, FREE_TEXT[event.bpmn_id]
    result, chain = _replay_altered(month, event, field, "diubah diam-diam")
    assert not result.reproduced
    assert result.divergence["seq"] == seq and result.divergence["bpmn_id"] == bpmn_id
    assert field in result.divergence["reason"]
    assert result.divergence["got"]["data_after"][field] == "diubah diam-diam"
    assert chain.broken_seq == seq
