"""Re-execution proof: re-run an instance's recorded inputs and timer firings and compare with its log.

The instance's audit events are read in order. Each *cause* — the start (``INSTANCE_STARTED``), a step
completion (``TASK_COMPLETED`` with ``payload.input``) or a timer sweep (a ``TIMER_FIRED`` that opens an
operation) — is applied to a fresh SpiffWorkflow of the pinned version (``process_version.spec_json``)
with a :class:`FixedClock` set to the event's ``at``; the workflow is saved and restored between
operations as the runtime does. An ``INSTANCE_MIGRATED`` moves the replayed workflow to the version the
event names with the runtime's own migration code (``engine.migration.move_workflow``), and the replay
goes on there; an ``INSTANCE_MIGRATION_REVERTED`` puts back the workflow as it was before. What the
replay then observes (steps that became ready or were cancelled, timers that fired or were rescheduled,
the data after each completion, the end of the instance) must match what the log recorded, event by
event; the first mismatch is the divergence. Replay writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import spiff
from .audit import _plain
from .clock import FixedClock, using_clock
from .context import EngineContext
from .errors import AlurError, NotFound, VersionMissing
from .messages import render
from .migration import move_workflow
from .models import AuditEvent, ProcessInstance, ProcessVersion
from .runtime import _public_data, _run_engine, _timer_due, _waiting_timers, script_engine_for

#: Event types whose order and content replay checks; others (claims, escalation notes) are informative.
COMPARED = frozenset({"INSTANCE_STARTED", "TASK_ACTIVATED", "TASK_COMPLETED", "TASK_CANCELLED",
                      "TIMER_FIRED", "TIMER_RESCHEDULED", "ESCALATION_RAISED", "INSTANCE_COMPLETED",
                      "INSTANCE_MIGRATED", "INSTANCE_MIGRATION_REVERTED"})


@dataclass
class Observed:
    """One event as the replay produced it."""

    type: str
    bpmn_id: str | None = None
    guid: str | None = None
    data_after: Any = None
    due_at: datetime | None = None

    def describe(self) -> dict:
        """JSON-ready summary for a divergence report."""
        out: dict[str, Any] = {"type": self.type, "bpmn_id": self.bpmn_id}
        if self.data_after is not None:
            out["data_after"] = self.data_after
        if self.due_at is not None:
            out["due_at"] = self.due_at.isoformat()
        return out


@dataclass
class ReplayResult:
    """Outcome of :func:`replay_instance`: ``reproduced`` or the first ``divergence``."""

    instance_id: int
    reproduced: bool
    events_checked: int
    divergence: dict | None = None

    def as_dict(self, lang: str = "id") -> dict:
        """The API's body; the divergence's ``reason`` in ``lang`` beside its stable ``code``."""
        return {"instance_id": self.instance_id, "reproduced": self.reproduced,
                "events_checked": self.events_checked, "divergence": localized(self.divergence, lang)}


@dataclass
class _Run:
    """The replayed workflow and the bookkeeping the runtime keeps in task and timer rows."""

    workflow: BpmnWorkflow
    version: ProcessVersion
    ready: dict[str, str] = field(default_factory=dict)  # replay guid -> bpmn_id
    timers: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # guid -> (bpmn_id, due)
    guid_of: dict[str, str] = field(default_factory=dict)  # recorded guid -> replay guid
    completed: bool = False
    before_migration: tuple | None = None  # (state, version, ready, timers) before the last migration


class _Divergence(Exception):
    """The first mismatch: ``code`` (a message of ``engine.messages``, ``replay_*``) and its ``params``."""

    def __init__(self, event: AuditEvent | None, code: str, expected: Any = None, got: Any = None, **params):
        super().__init__(code)
        self.report = {"seq": event.seq if event is not None else None,
                       "type": event.type if event is not None else None,
                       "bpmn_id": event.bpmn_id if event is not None else None,
                       "at": event.at.isoformat() if event is not None else None,
                       "code": code, "params": params, "expected": expected, "got": got}
        self.report["reason"] = divergence_reason(self.report)


def divergence_reason(divergence: dict, lang: str = "id") -> str:
    """Why the replay diverged, in ``lang`` (``id`` or ``en``), from the report's stable ``code`` and ``params``.

    A domain error that stopped the replay is kept as its own code and params (``params.error``), so it is
    told in the same language.
    """
    params = dict(divergence.get("params") or {})
    error = params.pop("error", None)
    if isinstance(error, dict):
        params["detail"] = render(error.get("code", ""), lang, **(error.get("params") or {}))
    return render(divergence.get("code", ""), lang, **params)


def localized(divergence: dict | None, lang: str) -> dict | None:
    """A copy of ``divergence`` whose ``reason`` is in ``lang`` (None stays None)."""
    if not divergence:
        return divergence
    return {**divergence, "reason": divergence_reason(divergence, lang)}


def instance_events(session: Session, instance_id: int) -> list[AuditEvent]:
    """The instance's audit events in chain order."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                .order_by(AuditEvent.seq)))


