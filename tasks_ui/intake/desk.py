"""Petugas desk pages: possible duplicates (merge / dismiss), the reporter outbox, file imports."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import duplicates, email_import, lapor, notifications
from engine.channels import complaint_processes, recorded_data
from engine.errors import InvalidInput
from engine.imports import ParsedItem, import_items
from engine.models import ProcessInstance
from engine.visibility import complaint_view, visible_recipient

from ..auth.blueprint import current_actor, roles_required
from ..extensions import db
from ..i18n import current_language, t
from ..inbox.timing import local_time_text
from ..wiring import engine_context
from . import attachment_root, max_attachment_bytes, smtp_config
from .blueprint import PETUGAS

bp = Blueprint("desk", __name__, url_prefix="/petugas")
#: An import file larger than this is refused (``ALUR_MAX_IMPORT_BYTES`` via MAX_CONTENT_LENGTH also applies).
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _instances(ids) -> dict[int, ProcessInstance]:
    ids = list(ids)
    return {i.id: i for i in db.session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids)))} if ids \
        else {}


@bp.route("/duplikat")
@roles_required(*PETUGAS)
def duplicate_list():
    """Open duplicate flags with both complaints side by side (masked for the viewer)."""
    ctx, actor = engine_context(), current_actor()
    flags = duplicates.open_flags(db.session)
    instances = _instances({f.instance_id for f in flags} | {f.candidate_id for f in flags})
    views = {iid: complaint_view(i, recorded_data(db.session, i), actor) for iid, i in instances.items()}
    return render_template("intake/duplicates.html", flags=flags, views=views,
                           days=int(duplicates.RULES.window.days),
                           local_time=lambda value: local_time_text(value, ctx.calendar))


@bp.route("/duplikat/<int:flag_id>/gabung", methods=["POST"])
@roles_required(*PETUGAS)
def merge(flag_id: int):
    """Merge the newer complaint into the earlier one."""
    flag = duplicates.merge_duplicate(db.session, engine_context(), flag_id, actor=current_actor())
    pair = _instances([flag.instance_id, flag.candidate_id])
    flash(t("dup_merged", new=pair[flag.instance_id].tracking_code, earlier=pair[flag.candidate_id].tracking_code))
    return redirect(url_for("desk.duplicate_list"))


@bp.route("/duplikat/<int:flag_id>/abaikan", methods=["POST"])
@roles_required(*PETUGAS)
def dismiss(flag_id: int):
    """Dismiss a flag: the complaints are different."""
    duplicates.dismiss_duplicate(db.session, engine_context(), flag_id, request.form.get("note", ""),
                                 actor=current_actor())
    flash(t("dup_dismissed"))
    return redirect(url_for("desk.duplicate_list"))


@bp.route("/kotak-keluar")
@roles_required(*PETUGAS)
def outbox():
    """Every message to reporters, newest first, with its delivery state."""
    ctx, actor = engine_context(), current_actor()
    messages = notifications.outbox(db.session)
    instances = _instances({m.instance_id for m in messages})
    return render_template("intake/outbox.html", messages=messages, instances=instances, smtp=smtp_config(),
                           recipient=lambda m: visible_recipient(instances[m.instance_id], m.recipient, actor),
                           local_time=lambda value: local_time_text(value, ctx.calendar))


@bp.route("/kotak-keluar/kirim", methods=["POST"])
@roles_required(*PETUGAS)
def send_now():
    """Drain the outbox through SMTP now."""
    counts = notifications.send_pending(db.session, engine_context(), smtp_config(), actor=current_actor())
    flash(t("outbox_sent", sent=counts["sent"], failed=counts["failed"]) if smtp_config() else t("outbox_smtp_off"))
    return redirect(url_for("desk.outbox"))


@bp.route("/kotak-keluar/<int:message_id>/manual", methods=["POST"])
@roles_required(*PETUGAS)
def mark_delivered(message_id: int):
    """The petugas delivered the message another way."""
    notifications.mark_delivered_by_hand(db.session, engine_context(), message_id, request.form.get("note", ""),
                                         actor=current_actor())
    flash(t("outbox_marked"))
    return redirect(url_for("desk.outbox"))


def parse_upload(kind: str, filename: str, content: bytes, tz) -> list[ParsedItem]:
    """An uploaded import file → items (``email``: .eml or mbox; ``lapor``: CSV or JSON)."""
    if kind == "lapor":
        return lapor.parse_export(filename, content, tz)
    if kind == "email":
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / (Path(filename).name or "upload.eml")
            path.write_bytes(content)
            return email_import.parse_path(path)
    raise InvalidInput(detail=t("import_kind"))


@bp.route("/impor", methods=["GET", "POST"])
@roles_required(*PETUGAS)
def import_page():
    """Upload an e-mail or SP4N-LAPOR! file; show the outcome of every row."""
    processes = complaint_processes(db.session)
    values = {"kind": request.form.get("kind", "lapor"),
              "process": request.form.get("process", processes[0].process_key if processes else "")}
    report, error = None, None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = t("import_no_file")
        else:
            ctx = engine_context()
            try:
                content = upload.read(MAX_IMPORT_BYTES + 1)
                items = parse_upload(values["kind"], upload.filename, content, ctx.calendar.tz)
                report = import_items(db.session, ctx, items, process_key=values["process"], actor=current_actor(),
                                      attachment_root=attachment_root(), max_attachment_bytes=max_attachment_bytes())
            except InvalidInput as refused:
                error = refused.message(current_language())
    status = 422 if error else 200
    return render_template("intake/import.html", processes=processes, values=values, report=report,
                           error=error), status
