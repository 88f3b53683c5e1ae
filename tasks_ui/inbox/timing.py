"""Step-timer figures for the page: office time elapsed, whether the office clock runs now, when that changes.

The browser ticks the timer from these figures (``static/inbox.js``); the server stays the source of truth
and the list is re-rendered on every poll.
"""

from __future__ import annotations

from datetime import datetime

from engine.calendar import OfficeCalendar
from engine.inbox import InboxEntry


def office_clock(calendar: OfficeCalendar, now: datetime) -> tuple[bool, float]:
    """(office open now, seconds until it closes or opens next)."""
    if calendar.is_office_time(now):
        closing = datetime.combine(calendar.local_date(now), calendar.office_end, tzinfo=calendar.tz)
        return True, max(0.0, (closing - now).total_seconds())
    return False, max(0.0, (calendar.next_working_day_start(now) - now).total_seconds())


def timer_attributes(entry: InboxEntry, now: datetime, office: tuple[bool, float]) -> dict:
    """The data-* figures one timer element carries for the browser."""
    row = entry.task
    return {
        "elapsed": round(entry.elapsed_seconds, 1),
        "standard": row.standard_seconds or "",
        "running": "1" if office[0] else "0",
        "change-in": round(office[1], 1),
        "sla-in": round((row.sla_due_at - now).total_seconds(), 1) if row.sla_due_at else "",
        "state": entry.timer_state,
    }


def clock_text(seconds: float) -> str:
    """Elapsed office time as ``H:MM:SS`` (hours may exceed 24: it is office time)."""
    total = max(0, int(seconds))
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def duration_text(seconds: float | None, lang: str = "id") -> str:
    """A standard time as the SOP writes it: ``10 menit``, ``1 jam``, ``1 jam 30 menit``."""
    if not seconds:
        return "—"
    minutes = int(round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    words = ("jam", "menit") if lang != "en" else ("h", "min")
    parts = []
    if hours:
        parts.append(f"{hours} {words[0]}")
    if minutes or not hours:
        parts.append(f"{minutes} {words[1]}")
    return " ".join(parts)


def local_time_text(value: datetime | None, calendar: OfficeCalendar) -> str:
    """A timestamp in the office time zone, e.g. ``13-03-2026 09:00 WIB``."""
    if value is None:
        return "—"
    local = value.astimezone(calendar.tz)
    return f"{local:%d-%m-%Y %H:%M} {local.tzname()}"