def pinned_version(session: Session, instance: ProcessInstance, started: AuditEvent | None) -> ProcessVersion:
    """The version the instance started on (by the sha256 its start event recorded); VersionMissing if gone."""
    version = None
    if started is not None and started.payload.get("version_sha256"):
        version = session.scalars(select(ProcessVersion).where(
            ProcessVersion.process_key == started.payload.get("process_key", instance.process_key),
            ProcessVersion.sha256 == started.payload["version_sha256"])).first()
    elif instance.version_id is not None:
        version = session.get(ProcessVersion, instance.version_id)
    if version is None or not version.spec_json:
        raise VersionMissing(instance_id=instance.id)
    try:
        spiff.load_specs(version.spec_json)
    except Exception as error:  # noqa: BLE001 - an unreadable stored spec is reported, not raised as 500
        raise VersionMissing(instance_id=instance.id) from error
    return version


def _sync(run: _Run) -> list[Observed]:
    """Mirror of the runtime's row synchronisation: what became ready, was cancelled, fired, ended."""
    out: list[Observed] = []
    workflow = run.workflow
    timers = _waiting_timers(workflow)
    for guid, (bpmn_id, due) in list(run.timers.items()):
        if guid not in timers:
            del run.timers[guid]
            task = _task(workflow, guid)
            if task is not None and task.has_state(TaskState.READY | TaskState.COMPLETED):
                out.append(Observed("TIMER_FIRED", bpmn_id, guid, due_at=due))
    for guid, task in timers.items():
        due = _timer_due(task)
        if due is None:
            continue
        if guid not in run.timers:
            run.timers[guid] = (task.task_spec.bpmn_id, due)
        elif run.timers[guid][1] != due:
            if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):  # fired, moved on
                out.append(Observed("TIMER_FIRED", task.task_spec.bpmn_id, guid, due_at=run.timers[guid][1]))
            else:  # a migration changed the timer's definition
                out.append(Observed("TIMER_RESCHEDULED", task.task_spec.bpmn_id, guid, due_at=due))
            run.timers[guid] = (task.task_spec.bpmn_id, due)
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    for guid in [g for g in run.ready if g not in ready]:
        out.append(Observed("TASK_CANCELLED", run.ready.pop(guid), guid))
    for guid, task in ready.items():
        if guid not in run.ready:
            run.ready[guid] = task.task_spec.bpmn_id
            out.append(Observed("TASK_ACTIVATED", task.task_spec.bpmn_id, guid))
            if task.task_spec.bpmn_id.startswith("eskalasi"):  # the runtime's escalation steps
                out.append(Observed("ESCALATION_RAISED", task.task_spec.bpmn_id, guid))
    if workflow.is_completed() and not run.completed:
        run.completed = True
        out.append(Observed("INSTANCE_COMPLETED"))
    return out


def _task(workflow: BpmnWorkflow, guid: str):
    try:
        return workflow.get_task_from_id(UUID(guid))
    except Exception:  # noqa: BLE001 - a task removed from the tree
        return None


def _round_trip(run: _Run, ctx: EngineContext) -> None:
    """Save and restore the workflow, as the runtime does between operations."""
    spec, subprocess_specs = spiff.version_specs(run.version)
    run.workflow = spiff.load_state(spiff.dump_state(run.workflow), spec, subprocess_specs,
                                    script_engine_for(ctx.calendar))


def _start(event: AuditEvent, version: ProcessVersion, ctx: EngineContext) -> _Run:
    spec, subprocess_specs = spiff.version_specs(version)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine_for(ctx.calendar))
    data = event.data_after or {}
    workflow.data.update(data)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    _run_engine(workflow)
    return _Run(workflow, version)


def _complete(run: _Run, event: AuditEvent) -> Observed:
    guid = run.guid_of.get(event.task_guid or "")
    task = _task(run.workflow, guid) if guid else None
    if task is None or task.state != TaskState.READY:
        candidates = [t for t in run.workflow.get_tasks(state=TaskState.READY, manual=True)
                      if t.task_spec.bpmn_id == event.bpmn_id]
        if not candidates:
            raise _Divergence(event, "replay_step_not_ready",
                              expected={"ready": event.bpmn_id}, got={"ready": sorted(set(run.ready.values()))})
        task = candidates[0]
    task.data.update((event.payload or {}).get("input") or {})
    _run_engine(run.workflow, task.run)
    run.ready.pop(str(task.id), None)
    return Observed("TASK_COMPLETED", task.task_spec.bpmn_id, str(task.id),
                    data_after=_plain(_public_data(task.data)))


