"""The recap's per-complaint facts, kept by the runtime: ``complaint_summary``, ``complaint_state``, ``step_time``.

:func:`record_complaint_facts` runs at the end of every save of a complaint instance, in the operation's
transaction: it reads the instance's step rows (a handful), updates the complaint's summary row, moves a
changed state into the history and records the office time of an official step completed by the
operation. :func:`rebuild_complaint_facts` derives the same rows from existing data (migration
``0004_complaint_facts``; benchmarks that bulk-insert rows).

The rules are those the recap always counted by (docs/reports.md), as at a moment *C*:

- *main* steps: not cancelled and not an escalation (the reporter's ``pelapor`` steps included); a cancelled
  step (e.g. the reporter's step that SP4N-LAPOR!'s closure timer interrupts) counts as open until it was
  cancelled (its ``completed_at``), and not at all afterwards;
- ``finished``: the instance completed by *C*, or no main step open at *C* and one completed by then (an
  open escalation does not keep an answered complaint open); finished at the instance's completion, else
  at the last main step's completion;
- ``reporter``: not finished, a ``pelapor`` step is open (returned to the reporter to complete);
- ``open``: everything else;
- late: an official step not completed by its deadline, the deadline passed before *C* — boundary-timer
  deadlines (``sla_due_at``) when the complaint has a step with one by *C*, else SOP standard times.

A state only changes when rows change, that is in a save: the runtime records it as it happens, and a
recap of a past period reads the state each complaint was in at the cut-off.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, literal_column, null, select, union_all, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from .audit import PendingEvents
from .calendar import OfficeCalendar
from .context import EngineContext
from .models import AuditEvent, CalendarOverride, HumanTask, ProcessInstance, Timer
from .recap_models import ComplaintState, ComplaintSummary, StepTime
from .writes import execute_together

#: Characters of the answer kept (and listed by the recap).
ANSWER_SUMMARY_CHARS = 160
REPORTER_LANE = "pelapor"


@lru_cache(maxsize=1)
def forwarding_steps() -> frozenset[str]:
    """bpmn ids of the steps that forward a complaint to another agency (``processes/lapor_status.json``)."""
    from .lapor import status_map  # lapor builds on the channels, which build on the runtime

    return frozenset(status_map().get("forwarding_steps", []))


# -- the rules, over step rows (ORM objects or result rows with the same attribute names) ---------------

def complaint_state(rows: Iterable[Any], completed_at: datetime | None,
                    cut: datetime | None = None) -> tuple[str, datetime | None]:
    """(state, finished_at) of a complaint as at ``cut`` (None: after every row) — see the module rules."""
    if completed_at is not None and (cut is None or completed_at <= cut):
        return "finished", completed_at
    open_main = reporter = False
    last_main = None
    for row in rows:
        if cut is not None and row.ready_at > cut:
            continue
        if row.state == "cancelled":  # open until it was cancelled (completed_at), then gone
            if cut is None or row.completed_at is None or row.completed_at <= cut:
                continue
            done = False
        else:
            done = row.completed_at is not None and (cut is None or row.completed_at <= cut)
        if not done and row.role == REPORTER_LANE:
            reporter = True
        if row.is_escalation:
            continue
        if not done:
            open_main = True
        elif last_main is None or row.completed_at > last_main:
            last_main = row.completed_at
    if not open_main and last_main is not None:
        return "finished", last_main
    return ("reporter" if reporter else "open"), None


def _earliest(values: Iterable[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _missed(rows: Sequence[Any], field: str) -> datetime | None:
    """The earliest deadline (``due_at`` / ``sla_due_at``) an official step was not completed by."""
    out = None
    for row in rows:
        deadline = getattr(row, field)
        if (deadline is None or row.role == REPORTER_LANE or row.state == "cancelled"
                or (row.completed_at is not None and row.completed_at <= deadline)):
            continue
        out = deadline if out is None or deadline < out else out
    return out


def deadline_facts(rows: Sequence[Any]) -> dict[str, datetime | None]:
    """The moments from which a complaint's deadline flags hold (compared with a cut-off by the recap)."""
    forwarding = forwarding_steps()
    return {
        "sla_since": _earliest(r.ready_at for r in rows if r.sla_due_at is not None),
        "sla_missed_at": _missed(rows, "sla_due_at"),
        "standard_missed_at": _missed(rows, "due_at"),
        "escalated_at": _earliest(r.ready_at for r in rows if r.is_escalation),
        "forwarded_at": _earliest(r.completed_at for r in rows
                                  if r.bpmn_id in forwarding and r.state == "completed"),
    }


