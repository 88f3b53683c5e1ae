"""The task page: SOP instruction, the complaint as the role may see it, the steps so far, the step's form."""

from __future__ import annotations

from datetime import datetime

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import inbox, runtime
from engine.errors import InvalidData, NotYourRole, TaskNotReady
from engine.models import HumanTask, ProcessInstance

from ..auth.blueprint import current_actor, roles_required
from ..extensions import db
from ..forms_render import choices, is_multipart, parse_form, render_form
from ..i18n import current_language, t
from ..uploads import send_upload, store_upload
from ..wiring import engine_context
from .blueprint import OFFICIAL_ROLES, bp, role_names
from .timing import clock_text, duration_text, local_time_text, office_clock, timer_attributes


def form_texts() -> dict:
    """Strings the form renderer needs, in the current language."""
    return {"required": t("required_mark"), "choose": t("choose"), "stored": t("upload_stored")}


def field_labels(forms: dict) -> tuple[dict[str, str], dict[str, dict[str, str]], set[str]]:
    """Over every form of a version: field → title, field → {choice value → title}, date-time fields."""
    titles: dict[str, str] = {}
    options: dict[str, dict[str, str]] = {}
    instants: set[str] = set()
    for schema in (forms or {}).values():
        for key, prop in (schema.get("properties") or {}).items():
            titles.setdefault(key, prop.get("title", key))
            if choices(prop):
                options.setdefault(key, dict(choices(prop)))
            if prop.get("format") == "date-time":
                instants.add(key)
            for child, child_prop in (prop.get("properties") or {}).items():
                titles.setdefault(f"{key}.{child}", child_prop.get("title", child))
    return titles, options, instants


def _shown_value(key: str, value, options: dict, instants: set, calendar):
    """A data value as people read it: the choice's title, a date-time in office time."""
    if isinstance(value, str) and value in options.get(key, {}):
        return options[key][value]
    if key in instants and isinstance(value, str):
        try:
            return local_time_text(datetime.fromisoformat(value), calendar)
        except ValueError:
            return value
    return value


def _outcome(row: HumanTask, instance: ProcessInstance) -> dict:
    """What completing ``row`` led to: the steps that became ready with it, or the end of the process."""
    following = list(
        db.session.scalars(
            select(HumanTask)
            .where(
                HumanTask.instance_id == row.instance_id,
                HumanTask.id > row.id,
                HumanTask.ready_at == row.completed_at,
            )
            .order_by(HumanTask.id)
        )
    )
    return {"next": following, "finished": instance.status == "completed"}


def _recap_card(row: HumanTask):
    """The recap a recap-process step carries (None for other steps)."""
    from engine.recap_runs import snapshot_for_task

    from ..reports import task_texts  # noqa: F401 - registers the card's strings

    return snapshot_for_task(db.session, row)


def _render(view: inbox.TaskView, values=None, errors=None, status: int = 200):
    ctx = engine_context()
    now = ctx.clock.now()
    row, lang = view.task, current_language()
    form_html = None
    if view.form_schema and row.state == "ready":
        form_html = render_form(view.form_schema, values, errors, tz=ctx.calendar.tz, texts=form_texts())
    entry = inbox.InboxEntry(row, view.elapsed_seconds, view.timer_state)
    titles, options, instants = field_labels(view.instance.version.forms)
    office = office_clock(ctx.calendar, now) if row.state == "ready" else (False, 0.0)
    page = render_template(
        "inbox/task.html",
        view=view,
        row=row,
        form_html=form_html,
        errors=errors,
        multipart=bool(view.form_schema and is_multipart(view.form_schema)),
        titles=titles,
        shown=lambda key, value: _shown_value(key, value, options, instants, ctx.calendar),
        role_names=role_names(),
        me=current_actor().name,
        outcome=_outcome(row, view.instance) if row.state == "completed" else None,
        timer=timer_attributes(entry, now, office),
        clock_text=clock_text,
        duration_text=lambda seconds: duration_text(seconds, lang),
        local_time=lambda value: local_time_text(value, ctx.calendar),
        masked=(view.instance.anonymity or "none") != "none",
        recap=_recap_card(row),
    )
    return page, status


@bp.route("/tasks/<int:task_id>", methods=["GET"])
@roles_required(*OFFICIAL_ROLES)
def task_page(task_id: int):
    """Show a step (its form while it is ready, its outcome once completed)."""
    return _render(inbox.task_view(db.session, engine_context(), task_id, current_actor()))


@bp.route("/tasks/<int:task_id>", methods=["POST"])
@roles_required(*OFFICIAL_ROLES)
def complete(task_id: int):
    """Complete the step with the submitted form; errors come back inline with the input kept."""
    ctx, actor = engine_context(), current_actor()
    row = runtime.get_task_row(db.session, task_id)
    if row.role not in inbox.visible_roles(actor):
        raise NotYourRole(role=row.role)
    if row.state != "ready":
        raise TaskNotReady()
    instance = db.session.get(ProcessInstance, row.instance_id)
    schema = instance.version.forms.get(row.form_name) if row.form_name else None
    data, upload_errors = (
        ({}, {})
        if schema is None
        else parse_form(schema, request.form, request.files, tz=ctx.calendar.tz, store_file=store_upload)
    )
    if upload_errors:
        return _render(inbox.task_view(db.session, ctx, task_id, actor), data, upload_errors, 422)
    try:
        runtime.complete_task(db.session, ctx, task_id, data, actor=actor)
    except InvalidData as invalid:
        errors = {**invalid.fields(current_language()), **upload_errors}
        return _render(inbox.task_view(db.session, ctx, task_id, actor), data, errors, 422)
    return redirect(url_for("inbox.task_page", task_id=task_id))


@bp.route("/lampiran/<reference>")
@roles_required(*OFFICIAL_ROLES)
def attachment(reference: str):
    """Download an uploaded file named in complaint data (officials only)."""
    if not reference.startswith("lampiran:"):
        abort(404)
    return send_upload(reference)
