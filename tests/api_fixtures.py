"""Fixtures for the JSON API tests: complaints submitted through ``POST /api/v1/complaints``, extra users."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import users
from engine.actors import SYSTEM_INIT
from engine.models import AuditEvent, HumanTask

COMPLAINT = {
    "process": "muba_pengaduan",
    "channel": "website",
    "reporter": {"name": "Siti Aminah", "address": "Jl. Sudirman 7, Sekayu", "phone": "0813-5555-1234",
                 "email": "siti@example.org"},
    "anonymity": "none",
    "subject": "AC ruang baca mati",
    "description": "AC ruang baca lantai dua mati sejak Senin; ruangan panas sekali.",
    "category": "fasilitas",
}
#: What the petugas fills on the Musi Banyuasin verification step.
VERIFIED = {"lengkap": True, "nomor_buku_pengaduan": "12/III/2026"}


@pytest.fixture
def complain(client):
    """``complain(**changes)`` → the 201 body of ``POST /api/v1/complaints``."""

    def _complain(**changes):
        response = client.post("/api/v1/complaints", json={**COMPLAINT, **changes})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return _complain


@pytest.fixture
def db_read(app):
    """``db_read(fn)`` runs ``fn(session)`` inside the app and returns its result."""

    def _read(fn):
        from tasks_ui.extensions import db

        with app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    return _read


@pytest.fixture
def snapshot(db_read):
    """``snapshot()`` → (task rows as tuples, audit event count): compare before/after a refused request."""

    def _snapshot():
        def read(session):
            rows = session.execute(select(HumanTask.id, HumanTask.state, HumanTask.claimed_by,
                                          HumanTask.completed_by).order_by(HumanTask.id)).all()
            return [tuple(r) for r in rows], session.scalar(select(func.count()).select_from(AuditEvent))

        return db_read(read)

    return _snapshot


@pytest.fixture
def add_user(app):
    """``add_user(name, *roles)`` creates another official (password ``sandi-NAME-123``)."""

    def _add(name: str, *roles: str) -> str:
        from tasks_ui.extensions import db
        from tasks_ui.wiring import engine_context

        with app.app_context():
            users.create_user(db.session, engine_context(), name, f"sandi-{name}-123", list(roles), actor=SYSTEM_INIT)
            db.session.remove()
        return f"sandi-{name}-123"

    return _add


def bearer(client, username: str, password: str) -> dict:
    """Bearer headers for any user."""
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def ready_of(client, headers: dict, instance_id: int) -> dict:
    """The caller's ready task of an instance, from ``GET /api/v1/tasks``."""
    tasks = client.get("/api/v1/tasks", headers=headers).get_json()
    [task] = [task for task in tasks if task["instance_id"] == instance_id]
    return task