def state_history(rows: Sequence[Any], completed_at: datetime | None) -> list[tuple[str, datetime, datetime | None]]:
    """Every (state, since, finished_at) of a complaint from its rows: its state at each moment a row
    changed, consecutive equal states merged (before the first moment the complaint is ``open``)."""
    moments = {r.ready_at for r in rows} | {r.completed_at for r in rows if r.completed_at is not None}
    if completed_at is not None:
        moments.add(completed_at)
    spans: list[tuple[str, datetime, datetime | None]] = []
    for moment in sorted(moments):
        state, finished = complaint_state(rows, completed_at, moment)
        if not spans or (spans[-1][0], spans[-1][2]) != (state, finished):
            spans.append((state, moment, finished))
    return spans


def office_seconds(calendar: OfficeCalendar, ready_at: datetime, completed_at: datetime) -> float:
    """A step's office time (office hours of working days), to the millisecond."""
    seconds = round(calendar.office_seconds_between(ready_at, completed_at), 3)
    return seconds if seconds > 0 else 0.0


def step_time_values(calendar: OfficeCalendar, row: Any) -> dict:
    """The ``step_time`` row of a completed official step."""
    deadline = _earliest((row.due_at, row.sla_due_at))
    return {"task_id": row.id, "instance_id": row.instance_id, "process_key": row.process_key,
            "bpmn_id": row.bpmn_id, "completed_by": row.completed_by or "?", "completed_at": row.completed_at,
            "standard_seconds": row.standard_seconds,
            "office_seconds": office_seconds(calendar, row.ready_at, row.completed_at), "deadline": deadline}


def _counts_as_step_time(row: Any) -> bool:
    return row.state == "completed" and row.role != REPORTER_LANE and row.completed_at is not None


def _summary_values(instance: Any) -> dict:
    return {"process_key": instance.process_key, "tracking_code": instance.tracking_code,
            "channel": instance.channel, "anonymity": instance.anonymity, "subject": instance.subject,
            "answer": (instance.answer or "")[:ANSWER_SUMMARY_CHARS] or None, "stage": instance.stage or "",
            "started_by": instance.started_by, "received_at": instance.received_at,
            "merged": instance.status == "merged"}


# -- the runtime hook -----------------------------------------------------------------------------------

def record_complaint_facts(session: Session, ctx: EngineContext, instance: ProcessInstance,
                           events: PendingEvents | None = None, steps: StepRows | None = None) -> None:
    """Runtime hook (end of every save, same transaction): the complaint's summary row, its state history
    and the office time of an official step just completed. Not a complaint (no tracking code): nothing.

    ``steps``: the instance's rows as the save already read them (:func:`load_step_rows`, plus the rows it
    added); read here when not given."""
    if instance.tracking_code is None:
        return
    now = ctx.clock.now()
    steps = steps or load_step_rows(session, instance.id)
    rows, summary = steps.rows, steps.summary
    step_times = _new_step_times(ctx, steps)
    state, finished_at = complaint_state(rows, instance.completed_at)
    values = {**_summary_values(instance), **deadline_facts(rows)}
    # Core statements, not ORM objects: the summary is never loaded as an object (load_step_rows reads its
    # columns), so what is written here is what the next read in the operation sees. They write other rows
    # than each other: on PostgreSQL one statement (execute_together)
    if summary is None:
        execute_together(session, (_INSERT_STEP_TIMES, step_times), (_INSERT_SUMMARY, [{
            "instance_id": instance.id, "category": _category(events), "state": state, "state_since": now,
            "finished_at": finished_at, **values}]))
        return
    changed = {key: value for key, value in values.items() if getattr(summary, key) != value}
    if summary.category is None and (category := _category(events)) is not None:
        changed["category"] = category
    history = []
    if (summary.state, summary.finished_at) != (state, finished_at):
        if summary.state_since < now:
            history.append({"instance_id": instance.id, "state": summary.state, "since": summary.state_since,
                            "until": now, "finished_at": summary.finished_at})
        changed.update(state=state, state_since=now, finished_at=finished_at)
    # only the columns that changed (as the ORM would): one compiled statement per set of columns
    execute_together(session, (_INSERT_STEP_TIMES, step_times), (_INSERT_STATE, history),
                     (_UPDATE_SUMMARY, [{"summary_id": instance.id, **changed}] if changed else []))


