"""Home page: what Alur is, links for citizens and officials, and the deployed processes."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from engine.repository import latest_versions

from ..extensions import db

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """Landing page listing every deployed process with its steps."""
    return render_template("index.html", versions=latest_versions(db.session))


@bp.route("/healthz")
def healthz():
    """Liveness probe; ``?deep=1`` also checks the database, its schema revision and overdue timers."""
    if not request.args.get("deep"):
        return {"status": "ok"}
    from engine.schema import database_health

    from ..wiring import engine_context

    report = database_health(db.session, engine_context().clock.now())
    return report, 200 if report["status"] == "ok" else 503
