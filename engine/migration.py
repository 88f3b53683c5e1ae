"""Moving running instances to another version of their process, on purpose, and back.

SpiffWorkflow's ``diff_workflow`` aligns the instance's tasks with the new spec and ``migrate_workflow``
re-points them (never swapping the spec inside the stored JSON, which silently skips steps). An instance
whose unfinished step no longer exists in the new version is refused. Each move is one operation with an
``INSTANCE_MIGRATED`` event and an :class:`InstanceMigration` record holding the previous state, so
:func:`revert_migration` can put it back (``INSTANCE_MIGRATION_REVERTED``) as long as nothing happened since.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from datetime import timedelta

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import spiff
from .actors import Actor
from .audit import PendingEvents
from .context import EngineContext
from .editor_models import InstanceMigration
from .errors import AlurError, InvalidInput, NotFound
from .models import HumanTask, ProcessInstance, ProcessVersion, Timer
from .recap_facts import record_complaint_facts
from .repository import get_instance
from .runtime import NO_DEADLINE, WARNING_RATIO, _run_engine, _save, load_workflow, operation, script_engine_for

UNFINISHED = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


class MigrationRefused(AlurError):
    """The instance cannot move to that version (the reason is in Indonesian and English)."""

    code = "process_migration_refused"


@dataclass
class MigrationCheck:
    """Dry-run verdict for one instance."""

    instance_id: int
    tracking_code: str | None
    stage: str
    can_move: bool
    reasons: list[str] = field(default_factory=list)
    changed_steps: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-able form."""
        return dict(self.__dict__)


def _version(session: Session, version_id: int) -> ProcessVersion:
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(what=f"Versi {version_id}")
    return version


def _refusals(instance: ProcessInstance, target: ProcessVersion) -> list[str]:
    """Why the instance itself cannot move to ``target`` (not running, other process, already there)."""
    if instance.status != "running":
        return ["pengaduan/instans ini tidak sedang berjalan"]
    if instance.process_key != target.process_key:
        return [f"versi tujuan milik proses lain ({target.process_key})"]
    if instance.version_id == target.id:
        return ["sudah berada pada versi tujuan"]
    return []


def _waiting_timer_values(workflow: BpmnWorkflow) -> dict:
    """Task id → (timer definition type, expression, internal data) of every waiting timer."""
    return {task.id: (type(task.task_spec.event_definition), task.task_spec.event_definition.expression,
                      deepcopy(task.internal_data))
            for task in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)}


def _keep_timer_deadlines(workflow: BpmnWorkflow, before: dict) -> None:
    """A timer that was waiting before and whose definition did not change keeps its deadline.

    ``migrate_workflow`` resets waiting tasks, which makes a timer evaluate its expression again at the
    moment of migration: a step's standard time or a complaint's SLA window would restart because the
    process owner changed something else.
    """
    for task_id, (kind, expression, internal) in before.items():
        task = workflow.tasks.get(task_id)
        definition = getattr(task.task_spec, "event_definition", None) if task is not None else None
        if task is not None and task.state == TaskState.WAITING and type(definition) is kind \
                and definition.expression == expression:
            task.internal_data = deepcopy(internal)


def align_workflow(workflow: BpmnWorkflow, target: ProcessVersion, ctx: EngineContext):
    """Align ``workflow`` with ``target``'s spec in place (SpiffWorkflow diff/migrate), nothing saved.

    Returns (the workflow, [], names of changed unfinished steps), or (None, reasons it cannot, []) — then
    ``workflow`` must not be used any more.
    """
    spec, subprocess_specs = spiff.load_specs(target.spec_json)
    registry = spiff.SPEC_SERIALIZER.registry
    top_diff, sub_diffs = diff_workflow(registry, workflow, spec, subprocess_specs)
    reasons: list[str] = []
    for task in top_diff.removed:
        name = task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name
        if task.has_state(UNFINISHED):
            reasons.append(f"langkah '{name}' belum selesai dan tidak ada lagi di versi {target.version}")
        elif task.has_state(TaskState.COMPLETED) and getattr(task.task_spec, "bpmn_id", None):
            reasons.append(f"langkah '{name}' sudah dikerjakan tetapi tidak ada lagi di versi {target.version}; "
                           "riwayatnya tidak dapat dipertahankan")
    if any(diff is None for diff in sub_diffs.values()):
        reasons.append("subproses yang sedang berjalan tidak ada di versi tujuan")
    if reasons:
        return None, reasons, []
    changed = sorted({t.task_spec.bpmn_name or t.task_spec.bpmn_id or "" for t in top_diff.changed
                      if t.has_state(UNFINISHED) and getattr(t.task_spec, "bpmn_id", None)})
    timers = _waiting_timer_values(workflow)
    migrate_workflow(top_diff, workflow, spec)
    for sub_id, diff in sub_diffs.items():
        sub = workflow.subprocesses[sub_id]
        migrate_workflow(diff, sub, subprocess_specs[sub.spec.name])
    _keep_timer_deadlines(workflow, timers)
    workflow.subprocess_specs = subprocess_specs
    workflow.script_engine = script_engine_for(ctx.calendar)
    known = set(spec.task_specs.values())
    if any(task.task_spec not in known for task in workflow.get_tasks(skip_subprocesses=True)):
        return None, ["langkah yang sudah dijalankan tidak dapat diselaraskan dengan versi tujuan"], []
    spiff.load_state(spiff.dump_state(workflow), spec, subprocess_specs, workflow.script_engine)  # must round-trip
    return workflow, [], changed