_SUMMARY = ComplaintSummary.__table__
_INSERT_SUMMARY = insert(_SUMMARY)
_UPDATE_SUMMARY = update(_SUMMARY).where(_SUMMARY.c.instance_id == bindparam("summary_id"))
_INSERT_STATE = insert(ComplaintState.__table__)
_INSERT_STEP_TIMES = insert(StepTime.__table__)
#: The summary's columns as read beside the step rows (a plain row, not an ORM object).
_SUMMARY_COLUMNS = tuple(c for c in _SUMMARY.c if c.key != "instance_id")


@dataclass(slots=True)
class StepRow:
    """A step row as the save and the recap's facts use it: the columns they read, as a plain object (the
    save sets a cancelled step's new state on it)."""

    id: int
    instance_id: int
    task_guid: str
    process_key: str
    bpmn_id: str
    role: str
    state: str
    ready_at: datetime
    completed_at: datetime | None
    completed_by: str | None
    due_at: datetime | None
    sla_due_at: datetime | None
    standard_seconds: float | None
    is_escalation: bool


@dataclass(slots=True)
class WaitingTimer:
    """A waiting ``timer`` row as the save compares it with the workflow (read with the step rows)."""

    id: int
    task_guid: str
    bpmn_id: str
    due_at: datetime
    fired_at: datetime | None


#: Built once (a statement is costly to build on every save): an instance's step rows (StepRow's columns,
#: in its order, labelled apart from the summary's columns of the same name), whether each has its step
#: time, and its summary …
_STEP_COLUMNS = tuple(HumanTask.__table__.c[name].label(f"step_{name}") for name in StepRow.__slots__)
_STEP_WIDTH = len(_STEP_COLUMNS)
_ROWS_AND_SUMMARY = (select(literal_column("0").label("is_timer"), *_STEP_COLUMNS, StepTime.task_id.label("timed"),
                            _SUMMARY.c.instance_id.label("summary_id"), *_SUMMARY_COLUMNS)
                     .outerjoin(StepTime, StepTime.task_id == HumanTask.id)
                     .outerjoin(_SUMMARY, _SUMMARY.c.instance_id == HumanTask.instance_id)
                     .where(HumanTask.instance_id == bindparam("instance_id")))
#: … and, for the save, its waiting timers in the same round trip: a UNION ALL whose timer rows fill the
#: step columns they share (WaitingTimer's, fired_at in completed_at), the others NULL, is_timer 1.
_TIMER = Timer.__table__
_AS_STEP = {"id": _TIMER.c.id, "task_guid": _TIMER.c.task_guid, "bpmn_id": _TIMER.c.bpmn_id,
            "due_at": _TIMER.c.due_at, "completed_at": _TIMER.c.fired_at}
