"""Fixtures for timer tests: a tiny process whose step carries a one-hour boundary timer, and helpers
that start many instances of it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, insert, select

from engine import deploy, runtime, users
from engine.actors import SYSTEM_INIT
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from tests import bpmn_factory as bf
from tests.conftest import PROCESSES

#: The tiny process: step ``tugas`` with a non-interrupting boundary timer ``batas`` one hour after it is ready.
TIMER_PROCESS = bf.timer_process('"PT1H"')
TINY_FORMS = {"tiny.schema.json": json.dumps(bf.TINY_FORM)}


def deploy_timer_process(session, ctx) -> None:
    """Roles and the tiny timer process."""
    users.load_roles(session, ctx, PROCESSES / "roles.json")
    deploy.deploy_process(session, ctx, TIMER_PROCESS, TINY_FORMS, actor=SYSTEM_INIT)


def start_timer_instances(session, ctx, count: int) -> list[int]:
    """Start ``count`` instances of the tiny process (each waits on one timer due an hour later)."""
    return [runtime.start_instance(session, ctx, "tiny", {}, actor=SYSTEM_INIT).id for _ in range(count)]


def count_events(session, event_type: str) -> int:
    """How many audit events of ``event_type`` exist."""
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.type == event_type))


def timer_states(session) -> dict[str, int]:
    """Timer rows per state."""
    return dict(session.execute(select(Timer.state, func.count()).group_by(Timer.state)).all())


@pytest.fixture
def timer_process(session, ctx):
    """The test database with roles and the tiny timer process deployed."""
    deploy_timer_process(session, ctx)
    return session


def clone_instances(session, template_id: int, due_at: list, *, ready_task: bool = True) -> list[int]:
    """Bulk-copy a started instance (state, timer row, ready step row) once per entry of ``due_at``.

    Seeds many realistic instances fast: the copies hold the template's SpiffWorkflow state, so a copy
    whose timer row is due fires exactly like the template would; ``due_at[i]`` is the i-th copy's row.
    """
    template = session.get(ProcessInstance, template_id)
    timer = session.scalars(select(Timer).where(Timer.instance_id == template_id)).one()
    tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == template_id,
                                                    HumanTask.state == "ready")).all() if ready_task else []
    columns = {c.key: getattr(template, c.key) for c in ProcessInstance.__table__.columns
               if c.key not in ("id", "tracking_code")}
    ids = list(session.scalars(insert(ProcessInstance).returning(ProcessInstance.id, sort_by_parameter_order=True),
                               [columns for _ in due_at]))
    timer_columns = {c.key: getattr(timer, c.key) for c in Timer.__table__.columns if c.key != "id"}
    session.execute(insert(Timer), [{**timer_columns, "instance_id": iid, "due_at": due}
                                    for iid, due in zip(ids, due_at, strict=True)])
    for task in tasks:
        task_columns = {c.key: getattr(task, c.key) for c in HumanTask.__table__.columns if c.key != "id"}
        session.execute(insert(HumanTask), [{**task_columns, "instance_id": iid} for iid in ids])
    session.commit()
    return ids