def migration_target(session: Session, instance: ProcessInstance, event: AuditEvent) -> ProcessVersion:
    """The version an ``INSTANCE_MIGRATED`` event names (by sha256); VersionMissing if gone."""
    payload = event.payload or {}
    version = session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_key == payload.get("process_key", instance.process_key),
        ProcessVersion.sha256 == payload.get("to_sha256"))).first()
    if version is None or not version.spec_json:
        raise VersionMissing(instance_id=instance.id)
    return version


def _migrate(run: _Run, target: ProcessVersion, ctx: EngineContext, instance_id: int) -> Observed:
    """Move the replayed workflow to ``target`` exactly as the runtime's migration does."""
    run.before_migration = (spiff.dump_state(run.workflow), run.version, dict(run.ready), dict(run.timers))
    run.workflow = move_workflow(run.workflow, target, ctx, instance_id)
    run.version = target
    return Observed("INSTANCE_MIGRATED")


def _revert(run: _Run, event: AuditEvent, ctx: EngineContext) -> Observed:
    """Put back the workflow as it was before the last migration (the runtime restores the stored state;
    its cancelled rows of steps and timers that are waiting again come back too)."""
    if run.before_migration is None:
        raise _Divergence(event, "replay_revert_without_migration")
    state, version, ready, timers = run.before_migration
    run.before_migration = None
    spec, subprocess_specs = spiff.version_specs(version)
    run.workflow = spiff.load_state(state, spec, subprocess_specs, script_engine_for(ctx.calendar))
    run.version = version
    now_ready = {str(t.id) for t in run.workflow.get_tasks(state=TaskState.READY, manual=True)}
    run.ready.update({guid: bpmn_id for guid, bpmn_id in ready.items() if guid in now_ready})
    waiting = _waiting_timers(run.workflow)
    run.timers.update({guid: timer for guid, timer in timers.items()
                       if guid in waiting and guid not in run.timers})
    return Observed("INSTANCE_MIGRATION_REVERTED")


def _recorded(event: AuditEvent) -> dict:
    out: dict[str, Any] = {"type": event.type, "bpmn_id": event.bpmn_id}
    if event.type == "TASK_COMPLETED":
        out["data_after"] = event.data_after
    if event.type == "TIMER_FIRED" and event.payload.get("due_at"):
        out["due_at"] = event.payload["due_at"]
    if event.type == "TIMER_RESCHEDULED":
        out["due_at"] = event.payload.get("next_due_at")
    return out


def _same_instant(recorded: str | None, observed: datetime | None) -> bool:
    if recorded is None or observed is None:
        return recorded is None and observed is None
    return datetime.fromisoformat(recorded) == observed


def _match(event: AuditEvent, pending: list[Observed], run: _Run) -> None:
    """Take the observation matching ``event`` out of ``pending`` (order-free within one operation)."""
    index = next((i for i, observed in enumerate(pending) if observed.type == event.type
                  and (observed.bpmn_id == event.bpmn_id or event.type == "INSTANCE_COMPLETED")), None)
    if index is None:
        got = [p.describe() for p in pending] or None
        code = "replay_other_events" if pending else "replay_event_missing"
        raise _Divergence(event, code, expected=_recorded(event), got=got)
    observed = pending.pop(index)
    if event.type == "TASK_ACTIVATED" and event.task_guid and observed.guid:
        run.guid_of[event.task_guid] = observed.guid
    if event.type == "TASK_COMPLETED" and observed.data_after != event.data_after:
        expected, got = _recorded(event), observed.describe()
        keys = sorted(set(event.data_after or {}) | set(observed.data_after or {}))
        differing = [k for k in keys if (event.data_after or {}).get(k) != (observed.data_after or {}).get(k)]
        raise _Divergence(event, "replay_data_differs", expected, got, fields=", ".join(differing))
    due_key = {"TIMER_FIRED": "due_at", "TIMER_RESCHEDULED": "next_due_at"}.get(event.type)
    if due_key and not _same_instant(event.payload.get(due_key), observed.due_at):
        raise _Divergence(event, "replay_timer_deadline_differs", expected=_recorded(event), got=observed.describe())


def _final_answer(workflow: BpmnWorkflow) -> str | None:
    answer = workflow.data.get("jawaban") or workflow.last_task and workflow.last_task.data.get("jawaban")
    return str(answer) if answer else None


