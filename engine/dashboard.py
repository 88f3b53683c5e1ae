"""The leaders' dashboard (kabid, kepala dinas, kasi, auditor): today's complaints, overdue steps now,
deadline compliance this month and a weekly trend.

Read side only and cheap: a handful of aggregate queries over ``process_instance``, ``human_task`` and the
recap's per-complaint facts (``complaint_summary``, ``step_time``); no workflow is loaded. Days, weeks and
months are those of the office calendar's time zone; how late a step is counts office working time
(``OfficeCalendar.office_seconds_between``).

Definitions (shared with the recap where they overlap):

- a *complaint* is an instance with a tracking code;
- *received* on a day: its ``received_at`` (the time the office received it, not the time it was typed in)
  falls on that local day, merged duplicates included as in the recap (each arrived and is counted once,
  with the status ``merged``), so this month's figure equals the recap's; *answered*: the instance
  completed (``completed_at``) on that day (a merged duplicate is not answered);
- *open*: still running;
- an *overdue step*: a ready step of an office role (not the reporter's ``pelapor`` lane) whose standard
  time or SLA deadline has passed (``urgent_at <= now``, as the inbox marks it);
- *deadline compliance* of a month, per complaint: the recap's figures for the complaints received this
  month (``engine.recap.recap_totals``: on time, late — a step passed its SLA deadline, or its SOP
  standard time when the process has no SLA timer — and not yet due), so the dashboard and this month's
  recap agree;
- and per step: the office steps completed in that month that had a deadline, split into on time
  (completed at or before the earlier of standard time and SLA deadline) and late (``step_time``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from .context import EngineContext
from .models import HumanTask, ProcessInstance
from .recap import recap_totals
from .recap_models import StepTime
from .runtime import NO_DEADLINE

#: Lane of the reporter: their steps are not the office's to be late on.
REPORTER_LANE = "pelapor"
TREND_WEEKS = 12
OVERDUE_LIST_LIMIT = 20


@dataclass(frozen=True)
class OverdueStep:
    """A ready step past its deadline, with how long it has been overdue in office time."""

    task_id: int
    instance_id: int
    process_key: str
    tracking_code: str | None
    name: str
    role: str
    claimed_by: str | None
    ready_at: datetime
    deadline: datetime
    is_sla: bool  # the SLA (boundary timer) deadline is the one passed first, not just the SOP standard
    overdue_seconds: float  # office time since the deadline


@dataclass(frozen=True)
class WeekPoint:
    """Complaints received and answered in one week (Monday to Sunday, local)."""

    week_start: date
    received: int
    answered: int


@dataclass(frozen=True)
class Compliance:
    """Office steps completed in a period with a deadline: on time vs late."""

    on_time: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        """Steps counted."""
        return self.on_time + self.late

    @property
    def ratio(self) -> float | None:
        """Share on time (0..1); None when no step was counted."""
        return self.on_time / self.total if self.total else None


@dataclass
class Dashboard:
    """Everything the dashboard page shows, for one process (or all complaint processes)."""

    now: datetime
    today: date
    month_start: date
    process: str | None
    received_today: int
    answered_today: int
    open_complaints: int
    received_month: int
    answered_month: int
    ready_steps: int
    overdue_total: int
    overdue_by_role: dict[str, int]
    overdue_steps: list[OverdueStep]
    compliance_month: Compliance
    compliance_by_process: dict[str, Compliance]
    complaints_month: dict  # recap totals of this month's complaints: on_time, late, pending, sla_rate
    trend: list[WeekPoint] = field(default_factory=list)


def _local_midnight(ctx: EngineContext, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ctx.calendar.tz)


def _count_between(column, start: datetime, end: datetime, *extra):
    return func.sum(case((and_(column >= start, column < end, *extra), 1), else_=0))


def _week_starts(today: date, weeks: int) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _complaints(process: str | None):
    query = (ProcessInstance.tracking_code.is_not(None),)
    return (*query, ProcessInstance.process_key == process) if process else query


def _complaint_counts(
    session: Session,
    ctx: EngineContext,
    process: str | None,
    today: date,
    month_start: date,
    weeks: list[date],
) -> dict:
    """Received/answered today, this month and per week, in one query; open complaints in another."""
    day = _local_midnight(ctx, today)
    tomorrow = _local_midnight(ctx, today + timedelta(days=1))
    month = _local_midnight(ctx, month_start)
    bounds = [_local_midnight(ctx, w) for w in weeks] + [_local_midnight(ctx, weeks[-1] + timedelta(weeks=1))]
    earliest = min(bounds[0], month)
    received, completed = ProcessInstance.received_at, ProcessInstance.completed_at
    answered = ProcessInstance.status == "completed"
    columns = [
        _count_between(received, day, tomorrow),
        _count_between(completed, day, tomorrow, answered),
        _count_between(received, month, tomorrow),
        _count_between(completed, month, tomorrow, answered),
    ]
    for start, end in zip(bounds, bounds[1:], strict=False):
        columns += [_count_between(received, start, end), _count_between(completed, start, end, answered)]
    row = session.execute(
        select(*columns).where(*_complaints(process), (received >= earliest) | (completed >= earliest))
    ).one()
    values = [int(v or 0) for v in row]
    open_count = session.scalar(
        select(func.count())
        .select_from(ProcessInstance)
        .where(*_complaints(process), ProcessInstance.status == "running")
    )
    trend = [WeekPoint(w, values[4 + 2 * i], values[5 + 2 * i]) for i, w in enumerate(weeks)]
    return {
        "received_today": values[0],
        "answered_today": values[1],
        "received_month": values[2],
        "answered_month": values[3],
        "open_complaints": int(open_count or 0),
        "trend": trend,
    }


def _office_steps(process: str | None):
    query = (HumanTask.role != REPORTER_LANE,)
    return (*query, HumanTask.process_key == process) if process else query


def _overdue(session: Session, ctx: EngineContext, process: str | None, now: datetime) -> dict:
    """Ready and overdue office steps now: totals per role and the most overdue ones."""
    ready = (HumanTask.state == "ready", *_office_steps(process))
    overdue = HumanTask.urgent_at <= now
    per_role = session.execute(
        select(HumanTask.role, func.count(), func.sum(case((overdue, 1), else_=0)))
        .where(*ready)
        .group_by(HumanTask.role)
    ).all()
    rows = session.scalars(
        select(HumanTask)
        .where(*ready, overdue)
        .order_by(HumanTask.urgent_at, HumanTask.id)
        .limit(OVERDUE_LIST_LIMIT)
    ).all()
    steps = []
    for row in rows:
        deadline = row.urgent_at
        steps.append(
            OverdueStep(
                task_id=row.id,
                instance_id=row.instance_id,
                process_key=row.process_key,
                tracking_code=row.tracking_code,
                name=row.name,
                role=row.role,
                claimed_by=row.claimed_by,
                ready_at=row.ready_at,
                deadline=deadline,
                is_sla=row.sla_due_at is not None and row.sla_due_at <= (row.due_at or NO_DEADLINE),
                overdue_seconds=ctx.calendar.office_seconds_between(deadline, now),
            )
        )
    return {
        "ready_steps": sum(int(n) for _, n, _ in per_role),
        "overdue_total": sum(int(late or 0) for _, _, late in per_role),
        "overdue_by_role": {role: int(late) for role, _, late in per_role if late},
        "overdue_steps": steps,
    }


def step_compliance(
    session: Session, start: datetime, end: datetime, process: str | None = None
) -> dict[str, Compliance]:
    """Office steps completed in [start, end) that had a deadline, on time vs late, per process."""
    on_time = StepTime.completed_at <= StepTime.deadline
    where = (StepTime.process_key == process,) if process else ()
    rows = session.execute(
        select(
            StepTime.process_key,
            func.sum(case((on_time, 1), else_=0)),
            func.sum(case((on_time, 0), else_=1)),
        )
        .where(StepTime.completed_at >= start, StepTime.completed_at < end, StepTime.deadline.is_not(None), *where)
        .group_by(StepTime.process_key)
    ).all()
    return {key: Compliance(int(good or 0), int(late or 0)) for key, good, late in rows}


def dashboard(
    session: Session, ctx: EngineContext, *, process: str | None = None, weeks: int = TREND_WEEKS
) -> Dashboard:
    """The dashboard figures at the context clock's now (``process`` None: every process)."""
    now = ctx.clock.now()
    today = ctx.calendar.local_date(now)
    month_start = today.replace(day=1)
    counts = _complaint_counts(session, ctx, process, today, month_start, _week_starts(today, weeks))
    by_process = step_compliance(
        session, _local_midnight(ctx, month_start), _local_midnight(ctx, today + timedelta(days=1)), process
    )
    total = Compliance(sum(c.on_time for c in by_process.values()), sum(c.late for c in by_process.values()))
    recap = recap_totals(
        session, ctx, process_keys=[process] if process else None, period_start=month_start, period_end=today
    )
    complaints_month = {key: recap[key] for key in ("received", "on_time", "late", "pending", "sla_rate")}
    return Dashboard(
        complaints_month=complaints_month,
        now=now,
        today=today,
        month_start=month_start,
        process=process,
        compliance_month=total,
        compliance_by_process=by_process,
        **counts,
        **_overdue(session, ctx, process, now),
    )
