"""Home page: what Alur is, links for citizens and officials, and the deployed processes."""

from __future__ import annotations

from flask import Blueprint, render_template

from engine.repository import latest_versions

from ..extensions import db

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """Landing page listing every deployed process with its steps."""
    return render_template("index.html", versions=latest_versions(db.session))


@bp.route("/healthz")
def healthz():
    """Liveness probe."""
    return {"status": "ok"}
