"""Recap periods: months, semesters and free ranges; their keys (``2026-03``, ``2026-S1``,
``2026-03-01..2026-03-15``), Indonesian labels, the previous period and validation of requested periods."""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, timedelta

from .errors import InvalidData

#: Longest period a recap may cover (a year and a half: a semester report with room to spare).
MAX_PERIOD_DAYS = 550
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember")


def month_period(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    return date(year, month, 1), date(year, month, month_calendar.monthrange(year, month)[1])


def semester_period(year: int, half: int) -> tuple[date, date]:
    """First and last day of semester 1 (Jan–Jun) or 2 (Jul–Dec)."""
    return (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))


def period_key(start: date, end: date) -> str:
    """``2026-03`` for a month, ``2026-S1`` for a semester, ``2026-03-01..2026-03-15`` otherwise."""
    if start.day == 1 and (start, end) == month_period(start.year, start.month):
        return f"{start.year:04d}-{start.month:02d}"
    for half in (1, 2):
        if (start, end) == semester_period(start.year, half):
            return f"{start.year:04d}-S{half}"
    return f"{start.isoformat()}..{end.isoformat()}"


def period_from_key(key: str) -> tuple[date, date]:
    """The inverse of :func:`period_key`; InvalidData (field ``period``) when unreadable."""
    text = (key or "").strip()
    try:
        if "..." not in text and ".." in text:
            first, last = text.split("..")
            return validate_period(date.fromisoformat(first), date.fromisoformat(last))
        if "-S" in text.upper():
            year, half = text.upper().split("-S")
            if half in ("1", "2"):
                return semester_period(int(year), int(half))
        elif len(text) == 7 and text[4] == "-":
            return month_period(int(text[:4]), int(text[5:]))
    except ValueError:
        pass
    raise InvalidData({"period": ("field_invalid", {"detail": f"periode '{text}' (pakai TTTT-BB, TTTT-S1 "
                                                              "atau TTTT-BB-HH..TTTT-BB-HH)"})})


def period_label(start: date, end: date) -> str:
    """Indonesian label: ``Maret 2026``, ``Semester 1 2026`` or ``1 Mar 2026 – 15 Mar 2026``."""
    key = period_key(start, end)
    if "-S" in key:
        return f"Semester {key[-1]} {start.year}"
    if ".." not in key:
        return f"{MONTHS_ID[start.month - 1]} {start.year}"
    first = f"{start.day} {MONTHS_ID[start.month - 1][:3]} {start.year}"
    return f"{first} – {end.day} {MONTHS_ID[end.month - 1][:3]} {end.year}"


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period just before: as many whole months before a whole-month period, else as many days."""
    if start.day == 1 and end == month_period(end.year, end.month)[1]:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1 - months
        first = date(index // 12, index % 12 + 1, 1)
        return first, start - timedelta(days=1)
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def validate_period(start: date, end: date) -> tuple[date, date]:
    """The period if acceptable; InvalidData naming ``from``/``to`` otherwise."""
    if end < start:
        raise InvalidData({"to": ("field_invalid", {"detail": "tanggal akhir sebelum tanggal awal"})})
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidData({"to": ("field_invalid", {"detail": f"periode lebih dari {MAX_PERIOD_DAYS} hari"})})
    return start, end


def parse_period(from_text: str | None, to_text: str | None) -> tuple[date, date]:
    """``from``/``to`` query values (``YYYY-MM-DD``) → dates; InvalidData with the field otherwise."""
    errors: dict[str, tuple[str, dict]] = {}
    values: dict[str, date] = {}
    for name, text in (("from", from_text), ("to", to_text)):
        try:
            values[name] = date.fromisoformat((text or "").strip())
        except ValueError:
            errors[name] = ("field_invalid", {"detail": f"'{text or ''}' bukan tanggal TTTT-BB-HH"})
    if errors:
        raise InvalidData(errors)
    return validate_period(values["from"], values["to"])
