"""Injectable clocks, and the hook that makes SpiffWorkflow's timers read the injected clock.

SpiffWorkflow's timer code calls ``datetime.now(timezone.utc)`` directly. We give its module a
``datetime`` whose ``now`` asks the clock of the current engine operation (a context variable), so
tests, replay and the timer worker move time without sleeping; outside an operation it is the wall clock.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Protocol

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """Current UTC time."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, replay)."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        """The set time."""
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to ``at``."""
        self._at = at.astimezone(UTC)

    def advance(self, **delta) -> datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time."""
        self._at += timedelta(**delta)
        return self._at


_current: contextvars.ContextVar[Clock | None] = contextvars.ContextVar("alur_clock", default=None)


@contextlib.contextmanager
def using_clock(clock: Clock) -> Iterator[None]:
    """Run the block with SpiffWorkflow's timers reading ``clock``."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


def current_time() -> datetime:
    """Now (aware UTC) by the clock of the running engine operation; the wall clock outside one."""
    clock = _current.get()
    return clock.now() if clock is not None else datetime.now(UTC)


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now`` reads the clock of the running engine operation."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        clock = _current.get()
        if clock is None:
            return datetime.now(tz)
        value = clock.now()
        return value.astimezone(tz) if tz is not None else value.astimezone().replace(tzinfo=None)


spiff_timer.datetime = _ClockedDatetime  # type: ignore[attr-defined,misc]
