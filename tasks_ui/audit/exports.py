"""History downloads for external auditors: an instance's or a period's events as CSV or JSON.

The same endpoints serve the pages (session login) and the API (bearer token); masking happens in
``engine.audit_export`` through ``engine.visibility`` (purpose ``export``).
"""

from __future__ import annotations

from flask import Response, request, stream_with_context

from engine import audit_export
from engine.audit_search import parse_day

from ..auth.blueprint import current_actor, roles_required
from ..extensions import csrf, db
from ..wiring import engine_context
from .api import AUDITOR, bp

MIMETYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def _download(rows, fmt: str, filename: str, meta: dict) -> Response:
    chunks = audit_export.csv_chunks(rows) if fmt == "csv" else audit_export.json_chunks(rows, meta)
    return Response(stream_with_context(chunks), headers={
        "Content-Type": MIMETYPES[fmt], "Content-Disposition": f'attachment; filename="{filename}.{fmt}"',
        "Cache-Control": "no-store"})


def _meta(**extra) -> dict:
    viewer = current_actor()
    return {**extra, "exported_at": engine_context().clock.now().isoformat(), "exported_by": viewer.name,
            "columns": list(audit_export.COLUMNS)}


@bp.route("/api/v1/instances/<int:instance_id>/history.csv", defaults={"fmt": "csv"})
@bp.route("/api/v1/instances/<int:instance_id>/history.json", defaults={"fmt": "json"})
@csrf.exempt
@roles_required(AUDITOR)
def instance_history_file(instance_id: int, fmt: str):
    """An instance's events as a CSV or JSON download (404 for an unknown instance)."""
    rows = audit_export.instance_history(db.session, instance_id, current_actor())
    return _download(rows, fmt, f"alur-instans-{instance_id}-riwayat", _meta(instance_id=instance_id))


@bp.route("/api/v1/audit/export")
@csrf.exempt
@roles_required(AUDITOR)
def period_export():
    """Every event on the office-local days ``from`` … ``to`` (``format=csv|json``) as a download."""
    fmt = audit_export.check_format(request.args.get("format"))
    first, last = parse_day(request.args.get("from"), "from"), parse_day(request.args.get("to"), "to")
    rows = audit_export.period_history(db.session, engine_context(), first, last, current_actor())
    first, last = audit_export.check_period(first, last)
    return _download(rows, fmt, f"alur-audit-{first}-{last}", _meta(period={"from": first.isoformat(),
                                                                             "to": last.isoformat()}))
