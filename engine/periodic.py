"""Periodic processes (timer start events with a cycle, e.g. ``"R/2026-01-01T08:00:00+07:00/P1M"``).

SpiffWorkflow 3.2 left alone does two things a monthly recap must not do (measured here):

1. **Catch-up burst.** A new instance starts from the cycle's anchor: started in November with an anchor
   of 1 January, it fires every past month at the first sweeps (eleven recap runs at once).
2. **Drift.** It steps a cycle by the *seconds* of the first interval (``P1M`` from January = 31 days),
   so the monthly start moves: 1 Feb, 4 Mar, 4 Apr, 5 May … and after some years skips a month.

The policy applied here, inside every engine step (:func:`align_cycle_starts` is called by
``runtime._run_engine``, so the runtime, the timer worker, migration and replay all agree):

- a new periodic instance waits for the first occurrence **after** its start (no burst);
- after each firing the next occurrence is the next *calendar* occurrence (anchor + k months for month
  and year cycles, fixed steps otherwise): no drift;
- after an outage the missed occurrences fire one per sweep pass, so each missed period gets exactly one
  run; which period a run covers is decided by ``engine.recap_runs`` (idempotent by period key);
- an instance started **on demand** (workflow data ``recap_period``) fires its start once, at once, and
  then never again (it is one run for the chosen period, not a second periodic series).
"""

from __future__ import annotations

import ast
import calendar as month_calendar
import weakref
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

#: Workflow data key of an on-demand run: the period it is for (e.g. ``2026-03``).
ON_DEMAND_KEY = "recap_period"


def _is_cycle_start(task_spec) -> bool:
    return (isinstance(getattr(task_spec, "event_definition", None), CycleTimerEventDefinition)
            and type(task_spec).__name__ == "StartEvent")


def _has_cycle_timer(event_definition) -> bool:
    if isinstance(event_definition, CycleTimerEventDefinition):
        return True
    return isinstance(event_definition, MultipleEventDefinition) and any(
        _has_cycle_timer(inner) for inner in event_definition.event_definitions)


class SpecTimers(NamedTuple):
    """What a process spec's timers need from the engine (a function of the spec alone)."""

    cycle_start: bool  # a start event with a cycle timer: :func:`align_cycle_starts` has work to do
    refresh_repeatable: bool  # refreshing the timers twice on the same state at one instant changes nothing


_SPEC_TIMERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def spec_timers(spec) -> SpecTimers:
    """:class:`SpecTimers` of one process spec; cached per spec object (parsed specs are never changed).

    A refresh is not repeatable when a cycle timer could fire once more (each refresh takes one past-due
    occurrence) or when a catching event runs a pre-script on every refresh.
    """
    known = _SPEC_TIMERS.get(spec)
    if known is None:
        task_specs = list(spec.task_specs.values())
        known = _SPEC_TIMERS[spec] = SpecTimers(
            cycle_start=any(_is_cycle_start(task_spec) for task_spec in task_specs),
            refresh_repeatable=not any(
                _has_cycle_timer(getattr(task_spec, "event_definition", None))
                or (hasattr(task_spec, "event_definition") and getattr(task_spec, "prescript", None))
                for task_spec in task_specs))
    return known


def _workflow_specs(workflow) -> list:
    return [workflow.spec, *(getattr(workflow, "subprocess_specs", None) or {}).values()]


def _has_cycle_start(workflow) -> bool:
    """Whether the workflow's specs (its process and subprocesses) have any cycle start event at all: most
    have none, and looking at the (cached) spec facts is far cheaper than walking the task tree."""
    return any(spec_timers(spec).cycle_start for spec in _workflow_specs(workflow))


def refresh_repeatable(workflow) -> bool:
    """Whether refreshing this workflow's timers again, with nothing run in between and the clock where it
    was, leaves it exactly as it is (see :class:`SpecTimers`)."""
    return all(spec_timers(spec).refresh_repeatable for spec in _workflow_specs(workflow))


def _cycle_starts(workflow) -> list:
    """Start events with a cycle timer that have not finished (a new workflow's are still FUTURE)."""
    if not _has_cycle_start(workflow):
        return []
    return [task for task in workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK) if _is_cycle_start(task.task_spec)]


