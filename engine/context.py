"""What every engine operation needs besides the database session: a clock and an office calendar."""

from __future__ import annotations

from dataclasses import dataclass, field

from .calendar import OfficeCalendar
from .clock import Clock, SystemClock


@dataclass
class EngineContext:
    """Clock and calendar injected into engine operations (tests and replay pass their own)."""

    clock: Clock = field(default_factory=SystemClock)
    calendar: OfficeCalendar = field(default_factory=OfficeCalendar)