def move_workflow(workflow: BpmnWorkflow, target: ProcessVersion, ctx: EngineContext,
                  instance_id: int) -> BpmnWorkflow:
    """What a migration does to a running workflow: align it with ``target`` and run the engine steps.

    The one place of that change: :func:`migrate_instance` calls it on the stored state, the re-execution
    proof (``engine.replay``) on its replayed workflow when the log says the instance was migrated.
    MigrationRefused with the reasons when it cannot move.
    """
    moved, reasons, _ = align_workflow(workflow, target, ctx)
    if moved is None:
        raise MigrationRefused(detail=f"Instans {instance_id}: " + "; ".join(reasons))
    _run_engine(moved)
    return moved


def _migrated(instance: ProcessInstance, target: ProcessVersion, ctx: EngineContext):
    """(workflow moved to ``target``, reasons it cannot, names of changed steps) — nothing is saved."""
    reasons = _refusals(instance, target)
    if reasons:
        return None, reasons, []
    return align_workflow(load_workflow(instance, ctx), target, ctx)


def dry_run(session: Session, ctx: EngineContext, from_version_id: int, to_version_id: int,
            instance_ids: list[int] | None = None) -> list[MigrationCheck]:
    """Which running instances of ``from_version_id`` can move to ``to_version_id``, and why not the others."""
    target = _version(session, to_version_id)
    query = select(ProcessInstance).where(ProcessInstance.version_id == from_version_id,
                                          ProcessInstance.status == "running").order_by(ProcessInstance.id)
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(instance_ids))
    checks = []
    for instance in session.scalars(query):
        try:
            workflow, reasons, changed = _migrated(instance, target, ctx)
        except Exception as error:  # noqa: BLE001 - any alignment failure is a refusal, not a crash
            workflow, reasons, changed = None, [f"tidak dapat diselaraskan: {type(error).__name__}"], []
        checks.append(MigrationCheck(instance.id, instance.tracking_code, instance.stage, workflow is not None,
                                     reasons, changed))
    return checks


def _refresh_ready_rows(session: Session, ctx: EngineContext, instance: ProcessInstance, workflow) -> None:
    """Ready steps keep their row (and ready_at); role, name and standard time follow the new version."""
    summary = (instance.version.summary or {}).get("user_tasks", {})
    specs = {str(t.id): t.task_spec for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == "ready"))
    for row in rows:
        spec = specs.get(row.task_guid)
        if spec is None:
            continue
        info = summary.get(spec.bpmn_id, {})
        seconds = info.get("standard_seconds")
        row.role, row.name, row.form_name = spec.lane or row.role, spec.bpmn_name or spec.bpmn_id, info.get("form")
        row.standard_seconds = seconds
        row.due_at = ctx.calendar.add_office_time(row.ready_at, timedelta(seconds=seconds)) if seconds else None
        row.warn_at = (ctx.calendar.add_office_time(row.ready_at, timedelta(seconds=seconds * WARNING_RATIO))
                       if seconds else None)
        deadlines = [d for d in (row.due_at, row.sla_due_at) if d is not None]
        row.urgent_at = min(deadlines) if deadlines else NO_DEADLINE


