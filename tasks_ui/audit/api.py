"""Audit JSON API: an instance's history, its diagram states, the re-execution proof, the chain status."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from engine.audit import verify_chain
from engine.chain_checks import chain_status, check_as_dict, latest_check, request_check
from engine.errors import ConcurrentUpdate
from engine.history import diagram_states, get_instance_or_404, history_rows
from engine.messages import render
from engine.replay import localized, replay_instance
from engine.visibility import visible_data

from ..auth.blueprint import current_actor, roles_required
from ..extensions import csrf, db
from ..i18n import current_language
from ..wiring import engine_context

bp = Blueprint("audit_api", __name__)
AUDITOR = "auditor"
HISTORY_KEYS = ("seq", "at", "actor", "type", "bpmn_id", "task_guid", "data_before", "data_after", "payload", "hash")


def masked_divergence(instance, divergence: dict | None) -> dict | None:
    """A divergence report with complaint data masked as the current auditor may see it and its reason in the
    request's language (``code`` and ``params`` stay as recorded, for programs)."""
    if not divergence:
        return divergence
    out = localized(divergence, current_language())
    for key in ("expected", "got"):
        value = out.get(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("data_after"), dict):
                item["data_after"] = visible_data(instance, item["data_after"], current_actor(), "audit")
    return out


@bp.route("/api/v1/instances/<int:instance_id>/history")
@csrf.exempt
@roles_required(AUDITOR)
def instance_history(instance_id: int):
    """Ordered audit events of one instance."""
    rows = history_rows(db.session, instance_id, current_actor())
    return jsonify([{key: row[key] for key in HISTORY_KEYS} for row in rows])


@bp.route("/api/v1/instances/<int:instance_id>/replay", methods=["POST"])
@csrf.exempt
@roles_required(AUDITOR)
def instance_replay(instance_id: int):
    """Re-run the recorded inputs on the pinned version: ``{"reproduced", "divergence", …}``."""
    instance = get_instance_or_404(db.session, instance_id)
    result = replay_instance(db.session, engine_context(), instance_id).as_dict(current_language())
    result["divergence"] = masked_divergence(instance, result["divergence"])
    db.session.rollback()  # replay writes nothing; make sure the request leaves nothing behind
    return jsonify(result)


@bp.route("/api/v1/instances/<int:instance_id>/diagram-states")
@csrf.exempt
@roles_required(AUDITOR)
def instance_diagram_states(instance_id: int):
    """After each event: completed, active, cancelled elements and the data (for the replay slider)."""
    states = diagram_states(db.session, engine_context(), instance_id, current_actor())
    instance = get_instance_or_404(db.session, instance_id)
    states["divergence"] = masked_divergence(instance, states["divergence"])
    return jsonify(states)


@bp.route("/api/v1/audit/chain-checks", methods=["POST"])
@csrf.exempt
@roles_required(AUDITOR)
def start_chain_check():
    """Start a check of the whole chain in the background (or name the one under way): ``202 {"check",
    "started"}``; its outcome is recorded in the chain as ``CHAIN_VERIFIED``."""
    from .chain_jobs import start_check

    ctx = engine_context()
    try:
        check, created = request_check(db.session, ctx, actor=current_actor())
    except ConcurrentUpdate:  # another worker queued one at the same moment
        check, created = latest_check(db.session), False
    if created:
        start_check(current_app._get_current_object(), check.id)
    return jsonify({"check": check_as_dict(check, ctx.clock.now()), "started": created}), 202


@bp.route("/api/v1/audit/chain-checks/latest")
@csrf.exempt
@roles_required(AUDITOR)
def latest_chain_check():
    """The newest chain check (its progress while it runs) and the last recorded outcome."""
    status = chain_status(db.session)
    last = None if status.ok is None else {
        "ok": status.ok, "checked": status.checked, "broken_seq": status.broken_seq, "code": status.code,
        "reason": render(status.code, current_language(), seq=status.broken_seq) if status.code else status.reason,
        "checked_at": status.checked_at.isoformat(), "checked_by": status.checked_by, "seconds": status.seconds}
    return jsonify({"check": check_as_dict(latest_check(db.session), engine_context().clock.now()),
                    "last_result": last, "head_seq": status.head_seq})


