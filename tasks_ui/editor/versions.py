"""Comparing two versions (plain-language list + coloured diagrams) and moving running instances between them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from engine import migration
from engine.errors import AlurError
from engine.models import ProcessVersion
from engine.process_catalog import get_version, list_processes
from engine.process_diff import diff_versions

from ..auth.blueprint import current_actor, roles_required
from ..extensions import db
from ..i18n import current_language
from ..wiring import engine_context
from .blueprint import OWNER, bp


def _process(key: str) -> dict:
    found = [p for p in list_processes(db.session) if p["key"] == key]
    if not found:
        abort(404)
    return found[0]


def _compared(key: str) -> tuple[dict, ProcessVersion, ProcessVersion]:
    """The process and the two versions a page compares (``?dari=`` old, ``?ke=`` new)."""
    process = _process(key)
    old_number, new_number = _numbers(process)
    return process, get_version(db.session, key, old_number), get_version(db.session, key, new_number)


def _numbers(process: dict) -> tuple[int, int]:
    numbers = [v["version"] for v in process["versions"]]
    newest = numbers[0]
    default_old = numbers[1] if len(numbers) > 1 else newest
    old = request.args.get("dari", type=int) or default_old
    new = request.args.get("ke", type=int) or newest
    return old, new


@bp.get("/proses/<key>/banding")
@roles_required(OWNER)
def compare(key: str):
    """What changed between two versions, in words and on both diagrams."""
    process, old, new = _compared(key)
    changes = diff_versions(old.bpmn_xml, new.bpmn_xml, old.forms, new.forms)
    lang = current_language()
    items = [{"element_id": c.element_id, "kind": c.kind, "what": c.what,
              "text": c.text_en if lang == "en" else c.text_id} for c in changes]
    return render_template("editor/compare.html", process=process, old=old, new=new, changes=items)


@bp.get("/proses/<key>/pindah")
@roles_required(OWNER)
def migrate_page(key: str):
    """Dry run: which running instances of one version can move to another, and why the others cannot."""
    process, old, new = _compared(key)
    checks = migration.dry_run(db.session, engine_context(), old.id, new.id) if old.id != new.id else []
    records = migration.migrations_of(db.session, key)
    return render_template("editor/migrate.html", process=process, old=old, new=new, checks=checks,
                           records=records)


@bp.post("/proses/<key>/pindah")
@roles_required(OWNER)
def migrate(key: str):
    """Move the chosen instances, each in its own transaction; report each outcome."""
    target = get_version(db.session, key, request.form.get("ke", type=int) or 0)
    ids = [int(i) for i in request.form.getlist("instance_id") if i.isdigit()]
    results = migration.migrate_instances(db.session, engine_context(), ids, target.id, actor=current_actor())
    moved = [i for i, error in results.items() if error is None]
    if moved:
        flash(("{n} instans dipindahkan ke versi {v}." if current_language() != "en" else
               "{n} instance(s) moved to version {v}.").format(n=len(moved), v=target.version))
    for error in (e for e in results.values() if e):
        flash(error)
    return redirect(url_for("editor.migrate_page", key=key, dari=request.form.get("dari"), ke=target.version))


@bp.post("/migrasi/<int:migration_id>/batal")
@roles_required(OWNER)
def revert(migration_id: int):
    """Put one migrated instance back on its previous version."""
    try:
        instance = migration.revert_migration(db.session, engine_context(), migration_id, actor=current_actor())
        flash(("Pemindahan instans {i} dibatalkan." if current_language() != "en" else
               "Migration of instance {i} reverted.").format(i=instance.id))
        key = instance.process_key
    except AlurError as error:
        flash(error.message(current_language()))
        key = request.form.get("key", "")
    return redirect(url_for("editor.migrate_page", key=key) if key else url_for("editor.processes"))
