"""The auditor's pages: chain status and search, an instance's timeline, its replay on the diagram."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.audit_search import SEARCH_LIMIT, STATUSES, SearchFilters, parse_day, search_instances
from engine.chain_checks import chain_status, is_stale, latest_check, request_check
from engine.errors import ConcurrentUpdate, InvalidInput, VersionMissing
from engine.history import data_changes, diagram_states, get_instance_or_404, history_rows, step_times
from engine.messages import render
from engine.models import ProcessVersion
from engine.visibility import AUDITOR_IDENTITY_ROLE, complaint_view

from .. import nav
from ..auth.blueprint import current_actor, roles_required
from ..extensions import db
from ..i18n import current_language, t
from ..inbox.timing import clock_text, duration_text, local_time_text
from ..reports.pages import number
from ..wiring import engine_context
from . import texts  # noqa: F401 - registers the UI strings
from .api import AUDITOR, masked_divergence
from .chain_jobs import start_check

bp = Blueprint("audit", __name__, url_prefix="/audit")
nav.register_link("au_nav", "audit.home", roles={AUDITOR}, order=60)


def _filters() -> tuple[SearchFilters, str | None]:
    args = request.args
    error = None
    try:
        first, last = parse_day(args.get("dari"), t("au_f_from")), parse_day(args.get("sampai"), t("au_f_to"))
    except InvalidInput as bad:
        first = last = None
        error = bad.message(current_language())
    return SearchFilters(tracking_code=(args.get("kode") or "").strip(), first_day=first, last_day=last,
                         process_key=args.get("proses") or "", official=(args.get("pejabat") or "").strip(),
                         status=args.get("status") if args.get("status") in STATUSES else ""), error


def _process_names() -> dict[str, str]:
    return dict(db.session.execute(select(ProcessVersion.process_key, ProcessVersion.name)
                                   .order_by(ProcessVersion.version)).all())


def _helpers() -> dict:
    ctx = engine_context()
    lang = current_language()
    return {"local_time": lambda value: local_time_text(value, ctx.calendar), "clock_text": clock_text,
            "duration_text": lambda seconds: duration_text(seconds, lang), "event_text": event_text,
            "value_text": value_text, "number": number}


def break_text(code: str, seq: int | None, reason: str) -> str:
    """Why the chain is broken, in the page's language (a check recorded before codes existed: as recorded)."""
    return render(code, current_language(), seq=seq) if code else reason


def event_text(event_type: str) -> str:
    """An event type in words (as recorded when there are none)."""
    key = f"au_ev_{event_type}"
    text = t(key)
    return event_type if text == key else text


