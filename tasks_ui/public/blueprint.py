"""Public pages: choose an office, submit a complaint, get a receipt, track it with the tracking code.

No login. The reporter's identity is never shown here; a ``rahasia`` complaint's content neither. With the
reporter key (a form field, never in the URL) the reporter sees and completes the step waiting for them.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import inbox, lapor, runtime
from engine.actors import reporter
from engine.errors import InvalidData
from engine.models import HumanTask, ProcessInstance, ProcessVersion
from engine.repository import latest_version, latest_versions
from engine.visibility import PUBLIC, may_see_content

from .. import nav
from ..extensions import db, limiter
from ..forms_render import is_multipart, parse_form, render_form
from ..i18n import current_language, t
from ..inbox.task_page import form_texts
from ..inbox.timing import local_time_text
from ..uploads import store_upload
from ..wiring import engine_context
from . import texts  # noqa: F401 - registers the UI strings

bp = Blueprint("public", __name__)

#: Filled by the server, never asked on the public form.
SERVER_FIELDS = ("received_at", "channel")
PUBLIC_CHANNEL = "website"
#: What the officials wrote for the reporter (shown with the reporter key only).
NOTE_FIELDS = ("kekurangan", "tanggapan")

nav.register_link("nav_complain", "public.choose_office", order=80)
nav.register_link("nav_track", "public.track", order=81)


def _post_limit() -> str:
    return current_app.config.get("ALUR_PUBLIC_POST_LIMIT", "10/minute;60/hour")


def intake_form(version: ProcessVersion) -> dict | None:
    """The schema of the first pelapor step's form that asks for ``reporter`` and ``subject``."""
    for info in (version.summary or {}).get("user_tasks", {}).values():
        schema = version.forms.get(info.get("form") or "", {})
        if info.get("lane") == "pelapor" and {"reporter", "subject"} <= set(schema.get("properties", {})):
            return schema
    return None


def _complaint_version(process_key: str) -> ProcessVersion:
    version = latest_version(db.session, process_key)
    if not version.is_complaint:
        abort(404)
    return version


@bp.route("/pengaduan")
def choose_office():
    """The deployed complaint processes: the citizen picks the office."""
    offices = [v for v in latest_versions(db.session) if v.is_complaint]
    return render_template("public/choose.html", offices=offices)


def _render_intake(version: ProcessVersion, schema: dict, values=None, errors=None, status: int = 200):
    form_html = render_form(
        schema, values, errors, tz=engine_context().calendar.tz, skip=SERVER_FIELDS, texts=form_texts()
    )
    return render_template(
        "public/intake.html",
        version=version,
        schema=schema,
        form_html=form_html,
        errors=errors,
        multipart=is_multipart(schema),
    ), status


@bp.route("/pengaduan/<process_key>", methods=["GET"])
def intake(process_key: str):
    """The complaint form of one office, rendered from its intake step's JSON Schema."""
    version = _complaint_version(process_key)
    schema = intake_form(version) or abort(404)
    return _render_intake(version, schema)


@bp.route("/pengaduan/<process_key>", methods=["POST"])
@limiter.limit(_post_limit)
def submit(process_key: str):
    """Start the complaint; show the receipt with the tracking code and the reporter key (once)."""
    version = _complaint_version(process_key)
    schema = intake_form(version) or abort(404)
    ctx = engine_context()
    data, upload_errors = parse_form(
        schema, request.form, request.files, tz=ctx.calendar.tz, store_file=store_upload, skip=SERVER_FIELDS
    )
    if upload_errors:
        return _render_intake(version, schema, data, upload_errors, 422)
    data["channel"] = PUBLIC_CHANNEL
    try:
        submission = runtime.submit_complaint(db.session, ctx, process_key, data)
    except InvalidData as invalid:
        return _render_intake(version, schema, data, invalid.fields(current_language()), 422)
    page = render_template(
        "public/receipt.html",
        tracking_code=submission.tracking_code,
        reporter_key=submission.reporter_key,
        version=version,
    )
    return page, 201, {"Cache-Control": "no-store"}


@bp.route("/lacak", methods=["GET"])
def track():
    """The tracking form (code, and the reporter key when asked to complete the complaint)."""
    code = (request.args.get("code") or "").strip()
    if code:
        return redirect(url_for("public.status", tracking_code=code.upper()))
    return render_template("public/track.html")


