"""Petugas intake form (any channel, received time, identity as given, anonymity, attachments), the
complaint card shown after recording it, search by tracking code or SP4N-LAPOR! ID, attachment downloads."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, g, redirect, render_template, request, send_file, session, url_for
from sqlalchemy import select

from engine import channels, duplicates, lapor, notifications
from engine.attachments import attachment_path, attachments_of, check_files
from engine.errors import InvalidData, InvalidInput
from engine.models import HumanTask, ProcessInstance
from engine.visibility import complaint_view, may_see_content, visible_recipient

from .. import nav
from ..auth.blueprint import current_actor, roles_required
from ..extensions import db
from ..forms_render import choices
from ..i18n import current_language, t
from ..inbox.timing import local_time_text
from ..wiring import engine_context
from . import (
    COMPLAINT_READERS,
    attachment_root,
    max_attachment_bytes,
    reading_purpose,
    texts,  # noqa: F401 - registers the UI strings
)

bp = Blueprint("intake", __name__, url_prefix="/petugas")
PETUGAS = ("petugas",)
IDENTITY_KEYS = ("name", "address", "phone", "email")

nav.register_link("nav_intake", "intake.new_complaint", roles=PETUGAS, order=20)
nav.register_link("nav_desk", "intake.search", roles=PETUGAS, order=21)


def _schema_choices(process_key: str | None, field: str) -> list[tuple[str, str]]:
    versions = channels.complaint_processes(db.session)
    version = next((v for v in versions if v.process_key == process_key), versions[0] if versions else None)
    schema = (version.forms or {}).get("pengaduan.schema.json", {}) if version else {}
    return choices(schema.get("properties", {}).get(field, {})) or []


@bp.app_template_global()
def choice_label(field: str, value: str | None) -> str:
    """A channel/anonymity key as people read it (the intake form's titles), e.g. whatsapp → WhatsApp."""
    if not value:
        return "—"
    labels = g.get("_alur_choice_labels")
    if labels is None:
        labels = g._alur_choice_labels = {}
    if field not in labels:
        labels[field] = dict(_schema_choices(None, field))
    return labels[field].get(value, value)


def _local_input(value: datetime, tz) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


def _parse_received(raw: str, tz) -> str:
    """``YYYY-MM-DDTHH:MM`` (office time) → ISO 8601 with zone; refused when unreadable."""
    try:
        local = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(detail=t("desk_intake_received_help")) from None
    return (local if local.tzinfo else local.replace(tzinfo=tz)).isoformat()


def _form_values(form) -> dict:
    values = {key: form.get(key, "").strip() for key in (
        "process", "channel", "received_at", "anonymity", "subject", "description", "category", "lapor_id")}
    values["reporter"] = {key: form.get(f"reporter.{key}", "").strip() for key in IDENTITY_KEYS}
    return values


def _render_form(values: dict, errors: dict, status: int = 200):
    ctx = engine_context()
    process = values.get("process")
    return render_template(
        "intake/new.html", values=values, errors=errors, processes=channels.complaint_processes(db.session),
        channel_choices=[c for c in _schema_choices(process, "channel") if c[0] in channels.PETUGAS_CHANNELS],
        anonymity_choices=_schema_choices(process, "anonymity"),
        category_choices=_schema_choices(process, "category"),
        now_local=_local_input(ctx.clock.now(), ctx.calendar.tz),
        limit=f"{max_attachment_bytes() // (1024 * 1024)} MB"), status


@bp.route("/pengaduan/baru", methods=["GET"])
@roles_required(*PETUGAS)
def new_complaint():
    """The intake form, received time defaulting to now."""
    ctx = engine_context()
    processes = channels.complaint_processes(db.session)
    values = {"process": processes[0].process_key if processes else "", "channel": "tatap_muka",
              "anonymity": "none", "received_at": _local_input(ctx.clock.now(), ctx.calendar.tz), "reporter": {}}
    return _render_form(values, {})


@bp.route("/pengaduan/baru", methods=["POST"])
@roles_required(*PETUGAS)
def record_complaint():
    """Record the complaint for the reporter; on success show its card with the reporter key once."""
    ctx, actor = engine_context(), current_actor()
    values = _form_values(request.form)
    data = {k: v for k, v in values.items() if k not in ("process", "lapor_id") and v not in ("", {})}
    data["reporter"] = {k: v for k, v in values["reporter"].items() if v}
    errors: dict[str, str] = {}
    try:
        files = check_files([(f.filename or "", f.read(max_attachment_bytes() + 1))
                             for f in request.files.getlist("attachments")], max_attachment_bytes())
    except InvalidInput as refused:
        errors["attachments"] = refused.message(current_language())
        files = []
    try:
        data["received_at"] = _parse_received(values["received_at"], ctx.calendar.tz)
    except InvalidInput as refused:
        errors["received_at"] = refused.message(current_language())
    if errors:
        return _render_form(values, errors, 422)
    intake = {"lapor_id": values["lapor_id"]} if values["lapor_id"] else None
    try:
        submission = channels.record_complaint(db.session, ctx, values["process"], data, actor=actor, files=files,
                                               attachment_root=attachment_root(), intake=intake)
    except InvalidData as invalid:
        return _render_form(values, invalid.fields(current_language()), 422)
    except InvalidInput as refused:
        message = refused.message(current_language())
        field = "received_at" if "received_at" in message or "Waktu diterima" in message else (
            "lapor_id" if "LAPOR" in message else "_form")
        return _render_form(values, {field: message}, 422)
    session["alur_reporter_key"] = {submission.tracking_code: submission.reporter_key}
    return redirect(url_for("intake.complaint", tracking_code=submission.tracking_code))


def _deadlines(instance: ProcessInstance) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state == "ready").order_by(HumanTask.urgent_at)))


