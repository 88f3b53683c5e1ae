"""Read side for officials: the inbox (one indexed query over ``human_task``), timer states, task views.

Nothing here loads a workflow: step timers are computed from the row's ``ready_at`` and the office
calendar, the deadlines from the row's ``due_at``/``warn_at``/``sla_due_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, union_all
from sqlalchemy.orm import Session

from .actors import ON_BEHALF_OF_REPORTER, Actor
from .context import EngineContext
from .errors import NotYourRole
from .models import HumanTask, ProcessInstance
from .runtime import get_task_row, load_workflow
from .visibility import visible_data

TIMER_STATES = ("on_time", "warning", "overdue")


def timer_state(row: HumanTask, now: datetime) -> str:
    """``overdue`` past the standard time or the SLA deadline, ``warning`` from 75 %, else ``on_time``."""
    if (row.due_at and now >= row.due_at) or (row.sla_due_at and now >= row.sla_due_at):
        return "overdue"
    if row.warn_at and now >= row.warn_at:
        return "warning"
    return "on_time"


@dataclass
class InboxEntry:
    """A ready step with its live timer figures."""

    task: HumanTask
    elapsed_seconds: float
    timer_state: str

    def as_dict(self) -> dict:
        """The API's task-list item."""
        row = self.task
        return {
            "id": row.id, "instance_id": row.instance_id, "process": row.process_key, "bpmn_id": row.bpmn_id,
            "name": row.name, "role": row.role, "ready_at": _iso(row.ready_at),
            "standard_seconds": row.standard_seconds, "elapsed_seconds": round(self.elapsed_seconds, 1),
            "due_at": _iso(row.due_at), "sla_due_at": _iso(row.sla_due_at), "timer_state": self.timer_state,
            "claimed_by": row.claimed_by, "form": row.form_name, "tracking_code": row.tracking_code,
            "subject": row.subject, "channel": row.channel, "is_escalation": row.is_escalation,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def visible_roles(actor: Actor) -> set[str]:
    """Lanes whose steps the actor sees: its roles, plus ``pelapor`` for a petugas (acting for reporters)."""
    roles = set(actor.roles)
    if ON_BEHALF_OF_REPORTER in roles:
        roles.add("pelapor")
    return roles


def _filtered(query, now: datetime, *, process: str | None, role: str | None, state: str | None,
              held_by: str | None):
    if process:
        query = query.where(HumanTask.process_key == process)
    if role:
        query = query.where(HumanTask.role == role)
    if held_by:
        query = query.where(HumanTask.claimed_by == held_by)
    overdue = (HumanTask.urgent_at <= now)
    warning = (HumanTask.warn_at <= now) & ~overdue
    if state == "overdue":
        query = query.where(overdue)
    elif state == "warning":
        query = query.where(warning)
    elif state == "on_time":
        query = query.where(~overdue & ((HumanTask.warn_at.is_(None)) | (HumanTask.warn_at > now)))
    return query


def ready_tasks(session: Session, ctx: EngineContext, actor: Actor, *, process: str | None = None,
                role: str | None = None, state: str | None = None, held_by: str | None = None,
                limit: int = 200, offset: int = 0) -> list[InboxEntry]:
    """The actor's ready steps, most urgent first (earliest deadline, then oldest); one page of them.

    One query that walks ``ix_human_task_inbox`` (or ``ix_human_task_held``) in deadline order and stops
    after the page: with several roles, each role's most urgent ``offset + limit`` rows are merged (an
    ``IN`` over roles would sort every waiting row of those roles first).
    """
    now = ctx.clock.now()
    roles = sorted({role} if role else visible_roles(actor))
    if role and role not in visible_roles(actor):
        return []
    order = (HumanTask.urgent_at, HumanTask.ready_at, HumanTask.id)
    if len(roles) == 1:
        query = _filtered(select(HumanTask).where(HumanTask.state == "ready", HumanTask.role == roles[0]), now,
                          process=process, role=None, state=state, held_by=held_by)
        query = query.order_by(*order).limit(limit).offset(offset)
    else:
        parts = [_filtered(select(HumanTask.id, HumanTask.urgent_at, HumanTask.ready_at)
                           .where(HumanTask.state == "ready", HumanTask.role == each), now,
                           process=process, role=None, state=state, held_by=held_by)
                 .order_by(*order).limit(offset + limit).subquery() for each in roles]
        merged = union_all(*(select(part) for part in parts)).subquery()
        query = (select(HumanTask).join(merged, merged.c.id == HumanTask.id)
                 .order_by(merged.c.urgent_at, merged.c.ready_at, merged.c.id).limit(limit).offset(offset))
    rows = session.scalars(query).all()
    return [InboxEntry(row, ctx.calendar.office_seconds_between(row.ready_at, now), timer_state(row, now))
            for row in rows]


def _bounded_count(session: Session, query, cap: int) -> int:
    """``count(*)`` of ``query``'s rows, reading at most ``cap + 1`` of them (an index range stops early)."""
    return session.scalar(select(func.count()).select_from(query.limit(cap + 1).subquery())) or 0


def inbox_counts(session: Session, ctx: EngineContext, actor: Actor, *, cap: int | None = None) -> dict:
    """Counts of the actor's ready steps: total, per timer state, per role, per process, held by the actor.

    With ``cap``, the page stays as cheap at 100,000 waiting steps as at 100: counting reads at most
    ``cap + 1`` index entries per role. Up to the cap every count is exact; beyond it (``capped``) the total,
    the role counts and the overdue count read ``cap + 1`` ("more than cap"), the warning, on-time and
    per-process counts are None (unknown), and "held by me" stays exact (its own index).
    """
    now = ctx.clock.now()
    roles = sorted(visible_roles(actor))
    waiting = select(HumanTask.id).where(HumanTask.state == "ready")
    if cap is not None:
        per_role = {role: _bounded_count(session, waiting.where(HumanTask.role == role), cap) for role in roles}
        if sum(per_role.values()) > cap:
            mine = session.scalar(select(func.count()).select_from(HumanTask).where(
                HumanTask.claimed_by == actor.name, HumanTask.state == "ready", HumanTask.role.in_(roles)))
            overdue = _bounded_count(session, waiting.where(HumanTask.role.in_(roles), HumanTask.urgent_at <= now),
                                     cap)
            return {"total": cap + 1, "held_by_me": mine or 0, "cap": cap, "capped": True,
                    "timer_state": {"on_time": None, "warning": None, "overdue": overdue},
                    "role": {role: n for role, n in per_role.items() if n}, "process": None}
    state = case((HumanTask.urgent_at <= now, "overdue"), (HumanTask.warn_at <= now, "warning"), else_="on_time")
    rows = session.execute(
        select(HumanTask.role, HumanTask.process_key, state.label("timer_state"),
               func.count().label("n"), func.sum(case((HumanTask.claimed_by == actor.name, 1), else_=0)))
        .where(HumanTask.state == "ready", HumanTask.role.in_(roles))
        .group_by(HumanTask.role, HumanTask.process_key, state)
    ).all()
    counts: dict = {"total": 0, "held_by_me": 0, "timer_state": dict.fromkeys(TIMER_STATES, 0), "role": {},
                    "process": {}, "cap": cap, "capped": False}
    for role, process, timer, n, mine in rows:
        counts["total"] += n
        counts["held_by_me"] += int(mine or 0)
        counts["timer_state"][timer] += n
        counts["role"][role] = counts["role"].get(role, 0) + n
        counts["process"][process] = counts["process"].get(process, 0) + n
    return counts


def completed_by(session: Session, actor: Actor, limit: int = 50) -> list[HumanTask]:
    """Steps the actor completed, newest first."""
    return list(session.scalars(select(HumanTask).where(HumanTask.completed_by == actor.name)
                                .order_by(HumanTask.completed_at.desc()).limit(limit)))


@dataclass
class TaskView:
    """Everything the task page and ``GET /api/v1/tasks/{id}`` show."""

    task: HumanTask
    instance: ProcessInstance
    documentation: str
    output: str
    inputs: str
    sop_step: str
    form_schema: dict | None
    data: dict
    elapsed_seconds: float
    timer_state: str
    history: list[HumanTask]


def task_view(session: Session, ctx: EngineContext, task_id: int, actor: Actor) -> TaskView:
    """A step with its SOP instruction, form and the complaint data the actor may see."""
    row = get_task_row(session, task_id)
    if row.role not in visible_roles(actor):
        raise NotYourRole(role=row.role)
    instance = session.get(ProcessInstance, row.instance_id)
    info = (instance.version.summary or {}).get("user_tasks", {}).get(row.bpmn_id, {})
    data = _instance_data(instance, ctx, row)
    now = ctx.clock.now()
    history = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                                   .order_by(HumanTask.id)))
    return TaskView(
        task=row, instance=instance, documentation=info.get("documentation", ""), output=info.get("output", ""),
        inputs=info.get("inputs", ""), sop_step=info.get("sop_step", ""),
        form_schema=instance.version.forms.get(row.form_name) if row.form_name else None,
        data=visible_data(instance, data, actor), elapsed_seconds=ctx.calendar.office_seconds_between(
            row.ready_at, row.completed_at or now), timer_state=timer_state(row, now), history=history)


def _instance_data(instance: ProcessInstance, ctx: EngineContext, row: HumanTask) -> dict:
    """The task's current data (for a ready step) or the workflow data (otherwise)."""
    from uuid import UUID

    workflow = load_workflow(instance, ctx)
    try:
        task = workflow.get_task_from_id(UUID(row.task_guid))
        return dict(task.data)
    except Exception:  # noqa: BLE001 - the step is no longer in the tree (completed long ago)
        return dict(workflow.data)


def instances_of(session: Session, ids: Iterable[int]) -> dict[int, ProcessInstance]:
    """Instances by id (one query)."""
    ids = list(ids)
    if not ids:
        return {}
    return {i.id: i for i in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids)))}
