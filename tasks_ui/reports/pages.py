"""The leaders' pages: the dashboard (today, overdue steps, compliance, trend) and the recap pages.

Thin: parse the query string, call ``engine.dashboard`` / ``engine.recap``, render with server-side SVG
charts (``svg.py``). Open to kasi, kabid, kepala dinas and auditors; everyone else gets a 403.
"""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from engine import dashboard as dashboard_engine
from engine.models import ProcessVersion

from .. import nav
from ..auth.blueprint import roles_required
from ..extensions import db
from ..i18n import current_language, t
from ..inbox.blueprint import role_names
from ..inbox.timing import duration_text, local_time_text
from ..wiring import engine_context
from . import REPORT_ROLES, svg
from .texts import MONTHS, WEEKDAYS

bp = Blueprint("reports", __name__)


nav.register_link("nav_dashboard", "reports.dashboard", roles=REPORT_ROLES, order=30)


def _pick(pair: tuple[str, str]) -> str:
    return pair[1] if current_language() == "en" else pair[0]


def long_date(day: date) -> str:
    """``Senin, 23 November 2026`` (or the English form)."""
    return f"{_pick(WEEKDAYS[day.weekday()])}, {day.day} {_pick(MONTHS[day.month - 1])} {day.year}"


def short_date(day: date) -> str:
    """``23 Nov`` — for chart axes."""
    return f"{day.day} {_pick(MONTHS[day.month - 1])[:3]}"


def month_name(day: date) -> str:
    """``November 2026``."""
    return f"{_pick(MONTHS[day.month - 1])} {day.year}"


def number(value: float | None, decimals: int = 0) -> str:
    """A number in the page language's notation (``1.234`` / ``1,234``; ``87,5`` / ``87.5``)."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    if current_language() == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(ratio: float | None) -> str:
    """A share as ``87,5 %``; ``—`` when nothing was counted."""
    return "—" if ratio is None else f"{number(ratio * 100, 1)} %"


def short_name(name: str) -> str:
    """A process name without its trailing source note: ``… — DPK Kab. Musi Banyuasin (SOP 041/…)`` →
    ``… — DPK Kab. Musi Banyuasin`` (the full name stays in the page's ``title`` attributes)."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", name) or name


def complaint_processes() -> dict[str, str]:
    """Complaint process keys → short names (latest version's name), for the process selector."""
    rows = db.session.execute(
        select(ProcessVersion.process_key, ProcessVersion.name)
        .where(ProcessVersion.is_complaint.is_(True))
        .order_by(ProcessVersion.process_key, ProcessVersion.version)
    ).all()
    return {key: short_name(name) for key, name in rows}


def all_process_names() -> dict[str, str]:
    """Every process key → short name (for labels of steps of any process)."""
    rows = db.session.execute(
        select(ProcessVersion.process_key, ProcessVersion.name).order_by(ProcessVersion.version)
    ).all()
    return {key: short_name(name) for key, name in rows}


def _chosen_process(choices: dict[str, str]) -> str | None:
    process = request.args.get("process") or None
    if process is not None and process not in choices:
        abort(404)
    return process


@bp.route("/dasbor", endpoint="dashboard")
@roles_required(*REPORT_ROLES)
def dashboard_page():
    """Today's complaints, steps overdue now, deadline compliance this month and the 12-week trend."""
    ctx = engine_context()
    processes = complaint_processes()
    process = _chosen_process(processes)
    svg.use_language(current_language())
    figures = dashboard_engine.dashboard(db.session, ctx, process=process)
    lang = current_language()
    roles = role_names()
    weeks = [short_date(point.week_start) for point in figures.trend]
    trend_chart = svg.column_chart(
        weeks,
        [
            svg.Series(t("dash_received"), [p.received for p in figures.trend], "s1"),
            svg.Series(t("dash_answered"), [p.answered for p in figures.trend], "s2"),
        ],
        title=t("dash_trend"),
        desc=t("dash_trend_desc"),
        label_every=2,
    )
    overdue_roles = sorted(figures.overdue_by_role.items(), key=lambda item: -item[1])
    role_chart = svg.bar_chart(
        [roles.get(role, role) for role, _ in overdue_roles],
        [svg.Series(t("dash_late"), [n for _, n in overdue_roles], "late")],
        title=t("dash_overdue_by_role"),
        empty_text=t("dash_overdue_none"),
    )
    complaints = figures.complaints_month
    meter = svg.percent_meter(
        complaints["sla_rate"],
        title=t("dash_compliance"),
        caption=t(
            "dash_complaints_caption",
            on_time=complaints["on_time"],
            late=complaints["late"],
            pending=complaints["pending"],
        ),
    )
    mine = set(current_user.roles)
    return render_template(
        "reports/dashboard.html",
        d=figures,
        processes=processes,
        process=process,
        names=all_process_names(),
        role_names=roles,
        trend_chart=trend_chart,
        role_chart=role_chart,
        meter=meter,
        today_text=long_date(figures.today),
        month_text=month_name(figures.month_start),
        as_of=local_time_text(figures.now, ctx.calendar),
        weeks=weeks,
        number=number,
        percent=percent,
        office_time=lambda seconds: duration_text(max(seconds, 60.0), lang),
        local_time=lambda value: local_time_text(value, ctx.calendar),
        may_open=lambda step: step.role in mine,
    )


nav.register_link("nav_recap", "reports.recap", roles=REPORT_ROLES, order=31)

from . import recap_page  # noqa: E402,F401 - the recap routes live on this blueprint