@bp.route("/lacak", methods=["POST"])
@limiter.limit(_post_limit)
def track_post():
    """Open a complaint by code; with a key, show the reporter's view right away."""
    code = (request.form.get("code") or "").strip().upper()
    if not code:
        return render_template("public/track.html", error=t("field_required_code")), 422
    if not (request.form.get("reporter_key") or "").strip():
        return redirect(url_for("public.status", tracking_code=code))
    return _reporter_view(code)


def _status_context(instance: ProcessInstance, *, with_key: bool) -> dict:
    ctx = engine_context()
    viewer = reporter(instance.tracking_code) if with_key else PUBLIC
    steps = list(
        db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id)
        )
    )
    closed = instance.status == "completed" and lapor.closed_without_reply(db.session, instance.id)
    return {
        "instance": instance,
        "state": "closed" if closed else instance.status,
        "content_visible": may_see_content(instance.anonymity, viewer, "public"),
        "steps": [s for s in steps if not s.is_escalation],
        "local_time": lambda value: local_time_text(value, ctx.calendar),
    }


def _waiting(instance: ProcessInstance, values=None, errors=None) -> dict | None:
    """The step waiting for the reporter, its note and its form (reporter key already checked)."""
    row = db.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state == "ready", HumanTask.role == "pelapor"
        )
    ).first()
    if row is None:
        return None
    ctx = engine_context()
    view = inbox.task_view(db.session, ctx, row.id, reporter(instance.tracking_code))
    form_html = (
        render_form(view.form_schema, values, errors, tz=ctx.calendar.tz, texts=form_texts())
        if view.form_schema
        else None
    )
    return {
        "row": row,
        "documentation": view.documentation,
        "form_html": form_html,
        "multipart": bool(view.form_schema and is_multipart(view.form_schema)),
        "schema": view.form_schema,
        "notes": [(key, view.data[key]) for key in NOTE_FIELDS if view.data.get(key)],
    }


@bp.route("/lacak/<tracking_code>", methods=["GET"])
def status(tracking_code: str):
    """Public status: stage, dates, answer; never the identity; no content for ``rahasia``."""
    instance = runtime.find_by_tracking_code(db.session, tracking_code)
    return render_template("public/status.html", **_status_context(instance, with_key=False))


@bp.route("/lacak/<tracking_code>", methods=["POST"])
@limiter.limit(_post_limit)
def status_post(tracking_code: str):
    """With the reporter key: the waiting step and its form; ``respond`` completes it."""
    return _reporter_view(tracking_code)


def _reporter_view(tracking_code: str):
    instance = runtime.find_by_tracking_code(db.session, tracking_code)
    key = (request.form.get("reporter_key") or "").strip()
    if not runtime.check_reporter_key(instance, key):
        context = _status_context(instance, with_key=False)
        return render_template("public/status.html", key_error=t("status_key_wrong"), **context), 403
    headers = {"Cache-Control": "no-store"}
    if request.form.get("action") != "respond":
        return (
            render_template(
                "public/status.html",
                reporter_key=key,
                waiting=_waiting(instance),
                **_status_context(instance, with_key=True),
            ),
            200,
            headers,
        )
    waiting = _waiting(instance)
    if waiting is None or waiting["schema"] is None:
        return (
            render_template(
                "public/status.html",
                reporter_key=key,
                waiting=waiting,
                **_status_context(instance, with_key=True),
            ),
            409,
            headers,
        )
    ctx = engine_context()
    data, upload_errors = parse_form(
        waiting["schema"], request.form, request.files, tz=ctx.calendar.tz, store_file=store_upload
    )
    errors = dict(upload_errors)
    if not errors:
        try:
            runtime.complete_reporter_task(db.session, ctx, instance.tracking_code, key, data)
        except InvalidData as invalid:
            errors = invalid.fields(current_language())
    instance = runtime.find_by_tracking_code(db.session, tracking_code)
    if errors:
        return (
            render_template(
                "public/status.html",
                reporter_key=key,
                waiting=_waiting(instance, data, errors),
                form_errors=True,
                **_status_context(instance, with_key=True),
            ),
            422,
            headers,
        )
    return (
        render_template(
            "public/status.html",
            reporter_key=key,
            waiting=_waiting(instance),
            responded=True,
            **_status_context(instance, with_key=True),
        ),
        200,
        headers,
    )
