"""Complaints for everyone: submit (201 with tracking code and reporter key), public status by tracking code,
and the reporter's answer to the step waiting for them (``X-Reporter-Key``).

The public never sees the reporter's identity; a ``rahasia`` complaint's content is hidden too
(``engine.visibility.complaint_view`` decides). The reporter key is read from a header, never from the URL.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import select

from engine import inbox, runtime
from engine.actors import ON_BEHALF_OF_REPORTER, reporter
from engine.errors import InvalidData, NotYourRole
from engine.models import HumanTask, ProcessInstance, ProcessVersion
from engine.visibility import PUBLIC, complaint_view

from ..auth.blueprint import current_actor
from ..extensions import db, limiter
from ..wiring import engine_context
from .blueprint import bp, data_of, json_body

#: The channel of a complaint an anonymous caller sends without naming one.
DEFAULT_CHANNEL = "website"
#: What the officials wrote for the reporter (shown with the reporter key only).
NOTE_FIELDS = ("kekurangan", "tanggapan")
NO_STORE = {"Cache-Control": "no-store"}


def _post_limit() -> str:
    return current_app.config.get("ALUR_PUBLIC_POST_LIMIT", "10/minute;60/hour")


def _signed_in() -> bool:
    """Officials calling with a token are not held to the public rate limit."""
    return bool(current_user.is_authenticated)


def _complaint_process(body: dict) -> str:
    """The ``process`` of the body: a deployed complaint process, else 422 naming the field."""
    key = body.get("process")
    if not isinstance(key, str) or not key.strip():
        raise InvalidData({"process": ("field_required", {})})
    found = db.session.scalars(select(ProcessVersion.is_complaint).where(ProcessVersion.process_key == key)
                               .order_by(ProcessVersion.version.desc())).first()
    if not found:
        raise InvalidData({"process": ("field_choice", {})})
    return key


def _recording_official():
    """A petugas calling with a token records the complaint for the reporter; anyone else is the reporter."""
    if current_user.is_authenticated and current_actor().holds(ON_BEHALF_OF_REPORTER):
        return current_actor()
    return None


@bp.post("/complaints")
@limiter.limit(_post_limit, exempt_when=_signed_in)
def submit_complaint():
    """Start a complaint → ``201 {"tracking_code", "instance_id", "reporter_key"}``; 422 with ``fields``."""
    body = json_body()
    process = _complaint_process(body)
    official = _recording_official()
    data = {k: v for k, v in body.items() if k != "process"}
    if official is None:
        data.pop("received_at", None)  # only a recording official states when it was received
    data.setdefault("channel", DEFAULT_CHANNEL)
    submission = runtime.submit_complaint(db.session, engine_context(), process, data, actor=official)
    return {"tracking_code": submission.tracking_code, "instance_id": submission.instance_id,
            "reporter_key": submission.reporter_key}, 201, NO_STORE


def _steps(instance: ProcessInstance) -> list[dict]:
    rows = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                      HumanTask.is_escalation.is_(False)).order_by(HumanTask.id))
    return [{"name": row.name, "state": row.state, "ready_at": row.ready_at.isoformat(),
             "completed_at": row.completed_at.isoformat() if row.completed_at else None} for row in rows]


def _waiting_step(instance: ProcessInstance) -> dict | None:
    """The step waiting in the ``pelapor`` lane with its form and the officials' note (key already checked)."""
    row = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state == "ready", HumanTask.role == "pelapor")).first()
    if row is None:
        return None
    view = inbox.task_view(db.session, engine_context(), row.id, reporter(instance.tracking_code))
    return {"name": row.name, "bpmn_id": row.bpmn_id, "ready_at": row.ready_at.isoformat(),
            "documentation": view.documentation, "form": row.form_name, "form_schema": view.form_schema,
            "notes": {key: view.data[key] for key in NOTE_FIELDS if view.data.get(key)}}


def _reporter_key_given(instance: ProcessInstance) -> bool:
    """True with the right ``X-Reporter-Key``; False without one; a wrong key is a 403."""
    key = (request.headers.get("X-Reporter-Key") or "").strip()
    if not key:
        return False
    if not runtime.check_reporter_key(instance, key):
        raise NotYourRole(role="pelapor")
    return True


@bp.get("/complaints/<tracking_code>")
def complaint_status(tracking_code: str):
    """Public status: stage, dates, answer, steps; never the identity. With the key: the waiting step too."""
    instance = runtime.find_by_tracking_code(db.session, tracking_code)
    with_key = _reporter_key_given(instance)
    viewer = reporter(instance.tracking_code) if with_key else PUBLIC
    body = complaint_view(instance, None, viewer, "public")
    body.update({"office": instance.version.name, "updated_at": instance.updated_at.isoformat(),
                 "steps": _steps(instance)})
    if with_key:
        body["waiting"] = _waiting_step(instance)
        return body, 200, NO_STORE
    return body


@bp.post("/complaints/<tracking_code>/respond")
@limiter.limit(_post_limit)
def respond(tracking_code: str):
    """The reporter completes the step waiting for them: ``{"data": {...}}`` with ``X-Reporter-Key``."""
    instance = runtime.find_by_tracking_code(db.session, tracking_code)
    key = (request.headers.get("X-Reporter-Key") or "").strip()
    if not runtime.check_reporter_key(instance, key):
        raise NotYourRole(role="pelapor")
    data = data_of(json_body())
    runtime.complete_reporter_task(db.session, engine_context(), instance.tracking_code, key, data)
    db.session.expire_all()
    instance = runtime.find_by_tracking_code(db.session, tracking_code)
    return {"tracking_code": instance.tracking_code, "status": instance.status, "stage": instance.stage,
            "waiting": _waiting_step(instance)}, 200, NO_STORE