@bp.route("/api/v1/audit/verify", methods=["POST"])
@csrf.exempt
@roles_required(AUDITOR)
def chain_verify():
    """Check the whole hash chain now, in this request, not recorded: ``{"ok", "checked", "broken_seq", "reason",
    "seconds"}`` (a million events take about a minute: prefer ``/api/v1/audit/chain-checks``)."""
    import time

    started = time.perf_counter()
    report = verify_chain(db.session)
    return jsonify({"ok": report.ok, "checked": report.checked, "broken_seq": report.broken_seq,
                    "reason": report.reason, "seconds": round(time.perf_counter() - started, 3)})


_ERRORS = {"401": {"description": "not logged in"}, "403": {"description": "not an auditor"},
           "404": {"description": "unknown instance"}}
_ID = [{"name": "instance_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_DATE = {"type": "string", "format": "date"}

#: OpenAPI 3.1 path items of this module (collected by tasks_ui/api/openapi.py).
OPENAPI_PATHS = {
    "/api/v1/instances/{instance_id}/history": {"get": {
        "summary": "Ordered audit events of an instance (auditor)", "parameters": _ID, "tags": ["audit"],
        "responses": {"200": {"description": "events", "content": {"application/json": {"schema": {
            "type": "array", "items": {"type": "object", "required": ["seq", "at", "actor", "type", "hash"],
                                       "properties": {k: {} for k in HISTORY_KEYS}}}}}}, **_ERRORS}}},
    "/api/v1/instances/{instance_id}/replay": {"post": {
        "summary": "Re-run the recorded inputs on the pinned BPMN version (auditor)", "parameters": _ID,
        "tags": ["audit"],
        "responses": {"200": {"description": "reproduced, or the first divergence", "content": {
            "application/json": {"schema": {"type": "object", "required": ["reproduced", "divergence"], "properties": {
                "reproduced": {"type": "boolean"}, "events_checked": {"type": "integer"},
                "divergence": {"type": ["object", "null"], "properties": {
                    "seq": {}, "type": {}, "bpmn_id": {},
                    "code": {"type": "string", "description": "stable machine code (replay_*)"},
                    "params": {"type": "object"},
                    "reason": {"type": "string", "description": "Indonesian; Accept-Language: en gives English"},
                    "expected": {}, "got": {}}}}}}}},
            "422": {"description": "the version the instance ran on is missing"}, **_ERRORS}}},
    "/api/v1/instances/{instance_id}/diagram-states": {"get": {
        "summary": "Diagram state after each event (auditor)", "parameters": _ID, "tags": ["audit"],
        "responses": {"200": {"description": "states"}, **_ERRORS}}},
    "/api/v1/instances/{instance_id}/history.csv": {"get": {
        "summary": "An instance's events as a CSV download, identities masked by right (auditor)",
        "parameters": _ID, "tags": ["audit"],
        "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}, **_ERRORS}}},
    "/api/v1/instances/{instance_id}/history.json": {"get": {
        "summary": "An instance's events as a JSON download, identities masked by right (auditor)",
        "parameters": _ID, "tags": ["audit"],
        "responses": {"200": {"description": "{instance_id, exported_at, exported_by, columns, events}"}, **_ERRORS}}},
    "/api/v1/audit/export": {"get": {
        "summary": "Every event of a period (office-local days) as CSV or JSON (auditor)", "tags": ["audit"],
        "parameters": [{"name": "from", "in": "query", "required": True, "schema": _DATE},
                       {"name": "to", "in": "query", "required": True, "schema": _DATE},
                       {"name": "format", "in": "query", "schema": {"enum": ["csv", "json"], "default": "csv"}}],
        "responses": {"200": {"description": "the download"}, "422": {"description": "bad dates or format"},
                      "401": _ERRORS["401"], "403": _ERRORS["403"]}}},
    "/api/v1/audit/chain-checks": {"post": {
        "summary": "Start a check of the whole chain in the background, or name the one under way (auditor)",
        "tags": ["audit"],
        "responses": {"202": {"description": "{check: {id, state, checked, total, requested_by, …}, started}"},
                      "401": _ERRORS["401"], "403": _ERRORS["403"]}}},
    "/api/v1/audit/chain-checks/latest": {"get": {
        "summary": "The newest chain check (state queued|running|done|failed|abandoned|stale, progress) and the "
                   "last recorded outcome (auditor)", "tags": ["audit"],
        "responses": {"200": {"description": "{check, last_result, head_seq}"},
                      "401": _ERRORS["401"], "403": _ERRORS["403"]}}},
    "/api/v1/audit/verify": {"post": {
        "summary": "Verify the whole audit hash chain in the request, not recorded (auditor)", "tags": ["audit"],
        "responses": {"200": {"description": "chain status"}, "401": _ERRORS["401"], "403": _ERRORS["403"]}}},
}