@bp.route("/pengaduan/<tracking_code>")
@roles_required(*COMPLAINT_READERS)
def complaint(tracking_code: str):
    """A complaint's card: data as the viewer may see it, intake, deadlines, LAPOR! status, attachments."""
    from engine.runtime import find_by_tracking_code

    ctx, actor = engine_context(), current_actor()
    instance = find_by_tracking_code(db.session, tracking_code)
    intake = channels.intake_of(db.session, instance.id)
    purpose = reading_purpose(actor)
    view = complaint_view(instance, channels.recorded_data(db.session, instance), actor, purpose,
                          **channels.intake_summary(intake))
    keys = session.pop("alur_reporter_key", {}) if "alur_reporter_key" in session else {}
    flags = duplicates.flags_of(db.session, instance.id)
    others = {i.id: i for i in db.session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(
        [f.candidate_id for f in flags] + [f.instance_id for f in flags] + [intake.merged_into if intake else 0])))}
    messages = [m for m in notifications.outbox(db.session, limit=1000) if m.instance_id == instance.id]
    return render_template(
        "intake/complaint.html", instance=instance, view=view, intake=intake, reporter_key=keys.get(
            instance.tracking_code), tasks=_deadlines(instance), lapor_status=lapor.lapor_status(db.session, instance),
        attachments=attachments_of(db.session, instance.id) if may_see_content(
            instance.anonymity, actor, purpose) else [], flags=flags, others=others, messages=messages,
        recipient=lambda m: visible_recipient(instance, m.recipient, actor),
        local_time=lambda value: local_time_text(value, ctx.calendar))


@bp.route("/cari")
@roles_required(*PETUGAS)
def search():
    """Find complaints by tracking code, SP4N-LAPOR! ID or subject words."""
    ctx, actor = engine_context(), current_actor()
    query = request.args.get("q", "").strip()
    lapor_id = request.args.get("lapor_id", "").strip()
    found = channels.find_complaints(db.session, lapor_id=lapor_id or None, query=query or None)
    rows = [{"view": complaint_view(instance, {}, actor, "work", **channels.intake_summary(intake)),
             "lapor": lapor.lapor_status(db.session, instance)} for instance, intake in found]
    return render_template("intake/search.html", query=query or lapor_id, rows=rows, searched=bool(query or lapor_id),
                           open_duplicates=len(duplicates.open_flags(db.session)),
                           local_time=lambda value: local_time_text(
                               datetime.fromisoformat(value) if isinstance(value, str) else value, ctx.calendar))


@bp.route("/lampiran/<int:attachment_id>")
@roles_required(*COMPLAINT_READERS)
def attachment(attachment_id: int):
    """Download an attachment (officials who may see the complaint's content)."""
    row, path = attachment_path(db.session, attachment_id, attachment_root())
    instance = db.session.get(ProcessInstance, row.instance_id)
    if not may_see_content(instance.anonymity, current_actor(), "work"):
        abort(403)
    return send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.filename)
