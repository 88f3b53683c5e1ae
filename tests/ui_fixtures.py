"""Fixtures for the HTML pages: complaints started through the engine inside the test app."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import runtime
from engine.models import HumanTask
from tests.engine_helpers import MUBA_INTAKE


@pytest.fixture
def submit(app):
    """``submit(process="muba_pengaduan", **changes)`` → the engine Submission of a new complaint."""

    def _submit(process: str = "muba_pengaduan", **changes):
        from tasks_ui.extensions import db
        from tasks_ui.wiring import engine_context

        with app.app_context():
            submission = runtime.submit_complaint(
                db.session, engine_context(), process, {**MUBA_INTAKE, **changes}
            )
            result = {
                "tracking_code": submission.tracking_code,
                "reporter_key": submission.reporter_key,
                "instance_id": submission.instance.id,
            }
            db.session.remove()
        return result

    return _submit


@pytest.fixture
def task_rows(app):
    """``task_rows(instance_id)`` → the instance's task rows (id, bpmn_id, role, state, claimed_by)."""

    def _rows(instance_id: int) -> list[dict]:
        from tasks_ui.extensions import db

        with app.app_context():
            rows = [
                {
                    "id": r.id,
                    "bpmn_id": r.bpmn_id,
                    "role": r.role,
                    "state": r.state,
                    "claimed_by": r.claimed_by,
                    "completed_by": r.completed_by,
                }
                for r in db.session.scalars(
                    select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.id)
                )
            ]
            db.session.remove()
        return rows

    return _rows


def ready_id(rows: list[dict], bpmn_id: str) -> int:
    """The id of the ready row with ``bpmn_id``."""
    return next(r["id"] for r in rows if r["bpmn_id"] == bpmn_id and r["state"] == "ready")


def page_token(client, path: str) -> str:
    """The first CSRF token on the page at ``path``."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


__all__ = ["submit", "task_rows"]