@operation
def migrate_instance(session: Session, ctx: EngineContext, instance_id: int, to_version_id: int, *,
                     actor: Actor) -> InstanceMigration:
    """Move one running instance to ``to_version_id`` (refused with the reason if it cannot)."""
    instance = get_instance(session, instance_id, for_update=True)
    target = _version(session, to_version_id)
    reasons = _refusals(instance, target)
    if reasons:
        raise MigrationRefused(detail=f"Instans {instance_id}: " + "; ".join(reasons))
    workflow = move_workflow(load_workflow(instance, ctx), target, ctx, instance.id)
    now = ctx.clock.now()
    record = InstanceMigration(
        instance_id=instance.id, from_version_id=instance.version_id, to_version_id=target.id,
        previous_state_json=instance.state_json, previous_serializer_version=instance.serializer_version,
        previous_stage=instance.stage, lock_version_after=0, migrated_by=actor.name, migrated_at=now)
    from_version = instance.version
    instance.version, instance.version_id = target, target.id
    events = PendingEvents()
    events.add("INSTANCE_MIGRATED", actor=actor.name, at=now, instance_id=instance.id,
               process_key=instance.process_key, from_version=from_version.version, to_version=target.version,
               from_sha256=from_version.sha256, to_sha256=target.sha256)
    _save(session, ctx, instance, workflow, events, actor)
    _refresh_ready_rows(session, ctx, instance, workflow)
    record_complaint_facts(session, ctx, instance)  # the steps' new deadlines
    session.flush()
    record.lock_version_after = instance.lock_version
    session.add(record)
    session.flush()
    return record


def migrate_instances(session: Session, ctx: EngineContext, instance_ids: list[int], to_version_id: int, *,
                      actor: Actor) -> dict[int, str | None]:
    """Move each instance in its own transaction; instance id → None (moved) or the refusal's text."""
    results: dict[int, str | None] = {}
    for instance_id in instance_ids:
        try:
            migrate_instance(session, ctx, instance_id, to_version_id, actor=actor)
            results[instance_id] = None
        except AlurError as error:
            results[instance_id] = error.message("id")
    return results


@operation
def revert_migration(session: Session, ctx: EngineContext, migration_id: int, *, actor: Actor) -> ProcessInstance:
    """Put a migrated instance back on its previous version and state, if it has not moved on since."""
    record = session.get(InstanceMigration, migration_id)
    if record is None:
        raise NotFound(what=f"Pemindahan {migration_id}")
    if record.reverted_at is not None:
        raise InvalidInput(detail="pemindahan ini sudah dibatalkan")
    instance = get_instance(session, record.instance_id, for_update=True)
    if instance.lock_version != record.lock_version_after or instance.version_id != record.to_version_id:
        raise MigrationRefused(detail=f"Instans {instance.id} sudah berlanjut setelah dipindahkan; "
                                      "pembatalan akan menghapus langkah yang sudah dikerjakan.")
    now = ctx.clock.now()
    previous = _version(session, record.from_version_id)
    instance.version, instance.version_id = previous, previous.id
    instance.state_json, instance.serializer_version = record.previous_state_json, record.previous_serializer_version
    workflow = load_workflow(instance, ctx)
    ready = {str(t.id) for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    for row in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)):
        if row.task_guid in ready and row.state == "cancelled":
            row.state, row.completed_at = "ready", None  # the same step, waiting again since its original ready_at
    waiting = {str(t.id) for t in workflow.get_tasks(state=TaskState.WAITING)}
    for timer in session.scalars(select(Timer).where(Timer.instance_id == instance.id, Timer.state == "cancelled")):
        if timer.task_guid in waiting:
            timer.state = "waiting"
    session.flush()  # the save reads the waiting timers from the database: it must see these as waiting again
    events = PendingEvents()
    events.add("INSTANCE_MIGRATION_REVERTED", actor=actor.name, at=now, instance_id=instance.id,
               process_key=instance.process_key, migration_id=record.id, to_version=previous.version)
    _save(session, ctx, instance, workflow, events, actor)
    _refresh_ready_rows(session, ctx, instance, workflow)
    instance.stage = record.previous_stage or instance.stage
    record_complaint_facts(session, ctx, instance)  # the steps' deadlines and stage as before
    record.reverted_at, record.reverted_by = now, actor.name
    return instance


def migrations_of(session: Session, process_key: str) -> list[InstanceMigration]:
    """Every migration of the process's instances, newest first."""
    return list(session.scalars(
        select(InstanceMigration).join(ProcessInstance, ProcessInstance.id == InstanceMigration.instance_id)
        .where(ProcessInstance.process_key == process_key).order_by(InstanceMigration.id.desc())))