def value_text(value) -> str:
    """A data value as one line of text (nested values as compact JSON)."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {value_text(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(value_text(item) if isinstance(item, (dict, list)) else str(item) for item in value)
    if isinstance(value, bool):
        return ("ya" if value else "tidak") if current_language() != "en" else ("yes" if value else "no")
    return str(value)


@bp.get("/")
@roles_required(AUDITOR)
def home():
    """Chain status, the search form with its results, and the period export form."""
    filters, error = _filters()
    rows = []
    if not filters.is_empty() and error is None:
        try:
            instances = search_instances(db.session, engine_context(), filters)
        except InvalidInput as bad:
            instances, error = [], bad.message(current_language())
        viewer = current_actor()
        rows = [{"instance": i, "view": complaint_view(i, None, viewer, "audit")} for i in instances]
    check = latest_check(db.session)
    check_state = check and ("stale" if is_stale(check, engine_context().clock.now()) else check.state)
    return render_template("audit/home.html", status=chain_status(db.session), check=check, check_state=check_state,
                           break_text=break_text, filters=filters, error=error,
                           rows=rows, searched=not filters.is_empty(), limit=SEARCH_LIMIT,
                           process_names=_process_names(), statuses=STATUSES, **_helpers()), (422 if error else 200)


@bp.post("/rantai")
@roles_required(AUDITOR)
def check_chain_now():
    """Start a check of the whole chain in the background (or show the one under way); the home page shows
    its progress, and its outcome once it is recorded in the chain."""
    try:
        check, created = request_check(db.session, engine_context(), actor=current_actor())
    except ConcurrentUpdate:  # another worker queued one at the same moment
        check, created = latest_check(db.session), False
    if created:
        start_check(current_app._get_current_object(), check.id)
        flash(t("au_chain_started"))
    else:
        flash(t("au_chain_already", user=check.requested_by))
    return redirect(url_for("audit.home"))


def _step_names(*versions) -> dict[str, str]:
    """bpmn id → step name over ``versions`` (a later version's name wins)."""
    names: dict[str, str] = {}
    for version in versions:
        summary = (version.summary or {}).get("user_tasks", {}) if version else {}
        names.update({key: info.get("name") or key for key, info in summary.items()})
    return names


@bp.get("/instans/<int:instance_id>")
@roles_required(AUDITOR)
def timeline(instance_id: int):
    """Events in order (actor, time, step, data before/after) and each step's office time vs its standard."""
    instance = get_instance_or_404(db.session, instance_id)
    viewer = current_actor()
    names = _step_names(instance.version)
    calendar = engine_context().calendar
    events = []
    for row in history_rows(db.session, instance_id, viewer):
        before = row["data_before"] if isinstance(row["data_before"], dict) else None
        after = row["data_after"] if isinstance(row["data_after"], dict) else None
        changes = data_changes(before, after) if (before or after) else []
        step = row["bpmn_id"] and (names.get(row["bpmn_id"]) or row["payload"].get("name") or row["bpmn_id"])
        events.append({**row, "step": step or "", "changes": changes,
                       "at_text": local_time_text(datetime.fromisoformat(row["at"]), calendar)})
    return render_template("audit/timeline.html", instance=instance, events=events,
                           steps=step_times(db.session, engine_context(), instance_id),
                           view=complaint_view(instance, None, viewer, "audit"),
                           sees_identity=AUDITOR_IDENTITY_ROLE in viewer.roles, **_helpers())


def version_label(version: ProcessVersion) -> str:
    """``Versi 2 · sha256 3d9702d51393`` (the replay page's label of the diagram shown)."""
    return f"{t('version')} {version.version} · sha256 {version.sha256[:12]}"


@bp.get("/instans/<int:instance_id>/putar-ulang")
@roles_required(AUDITOR)
def replay_page(instance_id: int):
    """The instance's own BPMN version in the viewer, with a slider over its events (VersionMissing: 422).

    A migrated instance ran on several versions: each event's state names its version and the viewer shows
    that version's diagram (before the migration the old one, after it the new one).
    """
    instance = get_instance_or_404(db.session, instance_id)
    states = diagram_states(db.session, engine_context(), instance_id, current_actor())
    if states["version"] is None:
        raise VersionMissing(instance_id=instance_id)  # a clear 422 page
    states["divergence"] = masked_divergence(instance, states["divergence"])
    versions = sorted((db.session.get(ProcessVersion, version_id)
                       for version_id in states["versions"].values()), key=lambda v: v.version)
    version = next(v for v in versions if v.version == states["version"])
    names = _step_names(*versions)
    calendar = engine_context().calendar
    for state in states["states"]:
        state["type_text"] = event_text(state["type"])
        state["step"] = names.get(state["bpmn_id"] or "", state["bpmn_id"] or "")
        state["at_text"] = local_time_text(datetime.fromisoformat(state["at"]), calendar)
    config = {"diagrams": {str(v.version): v.bpmn_xml for v in versions},
              "first_version": str(version.version),
              "version_labels": {str(v.version): version_label(v) for v in versions},
              "states": states["states"], "divergence": states["divergence"],
              "replay_url": url_for("audit_api.instance_replay", instance_id=instance_id),
              "texts": {k: t(k) for k in ("au_replay_position", "au_proof_ok", "au_proof_diverged",
                                          "au_proof_expected", "au_proof_got", "au_proof_running",
                                          "au_proof_failed", "au_data_changed")}}
    config["texts"].update(yes=value_text(True), no=value_text(False))
    return render_template("audit/replay.html", instance=instance, version=version, versions=versions,
                           version_label=version_label, config=config,
                           count=len(states["states"]), divergence=states["divergence"])
