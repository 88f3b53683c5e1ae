"""Officials' API: the inbox as JSON, one task with its form and visible data, claim/release/complete, an
instance's state, and starting a (non-complaint) process.

``GET /api/v1/tasks`` is ``engine.inbox.ready_tasks``: one indexed query over task rows, never a workflow.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import select

from engine import inbox, runtime
from engine.actors import reporter
from engine.errors import InvalidInput, NotYourRole
from engine.models import HumanTask
from engine.repository import get_instance, latest_version
from engine.visibility import complaint_view

from ..auth.blueprint import allowed_roles, current_actor, roles_required
from ..extensions import db, limiter, login_manager
from ..i18n import t
from ..wiring import engine_context
from .blueprint import OFFICIAL_ROLES, answered_from_memory, bp, data_of, int_arg, json_body, task_item
from .complaints import _post_limit, _signed_in

#: Who may read an instance.
INSTANCE_READERS = (*OFFICIAL_ROLES, "auditor")
#: Page size of the task list when no limit is asked (the most urgent first), and the largest page.
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def _list_filters() -> dict:
    state = request.args.get("timer_state") or request.args.get("state") or None
    if state is not None and state not in inbox.TIMER_STATES:
        raise InvalidInput(detail=t("api_bad_parameter", name="timer_state"))
    return {"process": request.args.get("process") or None, "role": request.args.get("role") or None,
            "state": state, "held_by": current_actor().name if request.args.get("held") == "me" else None}


@bp.get("/tasks")
@roles_required(*OFFICIAL_ROLES)
def list_tasks():
    """Ready steps of the caller's roles, oldest due first (``?process=&role=&timer_state=&held=me&limit=&offset=``)."""
    filters = _list_filters()
    limit = int_arg("limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    offset = int_arg("offset", 0, low=0, high=10_000_000)
    entries = inbox.ready_tasks(db.session, engine_context(), current_actor(), limit=limit, offset=offset,
                                **filters)
    return jsonify([entry.as_dict() for entry in entries])


def _task_detail(view: inbox.TaskView) -> dict:
    ctx = engine_context()
    row, instance = view.task, view.instance
    body = task_item(row, ctx.calendar, ctx.clock.now())
    body.update({
        "elapsed_seconds": round(view.elapsed_seconds, 1), "documentation": view.documentation,
        "sop_step": view.sop_step, "inputs": view.inputs, "output": view.output, "form_schema": view.form_schema,
        "data": view.data, "claimed_at": _iso(row.claimed_at), "completed_by": row.completed_by,
        "completed_at": _iso(row.completed_at),
        "instance": {"id": instance.id, "status": instance.status, "stage": instance.stage,
                     "version": instance.version.version, "tracking_code": instance.tracking_code},
    })
    return body


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@bp.get("/tasks/<int:task_id>")
@roles_required(*OFFICIAL_ROLES)
def show_task(task_id: int):
    """One step: the list fields plus SOP instruction, form schema and the data the caller may see."""
    return _task_detail(inbox.task_view(db.session, engine_context(), task_id, current_actor()))


def _row_body(row: HumanTask) -> dict:
    ctx = engine_context()
    return task_item(row, ctx.calendar, ctx.clock.now())


@bp.post("/tasks/<int:task_id>/claim")
@roles_required(*OFFICIAL_ROLES)
def claim_task(task_id: int):
    """Hold the step → 200 with the task; 409 when someone else holds it or it is no longer ready."""
    with answered_from_memory(db.session()):
        return _row_body(runtime.claim_task(db.session, engine_context(), task_id, actor=current_actor()))


@bp.post("/tasks/<int:task_id>/release")
@roles_required(*OFFICIAL_ROLES)
def release_task(task_id: int):
    """Give the step back to the role's pool → 200; 409 when someone else holds it."""
    with answered_from_memory(db.session()):
        return _row_body(runtime.release_task(db.session, engine_context(), task_id, actor=current_actor()))


@bp.post("/tasks/<int:task_id>/complete")
@roles_required(*OFFICIAL_ROLES)
def complete_task(task_id: int):
    """``{"data": {...}}`` → ``200 {"instance_id", "next_tasks"}``; 422 invalid data, 403 role, 409 not ready."""
    data = data_of(json_body())
    ctx = engine_context()
    with answered_from_memory(db.session()):
        completion = runtime.complete_task(db.session, ctx, task_id, data, actor=current_actor())
    now = ctx.clock.now()
    return {"instance_id": completion.instance_id, "instance_status": completion.instance_status,
            "next_tasks": [task_item(row, ctx.calendar, now) for row in completion.next_tasks]}


@bp.get("/instances/<int:instance_id>")
@roles_required(*INSTANCE_READERS)
def show_instance(instance_id: int):
    """State, version and current steps of an instance (complaint metadata masked for the caller)."""
    actor = current_actor()
    instance = get_instance(db.session, instance_id)
    ctx = engine_context()
    now = ctx.clock.now()
    ready = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                       HumanTask.state == "ready").order_by(HumanTask.id))
    purpose = "audit" if not set(actor.roles) & allowed_roles(OFFICIAL_ROLES) else "work"
    body = {
        "id": instance.id, "process": instance.process_key, "status": instance.status, "stage": instance.stage,
        "version": instance.version.version, "version_sha256": instance.version.sha256,
        "started_at": _iso(instance.started_at), "started_by": instance.started_by,
        "completed_at": _iso(instance.completed_at), "updated_at": _iso(instance.updated_at),
        "current_tasks": [task_item(row, ctx.calendar, now) for row in ready],
        "complaint": complaint_view(instance, None, actor, purpose) if instance.tracking_code else None,
    }
    return body


@bp.post("/processes/<key>/instances")
@limiter.limit(_post_limit, exempt_when=_signed_in)
def start_process(key: str):
    """``{"data": {...}}`` → ``201 {"instance_id"}``: officials of the start lane's role; anyone for ``pelapor``."""
    version = latest_version(db.session, key)
    if version.is_complaint:
        raise InvalidInput(detail=t("api_use_complaints", process=key))
    data = data_of(json_body())
    actor = current_actor() if current_user.is_authenticated else reporter()
    try:
        instance = runtime.start_instance(db.session, engine_context(), key, data, actor=actor)
    except NotYourRole:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        raise
    return {"instance_id": instance.id, "process": instance.process_key, "version": instance.version.version,
            "status": instance.status, "stage": instance.stage}, 201
