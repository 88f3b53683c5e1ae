"""Process pages for process owners: every process with its versions, downloads, and the way into the editor."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from engine.drafts import list_drafts
from engine.errors import NotFound
from engine.process_catalog import get_version, list_processes
from engine.process_diff import human_duration

from .. import nav
from ..auth.blueprint import roles_required
from ..extensions import db
from ..i18n import current_language
from . import texts  # noqa: F401 - registers the UI strings

bp = Blueprint("editor", __name__, url_prefix="/editor")
OWNER = "process_owner"
nav.register_link("ed_nav", "editor.processes", roles={OWNER}, order=40)


@bp.get("/")
@roles_required(OWNER)
def processes():
    """Every process with its versions and running/completed instance counts."""
    return render_template("editor/processes.html", processes=list_processes(db.session),
                           drafts=list_drafts(db.session))


@bp.get("/proses/<key>")
@roles_required(OWNER)
def process(key: str):
    """One process: its versions (newest first) with their steps."""
    found = [p for p in list_processes(db.session) if p["key"] == key]
    if not found:
        raise NotFound(what=f"Proses '{key}'")
    drafts = [d for d in list_drafts(db.session) if d.process_key == key]
    lang = current_language()
    return render_template("editor/process.html", process=found[0], drafts=drafts,
                           human_duration=lambda value: human_duration(value, lang))


@bp.get("/proses/<key>/v<int:number>.bpmn")
@roles_required(OWNER)
def download(key: str, number: int):
    """A version's .bpmn file, exactly as deployed."""
    version = get_version(db.session, key, number)
    return Response(version.bpmn_xml.encode("utf-8"), mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}-v{number}.bpmn"'})
