"""Channels JSON API: find complaints by SP4N-LAPOR! ID, an official's masked view of a complaint with its
LAPOR! status, file imports (e-mail, LAPOR!) with per-row results, and the reporter outbox."""

from __future__ import annotations

from flask import Blueprint, request

from engine import channels, lapor, notifications
from engine.attachments import attachments_of
from engine.errors import InvalidInput
from engine.imports import import_items
from engine.models import ProcessInstance
from engine.runtime import find_by_tracking_code
from engine.visibility import complaint_view, may_see_content, visible_recipient

from ..auth.blueprint import current_actor, roles_required
from ..extensions import csrf, db
from ..wiring import engine_context
from . import COMPLAINT_READERS, attachment_root, max_attachment_bytes, reading_purpose
from .desk import MAX_IMPORT_BYTES, parse_upload

bp = Blueprint("channels_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def official_view(instance, actor) -> dict:
    """The complaint as this official may see it, with intake, LAPOR! status and attachments."""
    intake = channels.intake_of(db.session, instance.id)
    purpose = reading_purpose(actor)
    view = complaint_view(instance, channels.recorded_data(db.session, instance), actor, purpose,
                          **channels.intake_summary(intake))
    view["lapor_status"] = lapor.lapor_status(db.session, instance)
    view["attachment_files"] = [
        {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
        for a in attachments_of(db.session, instance.id)] if may_see_content(instance.anonymity, actor, purpose) \
        else []
    return view


@bp.get("/complaints")
@roles_required(*COMPLAINT_READERS)
def search_complaints():
    """``?lapor_id=`` (exact) or ``?q=`` (tracking code, LAPOR! ID, subject words) → ``{"items": [...]}``."""
    actor = current_actor()
    found = channels.find_complaints(db.session, lapor_id=request.args.get("lapor_id") or None,
                                     query=request.args.get("q") or None)
    return {"items": [official_view(instance, actor) for instance, _intake in found]}


@bp.get("/complaints/<tracking_code>/details")
@roles_required(*COMPLAINT_READERS)
def complaint_details(tracking_code: str):
    """One complaint as the calling official may see it (identity and content masked by visibility)."""
    return official_view(find_by_tracking_code(db.session, tracking_code), current_actor())


@bp.post("/imports/<kind>")
@roles_required("petugas")
def import_file(kind: str):
    """Multipart ``file`` (+ ``process``): ``kind`` ``email`` (.eml/mbox) or ``lapor`` (CSV/JSON)."""
    upload = request.files.get("file")
    if kind not in ("email", "lapor") or upload is None or not upload.filename:
        raise InvalidInput(detail="kirim berkas 'file' ke /api/v1/imports/email atau /api/v1/imports/lapor")
    content = upload.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput(detail=f"berkas lebih dari {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    processes = [v.process_key for v in channels.complaint_processes(db.session)]
    process = request.form.get("process") or (processes[0] if len(processes) == 1 else "")
    if process not in processes:
        raise InvalidInput(detail=f"pilih 'process': {', '.join(processes)}")
    ctx = engine_context()
    report = import_items(db.session, ctx, parse_upload(kind, upload.filename, content, ctx.calendar.tz),
                          process_key=process, actor=current_actor(), attachment_root=attachment_root(),
                          max_attachment_bytes=max_attachment_bytes())
    return {"counts": report.counts, "rows": [row.as_dict() for row in report.rows]}


@bp.get("/outbox")
@roles_required("petugas")
def outbox():
    """Messages to reporters with their delivery state (addresses masked as the identity)."""
    actor = current_actor()
    items = []
    for message in notifications.outbox(db.session):
        instance = db.session.get(ProcessInstance, message.instance_id)
        items.append({"id": message.id, "tracking_code": instance.tracking_code, "kind": message.kind,
                      "recipient": visible_recipient(instance, message.recipient, actor), "state": message.state,
                      "attempts": message.attempts, "created_at": message.created_at.isoformat(),
                      "sent_at": message.sent_at.isoformat() if message.sent_at else None})
    return {"items": items}


_ERRORS = {"401": {"description": "belum masuk"}, "403": {"description": "bukan peran yang berhak"}}
_JSON = {"application/json": {"schema": {"type": "object"}}}
OPENAPI_PATHS = {
    "/api/v1/complaints": {"get": {
        "tags": ["channels"], "summary": "Cari pengaduan menurut ID SP4N-LAPOR! atau kode/kata (pejabat)",
        "security": [{"bearer": []}],
        "parameters": [{"name": "lapor_id", "in": "query", "schema": {"type": "string"}},
                       {"name": "q", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "items: pengaduan tersamarkan sesuai peran", "content": _JSON},
                      **_ERRORS}}},
    "/api/v1/complaints/{tracking_code}/details": {"get": {
        "tags": ["channels"], "summary": "Pengaduan untuk pejabat: data tersamarkan, status LAPOR!, lampiran",
        "security": [{"bearer": []}],
        "parameters": [{"name": "tracking_code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "pengaduan", "content": _JSON}, **_ERRORS,
                      "404": {"description": "kode tidak dikenal"}}}},
    "/api/v1/imports/{kind}": {"post": {
        "tags": ["channels"], "summary": "Impor e-mail (.eml/mbox) atau ekspor SP4N-LAPOR! (CSV/JSON), idempoten",
        "security": [{"bearer": []}],
        "parameters": [{"name": "kind", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["email", "lapor"]}}],
        "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "contentMediaType": "application/octet-stream"},
            "process": {"type": "string"}}, "required": ["file"]}}}},
        "responses": {"200": {"description": "counts dan hasil per baris", "content": _JSON}, **_ERRORS,
                      "422": {"description": "berkas atau proses tidak valid"}}}},
    "/api/v1/outbox": {"get": {
        "tags": ["channels"], "summary": "Kotak keluar pelapor (petugas)", "security": [{"bearer": []}],
        "responses": {"200": {"description": "items", "content": _JSON}, **_ERRORS}}},
}
