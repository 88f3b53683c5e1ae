"""Recap JSON API and downloads: ``GET /api/v1/reports/recap`` and ``/reports/recap.csv|.xlsx|.pdf``.

Query: ``process`` (complaint process keys, comma-separated, an office prefix such as ``muba``, or a recap
process key; default all), ``from`` and ``to`` (``YYYY-MM-DD``, inclusive). Roles: kasi, kabid,
kepala_dinas, auditor (others 403). A bad period → 422 naming the field; an empty period → empty report.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from engine import recap_runs
from engine.recap import compute_recap, parse_period

from ..auth.blueprint import current_actor, roles_required
from ..extensions import csrf, db
from ..wiring import engine_context
from . import REPORT_ROLES

bp = Blueprint("reports_api", __name__)


def recap_from_request(purpose: str = "report") -> dict:
    """The recap the query string asks for, masked for the current user and ``purpose``."""
    start, end = parse_period(request.args.get("from"), request.args.get("to"))
    report = compute_recap(db.session, engine_context(), process_keys=request.args.get("process") or None,
                           period_start=start, period_end=end, viewer=current_actor(), purpose=purpose)
    db.session.rollback()  # reading only
    return report


@bp.route("/api/v1/reports/recap")
@csrf.exempt
@roles_required(*REPORT_ROLES)
def recap_json():
    """The recap as JSON (structure: ``engine.recap.compute_recap``)."""
    return jsonify(recap_from_request("report"))


_DOWNLOADS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@bp.route("/reports/recap.<any(csv, xlsx, pdf):kind>")
@bp.route("/api/v1/reports/recap.<any(csv, xlsx, pdf):kind>")
@csrf.exempt
@roles_required(*REPORT_ROLES)
def recap_download(kind: str):
    """The recap as a CSV, XLSX or PDF file (complaint list masked for export)."""
    from . import exports

    report = recap_from_request("export")
    body = {"csv": exports.recap_csv, "xlsx": exports.recap_xlsx, "pdf": exports.recap_pdf}[kind](report)
    name = f"rekap-{report['scope']['period']['key'].replace('..', '_')}.{kind}"
    return Response(body, mimetype=_DOWNLOADS[kind],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- stored (frozen) recaps and recap runs ---------------------------------------------------------

def _snapshot_row(snapshot) -> dict:
    return {"id": snapshot.id, "process": snapshot.process_key, "period_key": snapshot.period_key,
            "period_start": snapshot.period_start.isoformat(), "period_end": snapshot.period_end.isoformat(),
            "state": snapshot.state, "sha256": snapshot.sha256, "created_at": snapshot.created_at.isoformat(),
            "frozen_at": snapshot.frozen_at.isoformat() if snapshot.frozen_at else None,
            "frozen_by": snapshot.frozen_by}


@bp.route("/api/v1/reports/snapshots")
@csrf.exempt
@roles_required(*REPORT_ROLES)
def snapshots_json():
    """Stored recaps (drafts under review and frozen ones), newest period first; ``?process=`` filters."""
    rows = recap_runs.list_snapshots(db.session, request.args.get("process") or None)
    return jsonify([_snapshot_row(s) for s in rows])


@bp.route("/api/v1/reports/snapshots/<int:snapshot_id>")
@csrf.exempt
@roles_required(*REPORT_ROLES)
def snapshot_json(snapshot_id: int):
    """One stored recap as the viewer may see it, with ``snapshot`` (state, sha256, note, frozen_at …)."""
    snapshot = recap_runs.get_snapshot(db.session, snapshot_id)
    return jsonify(recap_runs.snapshot_report(snapshot, current_actor(), "report"))


@bp.route("/reports/snapshots/<int:snapshot_id>.<any(csv, xlsx, pdf):kind>")
@bp.route("/api/v1/reports/snapshots/<int:snapshot_id>.<any(csv, xlsx, pdf):kind>")
@csrf.exempt
@roles_required(*REPORT_ROLES)
def snapshot_download(snapshot_id: int, kind: str):
    """A stored recap as a file (the frozen numbers, complaint list masked for export)."""
    from . import exports

    snapshot = recap_runs.get_snapshot(db.session, snapshot_id)
    report = recap_runs.snapshot_report(snapshot, current_actor(), "export")
    body = {"csv": exports.recap_csv, "xlsx": exports.recap_xlsx, "pdf": exports.recap_pdf}[kind](report)
    name = f"rekap-{snapshot.process_key}-{snapshot.period_key.replace('..', '_')}-{snapshot.state}.{kind}"
    return Response(body, mimetype=_DOWNLOADS[kind],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/api/v1/reports/recap/runs", methods=["POST"])
@csrf.exempt
@roles_required("kasi")
def start_run():
    """Start a recap process run for a chosen period on demand: ``{"process", "period"}`` (``2026-03``,
    ``2026-S1``) → 201 (or 200 with the run that already exists for that period)."""
    body = request.get_json(silent=True) or {}
    process, period = str(body.get("process") or ""), str(body.get("period") or "")
    before = {r.id for r in recap_runs.runs_for_period(db.session, process, period)} if process and period else set()
    run = recap_runs.start_recap(db.session, engine_context(), process, period, actor=current_actor())
    return jsonify({"run_id": run.id, "instance_id": run.instance_id, "process": run.process_key,
                    "period": run.period_key, "snapshot_id": run.snapshot_id,
                    "trigger": run.trigger}), (200 if run.id in before else 201)


_PARAMS = [
    {"name": "process", "in": "query", "schema": {"type": "string"},
     "description": "complaint process keys (comma-separated), an office prefix or a recap process key"},
    {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
    {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
]
_ERRORS = {"401": {"description": "not logged in"},
           "403": {"description": "not kasi, kabid, kepala_dinas or auditor"},
           "422": {"description": "invalid period or process; `fields` names from/to/process"}}

#: OpenAPI 3.1 path items of this module.
OPENAPI_PATHS = {
    "/api/v1/reports/recap": {"get": {
        "summary": "Complaint recap of a period: counts per channel, category, process and status; deadlines "
                   "met/missed; per-step median and 90th percentile office time vs the SOP standard; backlog; "
                   "previous period; masked complaint list",
        "tags": ["reports"], "parameters": _PARAMS,
        "responses": {"200": {"description": "the recap", "content": {"application/json": {"schema": {
            "type": "object", "required": ["scope", "totals", "by_status", "by_channel", "by_category", "steps"],
            "properties": {k: {} for k in ("schema", "scope", "totals", "by_status", "by_channel", "by_category",
                                           "by_process", "daily", "steps", "officials", "backlog", "previous",
                                           "comparison", "complaints", "definitions")}}}}}, **_ERRORS}}},
    "/api/v1/reports/recap.{kind}": {"get": {
        "summary": "The recap as a file: csv, xlsx or pdf", "tags": ["reports"],
        "parameters": [{"name": "kind", "in": "path", "required": True,
                        "schema": {"enum": ["csv", "xlsx", "pdf"]}}, *_PARAMS],
        "responses": {"200": {"description": "the file"}, **_ERRORS}}},
    "/api/v1/reports/snapshots": {"get": {
        "summary": "Stored recaps (draft while the kasi reviews, frozen once accepted)", "tags": ["reports"],
        "responses": {"200": {"description": "list"}, "401": _ERRORS["401"], "403": _ERRORS["403"]}}},
    "/api/v1/reports/snapshots/{snapshot_id}": {"get": {
        "summary": "One stored recap with its sha256", "tags": ["reports"],
        "parameters": [{"name": "snapshot_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "the recap"}, "404": {"description": "unknown"},
                      "401": _ERRORS["401"], "403": _ERRORS["403"]}}},
    "/api/v1/reports/snapshots/{snapshot_id}.{kind}": {"get": {
        "summary": "A stored recap as a file: csv, xlsx or pdf (the frozen numbers)", "tags": ["reports"],
        "parameters": [{"name": "snapshot_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                       {"name": "kind", "in": "path", "required": True,
                        "schema": {"enum": ["csv", "xlsx", "pdf"]}}],
        "responses": {"200": {"description": "the file"}, "404": {"description": "unknown"},
                      "401": _ERRORS["401"], "403": _ERRORS["403"]}}},
    "/api/v1/reports/recap/runs": {"post": {
        "summary": "Start a recap run for a period on demand (kasi); idempotent per period", "tags": ["reports"],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["process", "period"],
                        "properties": {"process": {"type": "string"}, "period": {"type": "string"}}}}}},
        "responses": {"201": {"description": "started"}, "200": {"description": "already started for that period"},
                      "422": {"description": "unknown recap process or bad period"},
                      "401": _ERRORS["401"], "403": {"description": "not kasi"}}}},
}
