"""Working-day and office-hour arithmetic for Alur (pure Python, no database, no Flask).

Complaint deadlines are counted in *working days* and step times in *office hours* of an
Indonesian library office. A working day is a configured weekday (default Monday–Friday) that is
neither an Indonesian public holiday nor a *cuti bersama* day (the ``holidays`` package, country
``ID``, categories ``public`` and ``government``), unless the admin override table says otherwise —
the joint-leave decree (SKB) changes every year, so the override always wins.

Conventions:

* Every datetime argument must be timezone-aware; naive input raises ``ValueError`` because a
  silent guess of the zone shifts deadlines by up to a day.
* Every datetime result is aware and expressed in the **office time zone** (display-friendly,
  e.g. ``2026-03-31T16:00:00+07:00``). All arithmetic is done in UTC internally: Python subtracts
  and compares datetimes sharing one tzinfo object by wall-clock time, which is wrong across DST
  transitions, so we never rely on that (Indonesia has no DST, but the zone is configurable).
* The "local date" of an instant is its calendar date in the office time zone, not in UTC:
  a complaint at 03:00 WIB on Friday is a Friday complaint even though it is Thursday in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import isodate

from .clock import current_time
from .deadlines import configured_deadlines

__all__ = ["OfficeCalendar", "script_functions"]

# Guard against calendars without any working day (e.g. empty weekdays): searches give up after
# this many days instead of looping forever. Ten years is far beyond any complaint deadline.
MAX_SEARCH_DAYS = 3660

# Label for a day made off by the admin override table when the holiday package knows no name.
_OVERRIDE_OFF_LABEL = {"id": "Libur kantor (ditetapkan admin)", "en_US": "Office closed (admin override)"}


def _require_aware(value: datetime, name: str) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime, else raise ValueError/TypeError."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} is a naive datetime ({value.isoformat()}); give a timezone-aware datetime, "
            "e.g. with tzinfo=ZoneInfo('Asia/Jakarta') or an explicit UTC offset"
        )
    return value


def _require_date(value: date, name: str) -> date:
    """Return ``value`` if it is a plain date (a datetime is refused: its date part is zone-dependent)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (not a datetime), got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class OfficeCalendar:
    """Working days and office hours of one office; immutable and safe to share between threads."""

    timezone: str = "Asia/Jakarta"
    office_start: time = time(7, 30)
    office_end: time = time(16, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    # date -> True (working day) / False (day off); wins over weekdays and holidays. Excluded from
    # hashing because the caller may pass a dict; it is copied to a read-only mapping on creation.
    overrides: Mapping[date, bool] = field(default_factory=dict, hash=False)
    holiday_categories: tuple[str, ...] = ("public", "government")
    # Names the holiday_name() default language; Bahasa Indonesia is the default UI language.
    language: str = "id"
    # (year, language) -> {date: name}; filled lazily, not part of equality or repr.
    _holiday_cache: dict[tuple[int, str], dict[date, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    # date -> (opening, closing) in UTC for a working day, None for a day off; filled lazily. The
    # inbox computes a step timer per row on every request: this keeps that a few dict lookups.
    _office_day_cache: dict[date, tuple[datetime, datetime] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        """Validate the configuration and freeze the override table."""
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        object.__setattr__(self, "_tz", tz)
        for name in ("office_start", "office_end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"{name} must be a naive datetime.time (local office time)")
        # Office hours never span midnight in practice; forbidding it keeps per-day arithmetic simple.
        if not self.office_start < self.office_end:
            raise ValueError("office_start must be earlier than office_end on the same day")
        weekdays = frozenset(self.weekdays)
        if not all(isinstance(w, int) and 0 <= w <= 6 for w in weekdays):
            raise ValueError("weekdays must be integers 0 (Monday) .. 6 (Sunday)")
        object.__setattr__(self, "weekdays", weekdays)
        frozen: dict[date, bool] = {}
        for day, working in dict(self.overrides).items():
            _require_date(day, "override key")
            if not isinstance(working, bool):
                raise ValueError(f"override for {day} must be True (working) or False (day off)")
            frozen[day] = working
        # Snapshot: a later change to the caller's dict must not change a frozen calendar.
        object.__setattr__(self, "overrides", MappingProxyType(frozen))
        categories = tuple(self.holiday_categories)
        supported = holidays.country_holidays("ID").supported_categories
        unknown = set(categories) - set(supported)
        if unknown:
            raise ValueError(f"unknown holiday categories {sorted(unknown)}; ID supports {sorted(supported)}")
        object.__setattr__(self, "holiday_categories", categories)

    # ----------------------------------------------------------------- days

    @property
    def tz(self) -> ZoneInfo:
        """The office time zone as a ZoneInfo object."""
        return self._tz  # type: ignore[attr-defined, no-any-return]

    def _holidays_for(self, year: int, language: str) -> dict[date, str]:
        """Holidays of one year as a plain dict, cached per (year, language)."""
        key = (year, language)
        cached = self._holiday_cache.get(key)
        if cached is None:
            # A plain dict copy: HolidayBase objects auto-expand (mutate) on lookups of other years,
            # which is not something to share between threads.
            table = holidays.country_holidays(
                "ID", categories=self.holiday_categories, years=year, language=language
            )
            cached = dict(table.items())
            self._holiday_cache[key] = cached
        return cached

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is a working day: override first, else weekday and not a (joint) holiday."""
        _require_date(d, "d")
        override = self.overrides.get(d)
        if override is not None:
            return override
        return d.weekday() in self.weekdays and d not in self._holidays_for(d.year, self.language)

    def holiday_name(self, d: date, language: str | None = None) -> str | None:
        """Name of the holiday / cuti bersama that makes ``d`` a day off, for the UI; else None.

        Plain weekends give None. A day made working by an override gives None; a day made off by
        an override gives the package's name if any, else a generic "office closed" label.
        ``language`` is a ``holidays`` language code ("id", "en_US"); default: the calendar's.
        """
        _require_date(d, "d")
        lang = language or self.language
        if self.overrides.get(d) is True:
            return None
        name = self._holidays_for(d.year, lang).get(d)
        if name is None and self.overrides.get(d) is False:
            return _OVERRIDE_OFF_LABEL.get(lang, _OVERRIDE_OFF_LABEL["en_US"])
        return name

    def local_date(self, at: datetime) -> date:
        """Calendar date of the instant ``at`` in the office time zone."""
        return _require_aware(at, "at").astimezone(self.tz).date()

    def _working_days_from(self, day: date) -> Iterator[date]:
        """Working days strictly after ``day``, in order (bounded by MAX_SEARCH_DAYS)."""
        for offset in range(1, MAX_SEARCH_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                yield candidate
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days after {day}; check the calendar")

    def _count_working_days(self, after: date, until: date) -> int:
        """Number of working days d with after < d <= until (0 if until <= after)."""
        count = 0
        day = after + timedelta(days=1)
        while day <= until:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    # ----------------------------------------------------------------- office hours

    def _office_interval_utc(self, d: date) -> tuple[datetime, datetime]:
        """Opening and closing instant of day ``d`` in UTC (regardless of whether it is working)."""
        opening = datetime.combine(d, self.office_start, tzinfo=self.tz).astimezone(UTC)
        closing = datetime.combine(d, self.office_end, tzinfo=self.tz).astimezone(UTC)
        return opening, closing

    def is_office_time(self, at: datetime) -> bool:
        """True if ``at`` lies within office hours [start, end) of a working day."""
        at_utc = _require_aware(at, "at").astimezone(UTC)
        d = self.local_date(at)
        if not self.is_working_day(d):
            return False
        opening, closing = self._office_interval_utc(d)
        return opening <= at_utc < closing

    def next_working_day_start(self, at: datetime) -> datetime:
        """Opening time (office tz) of the first working day whose opening is at or after ``at``."""
        at_utc = _require_aware(at, "at").astimezone(UTC)
        today = self.local_date(at)
        if self.is_working_day(today) and self._office_interval_utc(today)[0] >= at_utc:
            return self._office_interval_utc(today)[0].astimezone(self.tz)
        day = next(self._working_days_from(today))
        return self._office_interval_utc(day)[0].astimezone(self.tz)

    # ----------------------------------------------------------------- deadlines

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Deadline "n working days after start": office closing time of the n-th working day.

        The local date of ``start`` is never counted, even if it is a working day and ``start``
        is before opening — this is how the complaint regulations count ("N hari kerja sejak
        diterima"). Returns an aware datetime in the office time zone.
        """
        _require_aware(start, "start")
        if isinstance(n, bool) or not isinstance(n, int):
            raise ValueError(f"n must be an integer number of working days, got {n!r}")
        if n < 1:
            raise ValueError(f"n must be >= 1 working day, got {n}")
        days = self._working_days_from(self.local_date(start))
        for _ in range(n - 1):
            next(days)
        return datetime.combine(next(days), self.office_end, tzinfo=self.tz)

    def working_days_between(self, a: datetime, b: datetime) -> int:
        """Working days d with local_date(a) < d <= local_date(b); negative if b is before a.

        Consistent with add_working_days: ``working_days_between(s, add_working_days(s, n)) == n``.
        """
        da, db = self.local_date(_require_aware(a, "a")), self.local_date(_require_aware(b, "b"))
        if db >= da:
            return self._count_working_days(da, db)
        return -self._count_working_days(db, da)

    def _office_hours_utc(self, d: date) -> tuple[datetime, datetime] | None:
        """Opening and closing instant (UTC) of ``d`` if it is a working day, else None (cached)."""
        try:
            return self._office_day_cache[d]
        except KeyError:
            hours = self._office_interval_utc(d) if self.is_working_day(d) else None
            self._office_day_cache[d] = hours
            return hours

    def office_seconds_between(self, a: datetime, b: datetime) -> float:
        """Seconds of office time (inside office hours of working days) in [a, b]; 0 if b <= a."""
        a_utc = _require_aware(a, "a").astimezone(UTC)
        b_utc = _require_aware(b, "b").astimezone(UTC)
        if b_utc <= a_utc:
            return 0.0
        # Per-day overlap of [a, b] with that day's office interval: O(days) cached lookups.
        total = timedelta(0)
        day, last = self.local_date(a), self.local_date(b)
        one_day = timedelta(days=1)
        while day <= last:
            hours = self._office_hours_utc(day)
            if hours is not None:
                lo = hours[0] if hours[0] > a_utc else a_utc
                hi = hours[1] if hours[1] < b_utc else b_utc
                if hi > lo:
                    total += hi - lo
            day += one_day
        # Summing timedeltas (exact microseconds) and converting once avoids float drift.
        return total.total_seconds()

    def add_office_time(self, start: datetime, duration: timedelta) -> datetime:
        """Earliest instant (office tz) at which ``duration`` of office time has elapsed since ``start``.

        Counting begins at ``start`` if it is within office hours, else at the next opening. A
        duration ending exactly at closing time returns that closing time (not the next opening).
        Inverse of office_seconds_between: ``office_seconds_between(s, add_office_time(s, d)) ==
        d.total_seconds()``. A zero duration returns ``start`` itself.
        """
        start_utc = _require_aware(start, "start").astimezone(UTC)
        if not isinstance(duration, timedelta):
            raise TypeError(f"duration must be a timedelta, got {type(duration).__name__}")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        if duration == timedelta(0):
            return start_utc.astimezone(self.tz)
        remaining = duration
        day = self.local_date(start)
        for _ in range(MAX_SEARCH_DAYS + 1):
            if self.is_working_day(day):
                opening, closing = self._office_interval_utc(day)
                lo = max(opening, start_utc)
                if closing > lo:
                    available = closing - lo
                    if remaining <= available:
                        return (lo + remaining).astimezone(self.tz)
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError(f"no office time within {MAX_SEARCH_DAYS} days after {start.isoformat()}")


# --------------------------------------------------------------------------- script functions

# Duration designators before the "T" denote calendar days/weeks/months/years. "One day" of office
# time is ambiguous (24 h? one working day?), so office_time_after accepts only hours/minutes/seconds.
_DATE_PART = re.compile(r"^-?P(?P<date>[^T]*)(?:T.*)?$")


def _parse_instant(text: str, name: str) -> datetime:
    """Parse an ISO-8601 datetime string that carries a UTC offset (or Z)."""
    if not isinstance(text, str):
        raise ValueError(f"{name} must be an ISO-8601 datetime string, got {type(text).__name__}")
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"{name} is not an ISO-8601 datetime: {text!r}") from exc
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} has no UTC offset: {text!r}; write e.g. '2026-03-13T15:00:00+07:00' or '...Z'"
        )
    return value


def _parse_office_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration limited to hours/minutes/seconds (e.g. 'PT45M', 'PT2H30M')."""
    if not isinstance(text, str):
        raise ValueError(f"duration must be an ISO-8601 duration string, got {type(text).__name__}")
    text = text.strip()
    try:
        value = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError) as exc:
        raise ValueError(f"not an ISO-8601 duration: {text!r} (expected e.g. 'PT45M')") from exc
    match = _DATE_PART.match(text)
    if not isinstance(value, timedelta) or match is None or re.search(r"[1-9]", match["date"]):
        raise ValueError(
            f"office time must be given in hours/minutes/seconds (e.g. 'PT8H'), not days, weeks, "
            f"months or years: {text!r}; use working_days_after for day deadlines"
        )
    if value < timedelta(0):
        raise ValueError(f"duration must not be negative: {text!r}")
    return value


def script_functions(calendar: OfficeCalendar) -> dict[str, Callable[..., object]]:
    """Functions for the restricted BPMN script environment; they take and return ISO-8601 strings."""

    def working_days_after(iso_datetime: str, n: int) -> str:
        """Deadline n working days after the given instant, as ISO-8601 with the office offset."""
        return calendar.add_working_days(_parse_instant(iso_datetime, "iso_datetime"), n).isoformat()

    def office_time_after(iso_datetime: str, iso_duration: str) -> str:
        """Instant when the given office time (e.g. 'PT45M') has elapsed, ISO-8601 with offset."""
        start = _parse_instant(iso_datetime, "iso_datetime")
        return calendar.add_office_time(start, _parse_office_duration(iso_duration)).isoformat()

    def working_days_between(a_iso: str, b_iso: str) -> int:
        """Working days after a's local date up to and including b's (negative if b is earlier)."""
        return calendar.working_days_between(_parse_instant(a_iso, "a_iso"), _parse_instant(b_iso, "b_iso"))

    def now() -> str:
        """The current instant (the engine's injected clock) as ISO-8601 with the office offset.

        In a boundary timer's expression it is the moment the step became ready, e.g.
        ``office_time_after(now(), "PT10M")`` = the step's standard time in office hours.
        """
        return current_time().astimezone(calendar.tz).isoformat()

    def deadline_after(iso_datetime: str, deadline_name: str) -> str:
        """A named deadline from the configuration (e.g. "lapor_verifikasi" = 3 working days) after the instant."""
        rules = configured_deadlines()
        rule = rules.get(deadline_name) if isinstance(deadline_name, str) else None
        if rule is None:
            raise ValueError(f"unknown deadline {deadline_name!r}; configured: {', '.join(sorted(rules)) or 'none'}")
        return working_days_after(iso_datetime, rule.working_days)

    return {
        "now": now,
        "deadline_after": deadline_after,
        "working_days_after": working_days_after,
        "office_time_after": office_time_after,
        "working_days_between": working_days_between,
    }

