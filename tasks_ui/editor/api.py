"""``/api/v1/processes``: list processes with their versions; deploy a BPMN (with its forms) as a new version."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from engine import deploy
from engine.errors import InvalidProcess
from engine.process_catalog import get_version, list_processes, version_row

from ..auth.blueprint import current_actor, roles_required
from ..extensions import csrf, db
from ..wiring import engine_context
from .uploads import UploadRefused, invalid_process_response, read_deploy_request, refused_response

bp = Blueprint("editor_api", __name__)
csrf.exempt(bp)

READERS = ("process_owner", "auditor")


@bp.get("/api/v1/processes")
@roles_required(*READERS)
def processes():
    """Every deployed process with its versions (newest first) and instance counts per version."""
    return jsonify({"processes": list_processes(db.session)})


@bp.post("/api/v1/processes")
@roles_required("process_owner")
def deploy_version():
    """Deploy a BPMN file (multipart ``bpmn`` + ``forms`` files, or raw XML) → 201 or 422 with element ids."""
    try:
        bpmn, forms, filename, sop_number, effective_date = read_deploy_request()
        version, created = deploy.deploy_process(
            db.session, engine_context(), bpmn, forms, actor=current_actor(), sop_number=sop_number,
            effective_date=effective_date, filename=filename)
    except UploadRefused as refused:
        return refused_response(refused)
    except InvalidProcess as error:
        return invalid_process_response(error)
    return jsonify({"process": version.process_key, "version": version.version, "sha256": version.sha256,
                    "forms_sha256": version.forms_sha256, "created": created}), 201


@bp.get("/api/v1/processes/<key>/versions/<int:number>")
@roles_required(*READERS)
def version_detail(key: str, number: int):
    """One version: its metadata, user tasks, and the BPMN XML."""
    version = get_version(db.session, key, number)
    return jsonify({**version_row(version), "process": version.process_key, "bpmn_xml": version.bpmn_xml})


@bp.get("/api/v1/processes/<key>/versions/<int:number>/bpmn")
@roles_required(*READERS)
def version_bpmn(key: str, number: int):
    """The version's BPMN file as deployed (byte-identical to its sha256)."""
    version = get_version(db.session, key, number)
    return Response(version.bpmn_xml.encode("utf-8"), mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}-v{number}.bpmn"'})


_ERROR = {"$ref": "#/components/schemas/Error"}
_VERSION = {
    "type": "object",
    "properties": {
        "version": {"type": "integer"}, "sha256": {"type": "string"}, "forms_sha256": {"type": "string"},
        "sop_number": {"type": ["string", "null"]},
        "effective_date": {"type": ["string", "null"], "format": "date"}, "author": {"type": "string"},
        "deployed_at": {"type": "string", "format": "date-time"},
        "instances": {"type": "object", "properties": {"running": {"type": "integer"},
                                                       "completed": {"type": "integer"}}},
        "lanes": {"type": "array", "items": {"type": "string"}},
        "user_tasks": {"type": "array", "items": {"type": "object"}},
    },
}

OPENAPI_PATHS = {
    "/api/v1/processes": {
        "get": {
            "summary": "Processes and their versions (process owner, auditor)",
            "tags": ["processes"],
            "responses": {
                "200": {"description": "Every process with its versions, newest first",
                        "content": {"application/json": {"schema": {"type": "object", "properties": {
                            "processes": {"type": "array", "items": {"type": "object", "properties": {
                                "key": {"type": "string"}, "name": {"type": "string"},
                                "latest_version": {"type": "integer"},
                                "versions": {"type": "array", "items": _VERSION}}}}}}}}},
                "401": {"description": "Not authenticated", "content": {"application/json": {"schema": _ERROR}}},
                "403": {"description": "Not a process owner or auditor",
                        "content": {"application/json": {"schema": _ERROR}}},
            },
        },
        "post": {
            "summary": "Deploy a BPMN file as a new immutable version (process owner)",
            "tags": ["processes"],
            "parameters": [
                {"name": "sop_number", "in": "query", "schema": {"type": "string"},
                 "description": "With a raw XML body: the SOP number"},
                {"name": "effective_date", "in": "query", "schema": {"type": "string", "format": "date"},
                 "description": "With a raw XML body: the SOP's effective date"},
            ],
            "requestBody": {"required": True, "content": {
                "multipart/form-data": {"schema": {"type": "object", "required": ["bpmn"], "properties": {
                    "bpmn": {"type": "string", "format": "binary"},
                    "forms": {"type": "array", "items": {"type": "string", "format": "binary"},
                              "description": "JSON Schema files named as the user tasks name them"},
                    "sop_number": {"type": "string"},
                    "effective_date": {"type": "string", "format": "date"}}}},
                "application/xml": {"schema": {"type": "string", "description":
                                               "When every form the BPMN names is already deployed"}}}},
            "responses": {
                "201": {"description": "Deployed (or the XML and forms of an existing version: created=false)",
                        "content": {"application/json": {"schema": {"type": "object", "properties": {
                            "process": {"type": "string"}, "version": {"type": "integer"},
                            "sha256": {"type": "string"}, "forms_sha256": {"type": "string"},
                            "created": {"type": "boolean"}}}}}},
                "403": {"description": "Not a process owner", "content": {"application/json": {"schema": _ERROR}}},
                "413": {"description": "Request larger than the upload limit",
                        "content": {"application/json": {"schema": _ERROR}}},
                "422": {"description": "Lint problems: error.fields maps BPMN element id → problem; "
                                       "error.problems lists {element_id, code, message}",
                        "content": {"application/json": {"schema": _ERROR}}},
            },
        },
    },
    "/api/v1/processes/{key}/versions/{number}": {
        "get": {
            "summary": "One version with its BPMN XML (process owner, auditor)",
            "tags": ["processes"],
            "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
                           {"name": "number", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "The version", "content": {"application/json": {"schema": _VERSION}}},
                          "404": {"description": "No such version",
                                  "content": {"application/json": {"schema": _ERROR}}}},
        },
    },
    "/api/v1/processes/{key}/versions/{number}/bpmn": {
        "get": {
            "summary": "Download a version's .bpmn file (process owner, auditor)",
            "tags": ["processes"],
            "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
                           {"name": "number", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "BPMN 2.0 XML", "content": {"application/xml": {}}},
                          "404": {"description": "No such version",
                                  "content": {"application/json": {"schema": _ERROR}}}},
        },
    },
}
