"""Recap JSON API and downloads: ``GET /api/v1/reports/recap`` and ``/reports/recap.csv|.xlsx|.pdf``.

Query: ``process`` (complaint process keys, comma-separated, an office prefix such as ``muba``, or a recap
process key; default all), ``from`` and ``to`` (``YYYY-MM-DD``, inclusive). Roles: kasi, kabid,
kepala_dinas, auditor (others 403). A bad period → 422 naming the field; an empty period → empty report.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

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
}
