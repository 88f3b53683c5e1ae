"""Editor endpoints: open a draft, save it (revision-checked), one-click fixes, deploy. Session + CSRF header."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from flask import Response, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from jinja2.utils import htmlsafe_json_dumps
from sqlalchemy import select

from engine import drafts
from engine.editor_models import ProcessDraft
from engine.errors import AlurError, InvalidInput, InvalidProcess
from engine.import_help import apply_fix
from engine.lint_extra import lint_for_editor
from engine.process_catalog import lane_role_names
from engine.repository import known_forms, latest_version

from ..auth.blueprint import current_actor, roles_required
from ..errors import api_error, status_of
from ..extensions import db
from ..i18n import current_language
from ..wiring import engine_context
from .blueprint import OWNER, bp
from .texts import js_texts
from .uploads import UploadRefused, invalid_process_response, parse_effective_date, refused_response

BLANK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" \
xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_baru" \
targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="proses_baru" name="Proses baru" isExecutable="true">
    <bpmn:startEvent id="mulai" name="Mulai" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="proses_baru">
      <bpmndi:BPMNShape id="mulai_di" bpmnElement="mulai"><dc:Bounds x="180" y="100" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def json_errors(view):
    """Domain errors of the editor's JSON endpoints as ``{"error": …}`` bodies (these paths are not /api/)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except InvalidProcess as error:
            return invalid_process_response(error)
        except AlurError as error:
            lang = current_language()
            fields = error.fields(lang) if hasattr(error, "fields") else None
            return api_error(error.code, error.message(lang), status_of(error), fields)

    return wrapper


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(detail="kirim JSON")
    return body


def _xml(body: dict) -> bytes:
    xml = body.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise InvalidInput(detail="diagram (xml) kosong")
    return xml.encode("utf-8")


def _revision(body: dict) -> int:
    try:
        return int(body.get("revision"))
    except (TypeError, ValueError):
        raise InvalidInput(detail="revisi draf tidak diketahui; muat ulang halaman") from None


@bp.get("/proses/<key>/ubah")
@roles_required(OWNER)
def edit_process(key: str):
    """Open the process's open draft, or start one from its newest version."""
    open_draft = db.session.scalars(select(ProcessDraft).where(
        ProcessDraft.process_key == key, ProcessDraft.deployed_version_id.is_(None))
        .order_by(ProcessDraft.updated_at.desc())).first()
    if open_draft is None:
        version = latest_version(db.session, key)
        open_draft = drafts.create_draft(db.session, engine_context(), version.bpmn_xml.encode(), {},
                                         actor=current_actor(), base_version_id=version.id)
    return redirect(url_for("editor.editor_page", draft_id=open_draft.id))


@bp.post("/draf/baru")
@roles_required(OWNER)
def new_draft():
    """A draft from an uploaded .bpmn file, or a blank diagram."""
    upload = request.files.get("bpmn")
    bpmn = upload.read() if upload is not None and upload.filename else BLANK.encode()
    draft = drafts.create_draft(db.session, engine_context(), bpmn, {}, actor=current_actor())
    return redirect(url_for("editor.editor_page", draft_id=draft.id))


@bp.get("/draf/<int:draft_id>")
@roles_required(OWNER)
def editor_page(draft_id: int):
    """The bpmn-js modeler with Alur's side panel."""
    draft = drafts.get_draft(db.session, draft_id)
    config = {
        "revision": draft.revision, "roles": lane_role_names(db.session), "forms": known_forms(db.session),
        "moddle": moddle_descriptor(), "csrf": generate_csrf(), "texts": js_texts(current_language()),
        "urls": {name: url_for(f"editor.{endpoint}", draft_id=draft.id) for name, endpoint in
                 (("data", "draft_data"), ("save", "save"), ("fix", "fix"), ("deploy", "deploy"))},
    }
    # keys unsorted (unlike |tojson): the form preview lists fields in the schema's own order
    return render_template("editor/editor.html", draft=draft,
                           config_json=htmlsafe_json_dumps(config, dumps=json.dumps))


@functools.lru_cache(maxsize=1)
def moddle_descriptor() -> dict:
    """The bpmn-js moddle extension for ``spiffworkflow:properties`` (so the modeler keeps them)."""
    path = Path(__file__).resolve().parent.parent / "static" / "editor" / "spiffworkflow-moddle.json"
    return json.loads(path.read_text(encoding="utf-8"))


@bp.get("/draf/<int:draft_id>/data")
@roles_required(OWNER)
@json_errors
def draft_data(draft_id: int):
    """The draft's XML, forms, revision and last lint."""
    draft = drafts.get_draft(db.session, draft_id)
    lint = lint_for_editor(db.session, engine_context(), draft.bpmn_xml.encode(), draft.forms,
                           lang=current_language())
    body = {"id": draft.id, "xml": draft.bpmn_xml, "forms": draft.forms, "revision": draft.revision,
            "process": draft.process_key, "problems": lint["problems"],
            "deployed_version_id": draft.deployed_version_id}
    return Response(json.dumps(body), mimetype="application/json")  # form fields keep their order


@bp.post("/draf/<int:draft_id>/simpan")
@roles_required(OWNER)
@json_errors
def save(draft_id: int):
    """Save a revision: 200 {revision, problems}; 409 when someone else saved in between."""
    body = _body()
    draft, _ = drafts.save_draft(db.session, engine_context(), draft_id, _xml(body), body.get("forms") or {},
                                 expected_revision=_revision(body), actor=current_actor())
    lint = lint_for_editor(db.session, engine_context(), draft.bpmn_xml.encode(), draft.forms,
                           lang=current_language())
    return jsonify({"revision": draft.revision, "problems": lint["problems"], "process": draft.process_key})


@bp.post("/draf/<int:draft_id>/perbaiki")
@roles_required(OWNER)
@json_errors
def fix(draft_id: int):
    """Apply one automatic fix to the posted XML: {xml, problems} (the draft is saved by the next save)."""
    drafts.get_draft(db.session, draft_id)
    body = _body()
    fixed = apply_fix(_xml(body), str(body.get("fix", "")), str(body.get("element_id", "")))
    lint = lint_for_editor(db.session, engine_context(), fixed, body.get("forms") or {}, lang=current_language())
    return jsonify({"xml": fixed.decode("utf-8"), "problems": lint["problems"]})


@bp.post("/draf/<int:draft_id>/pasang")
@roles_required(OWNER)
@json_errors
def deploy(draft_id: int):
    """Deploy the saved revision with its SOP number and effective date (both required)."""
    body = _body()
    try:
        effective = parse_effective_date(body.get("effective_date"))
        missing = {k: "Wajib diisi." for k in ("sop_number", "effective_date") if not str(body.get(k) or "").strip()}
        if missing:
            raise UploadRefused(missing)
        version = drafts.deploy_draft(db.session, engine_context(), draft_id, expected_revision=_revision(body),
                                      actor=current_actor(), sop_number=str(body["sop_number"])[:100],
                                      effective_date=effective,
                                      confirm_unchanged=body.get("confirm_unchanged") is True)
    except UploadRefused as refused:
        return refused_response(refused)
    except InvalidProcess as error:
        return invalid_process_response(error)
    return jsonify({"process": version.process_key, "version": version.version, "sha256": version.sha256,
                    "forms_sha256": version.forms_sha256,
                    "url": url_for("editor.process", key=version.process_key)}), 201
