"""No code path updates or deletes an audit event, and the databases refuse it (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from engine import runtime, users
from engine.actors import SYSTEM_INIT
from engine.audit import verify_chain
from engine.models import AuditEvent, User
from tests.conftest import deploy_shipped
from tests.engine_helpers import MUBA_INTAKE, step

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = [
    re.compile(r"\b(update|delete)\s*\(\s*AuditEvent\b"),  # update(AuditEvent) / delete(AuditEvent)
    re.compile(r"\b(UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?)\s+[\"']?audit_event\b", re.I),
    re.compile(r"AuditEvent\b[^\n]*\.(delete|update)\s*\("),  # query(AuditEvent)…delete()
    re.compile(r"\.delete\s*\(\s*(audit_)?event\b"),  # session.delete(event)
]
#: Only append_events may set fields of an event (a new one, before it is flushed).
FIELD_WRITE = re.compile(r"\b(event|audit_event)\."
                         r"(seq|at|actor|type|payload|data_before|data_after|hash|prev_hash)\s*=[^=]")


def violations(source: str, path: str) -> list[str]:
    """Lines of ``source`` that would change or remove an audit event."""
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        if any(p.search(line) for p in FORBIDDEN):
            found.append(f"{path}:{number}: {line.strip()}")
        elif FIELD_WRITE.search(line) and not path.endswith("engine/audit.py"):
            found.append(f"{path}:{number}: {line.strip()}")
    return found


def test_checker_finds_what_it_looks_for():
    bad = ("session.execute(update(AuditEvent).values(actor='x'))\n"
           "session.query(AuditEvent).filter_by(seq=1).delete()\n"
           "conn.execute(text('DELETE FROM audit_event'))\n"
           "session.delete(event)\n"
           "event.payload = {}\n")
    assert len(violations(bad, "tasks_ui/x.py")) == 5
    assert violations("select(AuditEvent).where(AuditEvent.seq == 1)\nif event.type == 'X':", "engine/x.py") == []


def test_no_code_path_updates_or_deletes_audit_events():
    found = []
    for folder in ("engine", "tasks_ui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


def test_user_changes_are_audited(deployed, ctx):
    users.create_user(deployed, ctx, "rina", "sandi-rina-123", ["petugas"], actor=SYSTEM_INIT)
    users.set_user_roles(deployed, ctx, "rina", ["petugas", "kasi"], actor=SYSTEM_INIT)
    users.set_user_roles(deployed, ctx, "rina", ["kasi", "petugas"], actor=SYSTEM_INIT)  # no change, no event
    users.set_user_active(deployed, ctx, "rina", False, actor=SYSTEM_INIT)
    events = deployed.scalars(select(AuditEvent).where(AuditEvent.type.like("USER_%")).order_by(AuditEvent.seq)).all()
    assert [e.type for e in events] == ["USER_CREATED", "USER_ROLES_CHANGED", "USER_DEACTIVATED"]
    assert events[1].data_before == {"roles": ["petugas"]} and events[1].data_after == {"roles": ["kasi", "petugas"]}
    assert deployed.scalars(select(User).where(User.username == "rina")).one().active is False
    from engine.errors import InvalidInput, NotFound

    with pytest.raises(InvalidInput):
        users.set_user_roles(deployed, ctx, "rina", ["penyihir"], actor=SYSTEM_INIT)
    with pytest.raises(NotFound):
        users.set_user_active(deployed, ctx, "tidak-ada", False, actor=SYSTEM_INIT)
    assert verify_chain(deployed).ok


def test_loading_changed_roles_is_audited(deployed, ctx, tmp_path):
    import json

    from tests.conftest import PROCESSES

    roles = json.loads((PROCESSES / "roles.json").read_text(encoding="utf-8"))
    roles[0]["name_en"] = "Complainant"
    path = tmp_path / "roles.json"
    path.write_text(json.dumps(roles), encoding="utf-8")
    users.load_roles(deployed, ctx, path)
    changed = deployed.scalars(select(AuditEvent).where(AuditEvent.type == "ROLE_CHANGED")).one()
    assert changed.data_after["name_en"] == "Complainant" and changed.data_before["name_en"] != "Complainant"


@pytest.mark.postgres
def test_postgres_refuses_update_delete_truncate_and_verify_finds_tampering(pg_session_factory, ctx, roles):
    with pg_session_factory() as session:
        deploy_shipped(session, ctx)
        sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", MUBA_INTAKE)
        step(session, ctx, sub.instance.id, "verifikasi_formulir", roles["petugas"],
             {"lengkap": True, "nomor_buku_pengaduan": "BP-1"})
        seq = session.scalar(select(AuditEvent.seq).where(AuditEvent.type == "TASK_COMPLETED")
                             .order_by(AuditEvent.seq.desc()))
        for statement in (f"UPDATE audit_event SET actor = 'mallory' WHERE seq = {seq}",
                          f"DELETE FROM audit_event WHERE seq = {seq}", "TRUNCATE audit_event"):
            with pytest.raises(DatabaseError, match="append-only"):
                session.execute(text(statement))
            session.rollback()
        assert verify_chain(session).ok
        session.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        session.execute(text(f"UPDATE audit_event SET actor = 'mallory' WHERE seq = {seq}"))
        session.commit()
        session.expire_all()
        report = verify_chain(session)
        assert not report.ok and report.broken_seq == seq
        session.execute(text(f"DELETE FROM audit_event WHERE seq = {seq}"))
        session.commit()
        session.expire_all()
        report = verify_chain(session)
        assert not report.ok and report.broken_seq == seq and "missing" in report.reason