_ROWS_SUMMARY_AND_TIMERS = union_all(
    _ROWS_AND_SUMMARY,
    select(literal_column("1"), *(_AS_STEP.get(name, null()) for name in StepRow.__slots__), null(), null(),
           *(null() for _ in _SUMMARY_COLUMNS))
    .where(_TIMER.c.instance_id == bindparam("instance_id"), _TIMER.c.state == "waiting"))
_STEP_INDEX = {name: index for index, name in enumerate(StepRow.__slots__, start=1)}
_TIMER_INDEXES = tuple(_STEP_INDEX[name] for name in ("id", "task_guid", "bpmn_id", "due_at", "completed_at"))


@dataclass
class StepRows:
    """An instance's step rows with which of them have a ``step_time`` row, and its summary's columns (a
    row read with them, if any); when the save read them, its waiting timers by task guid."""

    instance_id: int
    rows: list[Any]  # StepRow, or the session's HumanTask object
    timed: set[int] = field(default_factory=set)
    summary: Any = None
    timers: dict[str, WaitingTimer] = field(default_factory=dict)

    def add(self, row: HumanTask) -> None:
        """A row the operation added (not read from the database)."""
        self.rows.append(row)


def load_step_rows(session: Session, instance_id: int, *, waiting_timers: bool = False) -> StepRows:
    """Every step row of the instance, which have their step time, and its summary — with
    ``waiting_timers`` its waiting timers too: one query of plain rows (loading them as ORM objects cost
    more than the query). A step row the session holds as an object with changes not yet written is that
    object (what the operation changed in memory; the operation flushes at its end), every other row a
    :class:`StepRow` as read."""
    with session.no_autoflush:
        found = session.execute(_ROWS_SUMMARY_AND_TIMERS if waiting_timers else _ROWS_AND_SUMMARY,
                                {"instance_id": instance_id}).all()
    steps = StepRows(instance_id, [])
    for found_row in found:
        if found_row.is_timer:
            timer = WaitingTimer(*(found_row[index] for index in _TIMER_INDEXES))
            steps.timers[timer.task_guid] = timer
            continue
        row = session.identity_map.get(identity_key(HumanTask, found_row[1]))
        steps.rows.append(row if row is not None and sa_inspect(row).modified
                          else StepRow(*found_row[1:_STEP_WIDTH + 1]))
        if found_row.timed is not None:
            steps.timed.add(found_row.timed)
        if steps.summary is None and found_row.summary_id is not None:
            steps.summary = found_row
    return steps


def _new_step_times(ctx: EngineContext, steps: StepRows) -> list[dict]:
    """The ``step_time`` rows of the completed official steps without one yet (marked as timed in ``steps``;
    a Core insert: the row is written once and never read back by the operation)."""
    new_times = [step_time_values(ctx.calendar, row) for row in steps.rows
                 if _counts_as_step_time(row) and row.id is not None and row.id not in steps.timed]
    steps.timed.update(values["task_id"] for values in new_times)
    return new_times


def _category(events: PendingEvents | None) -> str | None:
    """The category a step's form input names in this operation (the intake's), if any."""
    for item in events.items if events is not None else ():
        if item["type"] == "TASK_COMPLETED":
            value = ((item.get("payload") or {}).get("input") or {}).get("category")
            if value is not None:
                return str(value)
    return None


# -- rebuilding from existing rows ---------------------------------------------------------------------

#: Complaints read and written per batch by :func:`rebuild_complaint_facts`.
REBUILD_BATCH = 2000


def configured_calendar(connection: Connection) -> OfficeCalendar:
    """The office calendar as the application configures it (``ALUR_TIMEZONE``, ``ALUR_OFFICE_START``,
    ``ALUR_OFFICE_END``, defaults as the app's) with the administrator's overrides from the database."""
    default = OfficeCalendar()
    overrides = dict(connection.execute(select(CalendarOverride.day, CalendarOverride.is_working_day)).all())
    return OfficeCalendar(
        timezone=os.environ.get("ALUR_TIMEZONE", default.timezone),
        office_start=time.fromisoformat(os.environ.get("ALUR_OFFICE_START", default.office_start.isoformat())),
        office_end=time.fromisoformat(os.environ.get("ALUR_OFFICE_END", default.office_end.isoformat())),
        overrides=overrides)


