"""The calendar admin page: a year's working-day exceptions, a form to add an override, a button to remove one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import calendar_admin
from engine.errors import InvalidInput, NotFound

from .. import nav
from ..auth.blueprint import current_actor, roles_required
from ..extensions import db
from ..i18n import current_language, t
from ..inbox.timing import local_time_text
from ..wiring import engine_context
from . import texts  # noqa: F401 - registers the UI strings

bp = Blueprint("calendar_admin", __name__, url_prefix="/admin/kalender")
ADMIN = ("admin",)
#: ``holidays`` language codes of the UI languages.
HOLIDAY_LANGUAGE = {"id": "id", "en": "en_US"}

nav.register_link("nav_calendar", "calendar_admin.year", roles=ADMIN, order=80)


def _year(raw: str | None, default: int) -> int:
    try:
        year = int(raw) if raw else default
    except ValueError:
        return default
    return year if abs(year - default) <= calendar_admin.YEARS_AROUND else default


def _render(year: int, values: dict, errors: dict, status: int = 200):
    ctx = engine_context()
    cal = ctx.calendar
    exceptions = calendar_admin.year_exceptions(db.session, cal, year, HOLIDAY_LANGUAGE[current_language()])
    return render_template(
        "calendar/year.html", year=year, exceptions=exceptions, values=values, errors=errors,
        office=t("calendar_office", tz=cal.timezone, start=cal.office_start.strftime("%H:%M"),
                 end=cal.office_end.strftime("%H:%M")),
        local_time=lambda value: local_time_text(value, cal)), status


@bp.route("", methods=["GET"])
@roles_required(*ADMIN)
def year():
    """The exceptions of one year (``?year=``, default this year) and the add form."""
    ctx = engine_context()
    this_year = ctx.calendar.local_date(ctx.clock.now()).year
    return _render(_year(request.args.get("year"), this_year), {"is_working_day": "0"}, {})


@bp.route("", methods=["POST"])
@roles_required(*ADMIN)
def add_override():
    """Add (or replace) an override; a bad date or a missing reason is shown beside its field."""
    ctx = engine_context()
    values = {key: request.form.get(key, "").strip() for key in ("day", "is_working_day", "reason")}
    this_year = ctx.calendar.local_date(ctx.clock.now()).year
    try:
        day = calendar_admin.parse_override_date(values["day"])
        if values["is_working_day"] not in ("0", "1"):
            raise InvalidInput(detail="Pilih: hari kerja atau hari libur.", field="is_working_day")
        calendar_admin.add_calendar_override(db.session, ctx, day, values["is_working_day"] == "1",
                                             values["reason"], actor=current_actor())
    except InvalidInput as refused:
        field = refused.params.get("field", "_form")
        shown_year = _year(values["day"][:4], this_year)
        return _render(shown_year, values, {field: refused.message(current_language())}, 422)
    flash(t("calendar_added", day=day.isoformat()))
    return redirect(url_for("calendar_admin.year", year=day.year))


@bp.route("/<day>/hapus", methods=["POST"])
@roles_required(*ADMIN)
def remove_override(day: str):
    """Remove the override of ``day`` (YYYY-MM-DD)."""
    ctx = engine_context()
    try:
        parsed = calendar_admin.parse_override_date(day)
    except InvalidInput:
        raise NotFound(what=f"Pengecualian kalender {day}") from None
    calendar_admin.remove_calendar_override(db.session, ctx, parsed, actor=current_actor())
    flash(t("calendar_removed", day=parsed.isoformat()))
    return redirect(url_for("calendar_admin.year", year=parsed.year))