def _check_end(instance: ProcessInstance, run: _Run, last: AuditEvent) -> None:
    expected = {"status": instance.status, "answer": instance.answer if instance.tracking_code else None}
    got = {"status": "completed" if run.completed else "running",
           "answer": _final_answer(run.workflow) if run.completed and instance.tracking_code else None}
    if instance.status == "running" and got["status"] == "running":
        return
    if expected != got:
        raise _Divergence(last, "replay_final_differs", expected=expected, got=got)


def replay_instance(session: Session, ctx: EngineContext, instance_id: int,
                    observe: Callable[[AuditEvent, BpmnWorkflow], None] | None = None) -> ReplayResult:
    """Re-run instance ``instance_id`` from its audit log on its pinned version; report the first divergence.

    ``observe(event, workflow)`` is called after each recorded event is matched (for diagram snapshots).
    Nothing is written: the replay works on an in-memory workflow only.
    """
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(what=f"Instans {instance_id}")
    events = instance_events(session, instance_id)
    started = next((e for e in events if e.type == "INSTANCE_STARTED"), None)
    version = pinned_version(session, instance, started)
    clock = FixedClock(started.at if started is not None else instance.started_at)
    replay_ctx = EngineContext(clock=clock, calendar=ctx.calendar)
    run: _Run | None = None
    pending: list[Observed] = []
    checked = 0
    event: AuditEvent | None = None
    try:
        with using_clock(clock):
            for event in events:
                if event.type not in COMPARED:
                    continue
                if not pending:
                    clock.set(event.at)
                    if event.type == "INSTANCE_STARTED":
                        run = _start(event, version, replay_ctx)
                        pending = [Observed("INSTANCE_STARTED"), *_sync(run)]
                    elif run is None:
                        raise _Divergence(event, "replay_not_started_first")
                    elif event.type == "TASK_COMPLETED":
                        _round_trip(run, replay_ctx)
                        pending = [_complete(run, event), *_sync(run)]
                    elif event.type == "TIMER_FIRED":
                        _round_trip(run, replay_ctx)
                        _run_engine(run.workflow)
                        pending = _sync(run)
                    elif event.type == "INSTANCE_MIGRATED":
                        _round_trip(run, replay_ctx)
                        target = migration_target(session, instance, event)
                        pending = [_migrate(run, target, replay_ctx, instance.id), *_sync(run)]
                    elif event.type == "INSTANCE_MIGRATION_REVERTED":
                        pending = [_revert(run, event, replay_ctx), *_sync(run)]
                elif event.type == "INSTANCE_STARTED":
                    raise _Divergence(event, "replay_started_twice")
                if event.type == "INSTANCE_STARTED":
                    pending.pop(0)
                else:
                    _match(event, pending, run)  # type: ignore[arg-type]
                checked += 1
                if observe is not None and run is not None:
                    observe(event, run.workflow)
            if run is None:
                raise _Divergence(None, "replay_no_start")
            if pending:
                raise _Divergence(events[-1], "replay_extra_events",
                                  expected=None, got=[p.describe() for p in pending])
            _check_end(instance, run, events[-1])
    except _Divergence as divergence:
        return ReplayResult(instance_id, False, checked, divergence.report)
    except VersionMissing:
        raise  # the version a migration moved the instance to: a clear error, as for the pinned one
    except (AlurError, WorkflowException) as error:
        detail = ({"error": {"code": error.code, "params": _plain(error.params)}} if isinstance(error, AlurError)
                  else {"detail": str(error).splitlines()[0]})
        failed = _Divergence(event, "replay_failed", **detail)
        return ReplayResult(instance_id, False, checked, failed.report)
    return ReplayResult(instance_id, True, checked)


def period_bounds(ctx: EngineContext, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """[start, end) instants of the office-local days ``first_day`` … ``last_day`` (inclusive)."""
    tz = ctx.calendar.tz
    return (datetime.combine(first_day, time(0), tz),
            datetime.combine(last_day + timedelta(days=1), time(0), tz))


def replay_period(session: Session, ctx: EngineContext, first_day: date, last_day: date) -> list[ReplayResult]:
    """Replay every instance started on the office-local days ``first_day`` … ``last_day``."""
    start, end = period_bounds(ctx, first_day, last_day)
    ids = session.scalars(select(ProcessInstance.id).where(ProcessInstance.started_at >= start,
                                                           ProcessInstance.started_at < end)
                          .order_by(ProcessInstance.id)).all()
    results = []
    for instance_id in ids:
        try:
            results.append(replay_instance(session, ctx, instance_id))
        except VersionMissing as error:
            missing = {"seq": None, "code": error.code, "params": _plain(error.params)}
            results.append(ReplayResult(instance_id, False, 0, {**missing, "reason": divergence_reason(missing)}))
    return results