_TASK_COLUMNS = (HumanTask.id, HumanTask.instance_id, HumanTask.process_key, HumanTask.bpmn_id, HumanTask.role,
                 HumanTask.state, HumanTask.ready_at, HumanTask.completed_at, HumanTask.completed_by,
                 HumanTask.due_at, HumanTask.sla_due_at, HumanTask.standard_seconds, HumanTask.is_escalation)
_INSTANCE_COLUMNS = (ProcessInstance.id, ProcessInstance.process_key, ProcessInstance.tracking_code,
                     ProcessInstance.channel, ProcessInstance.anonymity, ProcessInstance.subject,
                     ProcessInstance.answer, ProcessInstance.stage, ProcessInstance.started_by,
                     ProcessInstance.received_at, ProcessInstance.status, ProcessInstance.completed_at,
                     ProcessInstance.started_at)


def rebuild_complaint_facts(connection: Connection, calendar: OfficeCalendar | None = None) -> int:
    """Replace every complaint's summary, state history and step times by those derived from its rows
    (the rules above, over the rows as they are now); return the number of complaints.

    Used by migration ``0004_complaint_facts`` (an upgraded database gets the facts of its existing
    complaints) and by benchmarks that bulk-insert rows. Works on the Core tables, in the caller's
    transaction, a batch of complaints at a time.
    """
    calendar = calendar or configured_calendar(connection)
    for table in (StepTime, ComplaintState, ComplaintSummary):
        connection.execute(delete(table))
    count, last_id = 0, 0
    while True:
        instances = connection.execute(
            select(*_INSTANCE_COLUMNS).where(ProcessInstance.tracking_code.is_not(None), ProcessInstance.id > last_id)
            .order_by(ProcessInstance.id).limit(REBUILD_BATCH)).all()
        if not instances:
            return count
        first, last_id = instances[0].id, instances[-1].id
        _rebuild_batch(connection, calendar, instances, first, last_id)
        count += len(instances)


def _rebuild_batch(connection: Connection, calendar: OfficeCalendar, instances: Sequence[Any], first: int,
                   last: int) -> None:
    rows_of: dict[int, list] = {}
    for row in connection.execute(select(*_TASK_COLUMNS).where(HumanTask.instance_id.between(first, last))):
        rows_of.setdefault(row.instance_id, []).append(row)
    categories = _categories(connection, first, last)
    summaries, states, steps = [], [], []
    for instance in instances:
        rows = rows_of.get(instance.id, [])
        spans = state_history(rows, instance.completed_at)
        for (state, since, finished), following in zip(spans, spans[1:], strict=False):
            states.append({"instance_id": instance.id, "state": state, "since": since, "until": following[1],
                           "finished_at": finished})
        state, since, finished = spans[-1] if spans else ("open", instance.started_at, None)
        summaries.append({"instance_id": instance.id, **_summary_values(instance), **deadline_facts(rows),
                          "category": categories.get(instance.id), "state": state, "state_since": since,
                          "finished_at": finished})
        steps += [step_time_values(calendar, row) for row in rows if _counts_as_step_time(row)]
    for table, values in ((ComplaintSummary, summaries), (ComplaintState, states), (StepTime, steps)):
        if values:
            connection.execute(insert(table), values)


def _categories(connection: Connection, first: int, last: int) -> dict[int, str]:
    """Instance id → the first category a completed step's input named."""
    category = AuditEvent.payload["input"]["category"].as_string()
    out: dict[int, str] = {}
    for instance_id, value in connection.execute(
            select(AuditEvent.instance_id, category)
            .where(AuditEvent.instance_id.between(first, last), AuditEvent.type == "TASK_COMPLETED",
                   category.is_not(None))
            .order_by(AuditEvent.seq)):
        out.setdefault(instance_id, value)
    return out
