"""Number helpers of the recap: office time of many intervals at once, percentiles.

``OfficeTimeline`` answers ``calendar.office_seconds_between(a, b)`` for many intervals: it turns each
instant into "office seconds since the start of the range" with one binary search over precomputed days,
so an interval is a subtraction (same result as the calendar, which the tests check on random intervals).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from .calendar import OfficeCalendar


class OfficeTimeline:
    """Cumulative office seconds over the local days ``first`` … ``last`` of a calendar."""

    def __init__(self, calendar: OfficeCalendar, first: date, last: date):
        self.first, self.last = first, last
        self.day_starts: list[float] = []  # local midnight of each day, as a UTC timestamp
        self.opens: list[float] = []
        self.closes: list[float] = []  # == opens on a day off
        self.before: list[float] = []  # office seconds of all earlier days in the range
        total = 0.0
        day = first
        tz = calendar.tz
        while day <= last:
            midnight = datetime.combine(day, datetime.min.time(), tzinfo=tz).timestamp()
            opening = datetime.combine(day, calendar.office_start, tzinfo=tz).timestamp()
            closing = datetime.combine(day, calendar.office_end, tzinfo=tz).timestamp()
            if not calendar.is_working_day(day):
                closing = opening
            self.day_starts.append(midnight)
            self.opens.append(opening)
            self.closes.append(closing)
            self.before.append(total)
            total += closing - opening
            day += timedelta(days=1)
        self.total = total
        starts = self.day_starts
        self.uniform = all(b - a == 86400 for a, b in zip(starts, starts[1:], strict=False))

    def position(self, at: datetime) -> float:
        """Office seconds from the start of the range up to ``at`` (clamped to the range)."""
        return self.position_of_stamp(at.timestamp())

    def position_of_stamp(self, stamp: float) -> float:
        """:meth:`position` of an epoch timestamp (seconds); O(1) when days are 24 h long (no DST)."""
        if self.uniform:
            index = int((stamp - self.day_starts[0]) // 86400)
        else:
            index = bisect_right(self.day_starts, stamp) - 1
        if index < 0:
            return 0.0
        if index >= len(self.day_starts):
            return self.total
        opening = self.opens[index]
        if stamp <= opening:
            return self.before[index]
        closing = self.closes[index]
        return self.before[index] + (closing - opening if stamp >= closing else stamp - opening)

    def seconds_between(self, a: datetime, b: datetime) -> float:
        """Office seconds in [a, b] (0 when b <= a); both must lie in the range."""
        if b <= a:
            return 0.0
        return round(self.position(b) - self.position(a), 6)


def percentile(sorted_values: Sequence[float], share: float) -> float | None:
    """The ``share`` quantile (0–1) of already sorted values, linear between ranks (as numpy's default)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    if low == high:
        return float(sorted_values[low])
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low))