def parse_cycle(expression: str) -> tuple[int, datetime, dict] | None:
    """``(cycles, anchor, duration parts)`` of a literal cycle expression; None when not a plain literal."""
    try:
        text = ast.literal_eval(expression)
    except (ValueError, SyntaxError):
        return None
    if not isinstance(text, str) or not text.upper().startswith("R"):
        return None
    parts = text.upper().strip("R").split("/")
    if len(parts) != 3:
        return None
    try:
        anchor = TimerEventDefinition.parse_time_or_duration(parts[1])
        duration = TimerEventDefinition.parse_iso_duration(parts[2])
    except Exception:  # noqa: BLE001 - an expression Spiff reads differently is left to Spiff
        return None
    if not isinstance(anchor, datetime):
        return None
    cycles = int(parts[0]) if parts[0] else -1
    # keep the anchor's own offset (08:00 +07:00 stays 08:00 WIB across months)
    original = datetime.fromisoformat(text.split("/")[1]) if "T" in text.split("/")[1] else anchor
    return cycles, original if original.tzinfo else anchor, duration


def occurrence(anchor: datetime, duration: dict, k: int) -> datetime:
    """The k-th occurrence: calendar months/years added for month/year cycles, else k fixed steps."""
    months = int(duration.get("years", 0)) * 12 + int(duration.get("months", 0))
    rest = {key: value for key, value in duration.items() if key not in ("years", "months")}
    moved = anchor
    if months:
        index = anchor.year * 12 + anchor.month - 1 + months * k
        year, month = divmod(index, 12)
        day = min(anchor.day, month_calendar.monthrange(year, month + 1)[1])
        moved = anchor.replace(year=year, month=month + 1, day=day)
    if rest:
        moved = moved + k * timedelta(**{key: value for key, value in rest.items()})
    return moved


def first_after(anchor: datetime, duration: dict, after: datetime) -> tuple[int, datetime]:
    """The first occurrence strictly after ``after`` and its index."""
    low, high = 0, 1
    while occurrence(anchor, duration, high) <= after:
        low, high = high, high * 2
        if high > 1_000_000:
            break
    while low < high:  # smallest k with occurrence(k) > after
        middle = (low + high) // 2
        if occurrence(anchor, duration, middle) > after:
            high = middle
        else:
            low = middle + 1
    return low, occurrence(anchor, duration, low)


def align_cycle_starts(workflow, before: dict[str, tuple] | None = None) -> dict[str, tuple]:
    """Apply the policy above. Call it once before SpiffWorkflow runs (it seeds new cycle starts and returns
    their state) and once after with that state (it moves each fired cycle to its calendar occurrence)."""
    now = spiff_timer.datetime.now(UTC)
    seen: dict[str, tuple] = {}
    on_demand = bool(workflow.data.get(ON_DEMAND_KEY))
    for task in _cycle_starts(workflow):
        parsed = parse_cycle(task.task_spec.event_definition.expression)
        if parsed is None:
            continue
        cycles, anchor, duration = parsed
        guid = str(task.id)
        value = task.internal_data.get("event_value")
        if value is None and before is None:
            if on_demand:  # one run, at once
                value = {"cycles": 1, "next": (now - timedelta(seconds=1)).isoformat(), "duration": 0.0}
            else:
                _, upcoming = first_after(anchor, duration, now)
                value = {"cycles": cycles, "next": upcoming.isoformat(),
                         "duration": (occurrence(anchor, duration, 1) - anchor).total_seconds()}
            task.internal_data["event_value"] = value
        if not isinstance(value, dict):
            continue
        if before is not None and guid in before and not on_demand:
            previous_next, previous_cycles = before[guid]
            fired = previous_cycles - value["cycles"] if previous_cycles != 0 else 0
            if fired > 0:
                just_before = datetime.fromisoformat(previous_next) - timedelta(microseconds=1)
                index, _ = first_after(anchor, duration, just_before)
                value["next"] = occurrence(anchor, duration, index + fired).isoformat()
        seen[guid] = (value["next"], value["cycles"])
    return seen
