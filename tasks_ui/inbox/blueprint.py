"""The inbox: ready steps of the official's roles, most urgent first, with live step timers.

Reads only ``engine.inbox`` (indexed queries over ``human_task`` rows); never loads a workflow.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import inbox, runtime
from engine.models import ProcessVersion, Role

from .. import nav
from ..auth.blueprint import current_actor, official_roles, roles_required
from ..extensions import db
from ..i18n import current_language, t
from ..wiring import engine_context
from . import texts  # noqa: F401 - registers the UI strings
from .timing import clock_text, duration_text, local_time_text, office_clock, timer_attributes

bp = Blueprint("inbox", __name__)

#: Roles that work steps (every lane role in the role data but pelapor); others get a 403 page.
OFFICIAL_ROLES = (official_roles,)
#: Rows on one inbox page: the most urgent first; the counts say how many wait in all.
DEFAULT_PAGE_SIZE = 25
#: Counts are exact up to this many waiting steps, then shown as "more than" (the dashboard has exact figures).
DEFAULT_COUNT_CAP = 1000

nav.register_link("nav_inbox", "inbox.inbox", roles=official_roles, order=10)


def _filters() -> dict:
    args = request.args
    state = args.get("state") if args.get("state") in inbox.TIMER_STATES else None
    return {"process": args.get("process") or None, "role": args.get("role") or None, "state": state}


def role_names() -> dict[str, str]:
    """Role key → display name in the current language (one query on a tiny table)."""
    english = current_language() == "en"
    return {
        key: (name_en if english else name_id)
        for key, name_id, name_en in db.session.execute(select(Role.key, Role.name_id, Role.name_en)).all()
    }


def _names() -> tuple[dict, dict]:
    """Display names of processes and roles (two small queries on tiny tables)."""
    processes = dict(
        db.session.execute(
            select(ProcessVersion.process_key, ProcessVersion.name).order_by(ProcessVersion.version)
        ).all()
    )
    return processes, role_names()


def count_text(n: int | None, counts: dict, lang: str) -> str:
    """A count as shown: ``1.234`` (``1,234`` in English), ``> 1.000`` beyond the cap, ``?`` when unknown."""
    if n is None:
        return "?"
    cap = counts.get("cap")
    shown = f"{min(n, cap) if cap else n:,}"
    shown = shown if lang == "en" else shown.replace(",", ".")
    return f"> {shown}" if cap and n > cap else shown


def _page_number() -> int:
    raw = request.args.get("page") or "1"
    return max(1, min(int(raw), 100_000)) if raw.isdigit() else 1


def inbox_context() -> dict:
    """Everything the inbox lists show, for the page and for the polled fragment (one page of rows)."""
    ctx = engine_context()
    actor = current_actor()
    now = ctx.clock.now()
    filters = _filters()
    page_size = int(current_app.config.get("ALUR_INBOX_PAGE_SIZE") or DEFAULT_PAGE_SIZE)
    page = _page_number()
    entries = inbox.ready_tasks(db.session, ctx, actor, **filters, limit=page_size + 1,
                                offset=(page - 1) * page_size)
    has_next = len(entries) > page_size
    entries = entries[:page_size]
    held = inbox.ready_tasks(db.session, ctx, actor, held_by=actor.name, limit=50)
    office = office_clock(ctx.calendar, now)
    process_names, role_names = _names()
    lang = current_language()
    cap = int(current_app.config.get("ALUR_INBOX_COUNT_CAP") or DEFAULT_COUNT_CAP)
    counts = inbox.inbox_counts(db.session, ctx, actor, cap=cap)
    return {
        "entries": entries,
        "page": page,
        "has_next": has_next,
        "first_shown": (page - 1) * page_size + 1,
        "held": held,
        "completed": inbox.completed_by(db.session, actor, limit=20),
        "counts": counts,
        "count_text": lambda n: count_text(n, counts, lang),
        "filters": filters,
        "office_open": office[0],
        "poll_seconds": current_app.config.get("ALUR_INBOX_POLL_SECONDS", 12),
        "me": actor.name,
        "roles_mine": sorted(inbox.visible_roles(actor)),
        "process_names": process_names,
        "role_names": role_names,
        "timer_states": inbox.TIMER_STATES,
        "timer_attrs": lambda entry: timer_attributes(entry, now, office),
        "clock_text": clock_text,
        "duration_text": lambda seconds: duration_text(seconds, lang),
        "local_time": lambda value: local_time_text(value, ctx.calendar),
    }


@bp.route("/inbox", endpoint="inbox")
@roles_required(*OFFICIAL_ROLES)
def inbox_page():
    """The inbox page (filters as GET parameters)."""
    return render_template("inbox/inbox.html", **inbox_context())


@bp.route("/inbox/fragment")
@roles_required(*OFFICIAL_ROLES)
def inbox_fragment():
    """The lists only (HTML fragment), polled by the page every few seconds to show others' changes."""
    response = render_template("inbox/_lists.html", **inbox_context())
    return response, 200, {"Cache-Control": "no-store"}


def _back(task_id: int):
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("inbox.task_page", task_id=task_id)
    return redirect(target)


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@roles_required(*OFFICIAL_ROLES)
def claim(task_id: int):
    """Hold a step (others then see who works on it)."""
    runtime.claim_task(db.session, engine_context(), task_id, actor=current_actor())
    flash(t("claimed_ok"))
    return _back(task_id)


@bp.route("/tasks/<int:task_id>/release", methods=["POST"])
@roles_required(*OFFICIAL_ROLES)
def release(task_id: int):
    """Give a held step back to the role's pool."""
    runtime.release_task(db.session, engine_context(), task_id, actor=current_actor())
    flash(t("released_ok"))
    return _back(task_id)


from . import task_page  # noqa: E402,F401 - the task page routes live on this blueprint
