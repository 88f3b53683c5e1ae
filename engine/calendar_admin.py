"""The administrator's side of the working-day calendar: list a year's exceptions, add and remove overrides.

An override (table ``calendar_override``) makes one date a working day or a day off whatever the
``holidays`` package says — the yearly cuti bersama decree (SKB) and local closures change. Each change
is one operation with an audit event (``CALENDAR_OVERRIDE_ADDED`` / ``CALENDAR_OVERRIDE_REMOVED``); the
engine context built afterwards (``tasks_ui.wiring.engine_context``, the timer worker) reads the table
afresh, so deadlines computed from then on use it. Deadlines already armed keep their value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .audit import PendingEvents, append_events
from .calendar import OfficeCalendar
from .context import EngineContext
from .errors import InvalidInput, NotFound
from .models import CalendarOverride
from .runtime import operation

#: Longest reason kept (the column's width).
MAX_REASON = 300
#: Years an override may name around today: a typo like 2062 is refused instead of silently stored.
YEARS_AROUND = 5


@dataclass(frozen=True)
class CalendarException:
    """One date of a year that differs from a plain Monday–Friday week, and why."""

    day: date
    is_working_day: bool
    holiday_name: str | None  # the package's name (public holiday or cuti bersama), if any
    source: str  # "holiday" (package) | "override" (admin table)
    reason: str = ""  # the override's reason
    created_by: str = ""
    created_at: datetime | None = None


def parse_override_date(text: str) -> date:
    """``YYYY-MM-DD`` → date; anything else is refused (InvalidInput naming ``field="day"``, Indonesian detail)."""
    raw = (text or "").strip()
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(detail=f"Tanggal '{raw}' tidak dikenali; tulis dengan format TTTT-BB-HH, "
                                  "mis. 2026-03-20.", field="day") from None


def year_exceptions(session: Session, calendar: OfficeCalendar, year: int,
                    language: str = "id") -> list[CalendarException]:
    """Holidays and cuti bersama of ``year`` (``holidays`` package) merged with the override table, by date."""
    rows = {row.day: row for row in session.scalars(
        select(CalendarOverride).where(CalendarOverride.day >= date(year, 1, 1),
                                       CalendarOverride.day <= date(year, 12, 31)))}
    # the package's own table, without the overrides (the calendar would hide an overridden holiday's name)
    plain = OfficeCalendar(timezone=calendar.timezone, office_start=calendar.office_start,
                           office_end=calendar.office_end, weekdays=calendar.weekdays,
                           holiday_categories=calendar.holiday_categories)
    found: dict[date, CalendarException] = {}
    day = date(year, 1, 1)
    while day.year == year:
        name = plain.holiday_name(day, language)
        if name is not None and day not in rows:
            found[day] = CalendarException(day, False, name, "holiday")
        day += timedelta(days=1)
    for day, row in rows.items():
        found[day] = CalendarException(day, row.is_working_day, plain.holiday_name(day, language), "override",
                                       row.reason, row.created_by, row.created_at)
    return [found[d] for d in sorted(found)]


def _row_fields(row: CalendarOverride) -> dict:
    return {"day": row.day.isoformat(), "is_working_day": bool(row.is_working_day), "reason": row.reason}


@operation
def add_calendar_override(session: Session, ctx: EngineContext, day: date, is_working_day: bool, reason: str, *,
                          actor: Actor) -> CalendarOverride:
    """Make ``day`` a working day (True) or a day off (False) with a reason; replaces an override of that day."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise InvalidInput(detail="Tanggal wajib diisi dengan format TTTT-BB-HH.", field="day")
    today = ctx.calendar.local_date(ctx.clock.now())
    if abs(day.year - today.year) > YEARS_AROUND:
        raise InvalidInput(detail=f"Tanggal {day.isoformat()} terlalu jauh dari tahun ini "
                                  f"(paling jauh {YEARS_AROUND} tahun).", field="day")
    if not isinstance(is_working_day, bool):
        raise InvalidInput(detail="Pilih: hari kerja atau hari libur.", field="is_working_day")
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(detail="Alasan wajib diisi (mis. nomor SKB cuti bersama).", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(detail=f"Alasan paling panjang {MAX_REASON} karakter.", field="reason")
    now = ctx.clock.now()
    row = session.get(CalendarOverride, day)
    before = _row_fields(row) if row is not None else None
    if row is None:
        row = CalendarOverride(day=day)
        session.add(row)
    row.is_working_day, row.reason, row.created_by, row.created_at = is_working_day, reason, actor.name, now
    events = PendingEvents()
    events.add("CALENDAR_OVERRIDE_ADDED", actor=actor.name, at=now, data_before=before, data_after=_row_fields(row),
               day=day.isoformat())
    append_events(session, events)
    return row


@operation
def remove_calendar_override(session: Session, ctx: EngineContext, day: date, *, actor: Actor) -> None:
    """Remove the override of ``day`` (the package's holidays apply again)."""
    row = session.get(CalendarOverride, day)
    if row is None:
        raise NotFound(what=f"Pengecualian kalender {day.isoformat()}")
    before = _row_fields(row)
    session.delete(row)
    events = PendingEvents()
    events.add("CALENDAR_OVERRIDE_REMOVED", actor=actor.name, at=ctx.clock.now(), data_before=before,
               day=day.isoformat())
    append_events(session, events)
