"""Running instances: start, complete, claim, release; keeping task and timer rows in step.

Every public function here is one engine operation = one transaction: it changes the instance state,
its ``human_task``/``timer`` rows and appends its audit events, then commits; on any refusal it rolls
back and the database is exactly as before.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, instance_state, set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from . import spiff
from .actors import ON_BEHALF_OF_REPORTER, Actor, reporter
from .audit import PendingEvents, append_events
from .calendar import OfficeCalendar, script_functions
from .clock import using_clock
from .context import EngineContext
from .errors import (
    ConcurrentUpdate,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    NotYourRole,
    ScriptRefused,
    TaskClaimedByOther,
    TaskNotReady,
)
from .forms import validate_form
from .models import HumanTask, ProcessInstance, ProcessVersion, Timer
from .periodic import align_cycle_starts, refresh_repeatable
from .recap_facts import StepRows, load_step_rows, record_complaint_facts
from .repository import get_instance, latest_version
from .scripting import make_script_engine
from .writes import execute_together

#: A step turns amber when this share of its standard time has elapsed.
WARNING_RATIO = 0.75
#: Sort key of steps without any deadline (they come after every step that has one).
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@functools.lru_cache(maxsize=32)
def script_engine_for(calendar: OfficeCalendar):
    """The restricted script engine with this calendar's functions (cached: calendars are immutable)."""
    return make_script_engine(script_functions(calendar))


def operation(fn: Callable) -> Callable:
    """Run ``fn(session, ctx, …)`` as one transaction: commit on success, roll back on any error."""

    @functools.wraps(fn)
    def wrapper(session: Session, ctx: EngineContext, *args, **kwargs):
        saved = session.info[_SAVED_KEY] = {}  # workflows saved by this operation (see _remember_saved)
        try:
            _begin_write(session)
            with using_clock(ctx.clock):
                result = fn(session, ctx, *args, **kwargs)
            session.commit()
            for state_json, workflow in saved.values():  # committed: the next operation may reuse them
                spiff.SAVED_WORKFLOWS.put(state_json, workflow)
            return result
        except (StaleDataError, IntegrityError) as error:
            session.rollback()
            raise ConcurrentUpdate() from error
        except (OperationalError, DBAPIError) as error:
            _rollback_quietly(session)
            text = str(error).lower()
            if "locked" in text or "could not serialize" in text or "deadlock detected" in text:
                raise ConcurrentUpdate() from error
            if is_disconnect(error):
                raise DatabaseUnavailable() from error
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            saved.clear()
            session.info.pop(_SAVED_KEY, None)

    return wrapper


_SAVED_KEY = "alur_saved_workflows"


def _remember_saved(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
    """After a save that ends the operation's work on ``workflow``: offer it to the next operation on the
    instance once the commit succeeds (only inside :func:`operation`; the last save of a workflow wins)."""
    saved = session.info.get(_SAVED_KEY)
    if saved is not None and instance.status == "running":  # a finished instance runs no further step
        saved[id(workflow)] = (instance.state_json, workflow)


def _begin_write(session: Session) -> None:
    """SQLite: take the write lock when the operation starts (``BEGIN IMMEDIATE``, waiting up to the busy
    timeout). Otherwise the transaction begins as a reader and its first write finds the database changed
    by another connection: SQLite then fails at once with "database is locked" instead of waiting, and two
    officials completing *different* complaints would see a 409. PostgreSQL needs nothing (row locks)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_disconnect(error: BaseException) -> bool:
    """True when ``error`` means the database connection dropped or cannot be made."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    text = str(error).lower()
    return isinstance(error, OperationalError) and any(marker in text for marker in (
        "terminating connection", "server closed the connection", "connection refused", "could not connect",
        "connection is closed", "consuming input failed", "the connection is lost", "connection timeout expired"))


def _rollback_quietly(session: Session) -> None:
    """Roll back; on a dropped connection the rollback itself may fail, the session is reset anyway."""
    try:
        session.rollback()
    except DBAPIError:
        session.close()


@dataclass
class Completion:
    """Result of completing a step: the instance and the steps that became ready."""

    instance_id: int
    next_tasks: list[HumanTask]
    instance_status: str


# -- loading and saving --------------------------------------------------------------------------

def load_workflow(instance: ProcessInstance, ctx: EngineContext) -> BpmnWorkflow:
    """Restore an instance's workflow around its version's cached spec."""
    if instance.serializer_version != spiff.SERIALIZER_VERSION:
        raise InvalidInput(detail=f"instance {instance.id} was saved by serializer "
                                  f"{instance.serializer_version}, this engine reads {spiff.SERIALIZER_VERSION}")
    spec, subprocess_specs = spiff.version_specs(instance.version)
    script_engine = script_engine_for(ctx.calendar)
    workflow = spiff.SAVED_WORKFLOWS.take(instance.state_json, spec, subprocess_specs)
    if workflow is not None:  # this process saved exactly this state: no need to restore it
        workflow.script_engine = script_engine
        return workflow
    return spiff.load_state(instance.state_json, spec, subprocess_specs, script_engine)


def new_workflow(version: ProcessVersion, ctx: EngineContext) -> BpmnWorkflow:
    """A fresh workflow of ``version``."""
    spec, subprocess_specs = spiff.version_specs(version)
    return BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine_for(ctx.calendar))


def _run_engine(workflow: BpmnWorkflow, step: Callable[[], Any] | None = None) -> None:
    """Run a task (optional) then the engine steps; script failures become domain errors."""
    try:
        cycles = align_cycle_starts(workflow)  # periodic starts: no catch-up burst, no drift
        if step is not None:
            step()
        workflow.do_engine_steps()  # runs until only manual or waiting tasks are left, then refreshes timers
        if not _settled(workflow):  # the final refresh made a due timer ready: run it in this operation
            workflow.refresh_timers()
            workflow.do_engine_steps()
        if cycles:
            align_cycle_starts(workflow, cycles)
    except WorkflowException as error:
        element = getattr(getattr(error, "task_spec", None), "bpmn_id", None) or getattr(
            getattr(getattr(error, "task", None), "task_spec", None), "bpmn_id", "?")
        raise ScriptRefused(element=element, detail=str(error).splitlines()[0]) from error


def _settled(workflow: BpmnWorkflow) -> bool:
    """Whether another refresh and engine pass would leave ``workflow`` exactly as it is.

    An engine pass runs only READY tasks that are not manual (in the process and in its active
    subprocesses), so with none it changes nothing; a refresh repeated with nothing run in between
    changes nothing when the specs have no cycle timer and no pre-script on a catching event
    (``periodic.refresh_repeatable``). Looking at the flat task maps is far cheaper than a pass, which
    walks the task trees. (On the wall clock a timer falling due in the microseconds between the two
    refreshes is left WAITING, with its timer row, for the sweep.)
    """
    if not refresh_repeatable(workflow):
        return False
    for tasks in (workflow.tasks, *(subprocess.tasks for subprocess in workflow.subprocesses.values())):
        for task in tasks.values():
            if task.state == TaskState.READY and not task.task_spec.manual:
                return False
    return True


def _timer_due(task) -> datetime | None:
    value = task.internal_data.get("event_value")
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("next")
    try:
        parsed = TimerEventDefinition.parse_time_or_duration(value)
    except Exception:  # noqa: BLE001 - a value we cannot read is shown as having no deadline
        return None
    return parsed if isinstance(parsed, datetime) else None


def _is_timer(task) -> bool:
    """A task of a timer event definition (what the ``timer`` table keeps rows for)."""
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def _waiting_timers(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The workflow's waiting timer events by guid (the replay's view; a save uses :func:`_tasks_of_note`)."""
    return {str(task.id): task for task in workflow.get_tasks(state=TaskState.WAITING) if _is_timer(task)}


def _user_task_info(version: ProcessVersion, bpmn_id: str) -> dict:
    return (version.summary or {}).get("user_tasks", {}).get(bpmn_id, {})


def _tasks_of_note(workflow: BpmnWorkflow) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ready user tasks, waiting timer events) of the workflow by guid, in one walk of the task tree
    (the same order as separate ``get_tasks`` calls: the walk does not depend on the states asked for)."""
    ready, timers = {}, {}
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        if task.state == TaskState.READY:
            if task.task_spec.manual:
                ready[str(task.id)] = task
        elif _is_timer(task):
            timers[str(task.id)] = task
    return ready, timers


#: The timer and instance writes of a save are Core statements (the ORM's unit of work cost more than
#: the statements): the session's objects are kept in line with what is written (set_committed_value).
_TIMER = Timer.__table__
_CHANGE_TIMER = (update(_TIMER).where(_TIMER.c.id == bindparam("timer_id"))
                 .values(state=bindparam("new_state"), fired_at=bindparam("new_fired_at"),
                         due_at=bindparam("new_due_at")))
_INSERT_TIMERS = insert(_TIMER)


def _write_timers(session: Session, changed: list[dict], new: list[dict]) -> None:
    """Write the timer rows that stopped waiting (fired / cancelled) or wait for another deadline (one
    statement for all of them) and insert the new waiting ones (on PostgreSQL one statement when there is one
    of each: they are other rows). A timer row the session holds as an object
    (the timer worker's, a migration revert's) is kept in line with what is written."""
    with session.no_autoflush:
        execute_together(session, (_CHANGE_TIMER, changed), (_INSERT_TIMERS, new))
        for values in changed:
            row = session.identity_map.get(identity_key(Timer, values["timer_id"]))
            if row is not None:
                set_committed_value(row, "state", values["new_state"])
                set_committed_value(row, "fired_at", values["new_fired_at"])
                set_committed_value(row, "due_at", values["new_due_at"])


_INSTANCE = ProcessInstance.__table__
_INSTANCE_COLUMNS = frozenset(attr.key for attr in sa_inspect(ProcessInstance).column_attrs)
_UPDATE_INSTANCE = update(_INSTANCE).where(_INSTANCE.c.id == bindparam("instance_pk"),
                                           _INSTANCE.c.lock_version == bindparam("expected_version"))


def _write_instance(session: Session, instance: ProcessInstance, values: dict[str, Any]) -> None:
    """Write ``values`` (column → new value) with the columns a caller changed on the object, with one Core
    update that checks and moves the version counter as the ORM does (``WHERE lock_version = <read>``: no
    row means another operation changed it first, the ORM's StaleDataError, a 409); the object then holds
    them as committed. Left to the ORM's flush (the values set on the object) when a relationship changed
    (a migration's new version) or the version counter is not loaded."""
    state = sa_inspect(instance)
    pending = list(state.committed_state)
    version = state.dict.get("lock_version")
    if (not state.persistent or version is None
            or any(key not in _INSTANCE_COLUMNS or key == "lock_version" for key in pending)):
        for key, value in values.items():
            setattr(instance, key, value)
        return
    values = {**{key: state.dict[key] for key in pending}, **values}
    with session.no_autoflush:
        result = session.execute(_UPDATE_INSTANCE, {**values, "lock_version": version + 1,
                                                    "instance_pk": instance.id, "expected_version": version})
    if result.rowcount != 1:
        raise StaleDataError(f"UPDATE statement on table 'process_instance' expected to update 1 row(s); "
                             f"{result.rowcount} were matched.")
    for key, value in values.items():
        set_committed_value(instance, key, value)
    set_committed_value(instance, "lock_version", version + 1)


#: The step rows are written with statements of their own too. Their new values are set on the objects as
#: committed (set_committed_value), never as changes: an object changed through its attributes stays
#: "modified" for the session even once its changes are written, and the next flush then walks the unit of
#: work for nothing (as costly as the statements).
_TASK = HumanTask.__table__
_UPDATE_TASK = update(_TASK).where(_TASK.c.id == bindparam("task_pk"))
_TASK_COLUMNS = tuple(column.key for column in _TASK.columns if column.key != "id")
_INSERT_TASKS = insert(_TASK).returning(_TASK.c.id, sort_by_parameter_order=True)


def _update_steps(session: Session, changes: list[tuple[Any, dict[str, Any]]]) -> None:
    """Write each (row, column → new value): one executemany per set of columns, the row count checked as
    the ORM does. The rows (HumanTask objects or StepRows) then hold the new values, and so does the
    session's object of a row, if it holds one (as committed values)."""
    groups: dict[tuple[str, ...], list[tuple[Any, dict[str, Any]]]] = {}
    for row, values in changes:
        groups.setdefault(tuple(values), []).append((row, values))
    with session.no_autoflush:
        for group in groups.values():
            result = session.execute(_UPDATE_TASK, [{"task_pk": row.id, **values} for row, values in group])
            if result.rowcount != len(group):
                raise StaleDataError(f"UPDATE statement on table 'human_task' expected to update {len(group)} "
                                     f"row(s); {result.rowcount} were matched.")
            for row, values in group:
                held = row if isinstance(row, HumanTask) else session.identity_map.get(identity_key(HumanTask, row.id))
                for key, value in values.items():
                    if held is not None:
                        set_committed_value(held, key, value)
                    if held is not row:
                        setattr(row, key, value)


def _insert_steps(session: Session, new: list[dict[str, Any]]) -> list[HumanTask]:
    """Insert the new step rows with one ``INSERT … RETURNING id`` and give them to the session as its
    persistent objects (as if flushed: every column loaded, nothing pending); their objects, in the order
    given. (The ORM's bulk insert returning the objects cost twice as much.)"""
    if not new:
        return []
    rows = [{key: values.get(key) for key in _TASK_COLUMNS} for values in new]
    with session.no_autoflush:
        ids = session.execute(_INSERT_TASKS, rows).scalars().all()
    return [attach_inserted(session, HumanTask, {"id": row_id, **row}) for row, row_id in zip(rows, ids, strict=True)]


@functools.cache
def _insert_returning_key(table) -> Any:
    return insert(table).returning(*table.primary_key.columns)


def insert_attached(session: Session, cls: type, values: dict[str, Any], **related: Any) -> Any:
    """Write one new row of ``cls`` (``values``: its columns) with a Core ``INSERT … RETURNING`` its key and give
    the session its object (:func:`attach_inserted`; ``related``: many-to-one objects to set on it)."""
    table = cls.__table__
    with session.no_autoflush:
        key = session.execute(_insert_returning_key(table), values).one()
    return attach_inserted(session, cls, {**values, **dict(zip((c.key for c in table.primary_key.columns), key,
                                                               strict=True)), **related})


def attach_inserted(session: Session, cls: type, values: dict[str, Any]) -> Any:
    """The session's object of a row a Core insert just wrote (``values``: its columns, its primary key included;
    a many-to-one's object may be given too), persistent as if it had been flushed: nothing pending, no
    statement. The values are set as loaded, not through the constructor (whose instrumented attribute sets
    cost twice the rest of the insert)."""
    obj = cls.__mapper__.class_manager.new_instance()
    instance_dict(obj).update(values)
    make_transient_to_detached(obj)
    stale = session.identity_map.get(instance_state(obj).key)
    if stale is not None:  # a rolled-back operation's row, whose id SQLite gave out again
        session.expunge(stale)
    session.add(obj)
    return obj


def attach_loaded(session: Session, cls: type, values: dict[str, Any]) -> Any:
    """The session's object of a row a Core query just read (``values``: its columns but deferred ones, which load
    when read; a many-to-one's object may be given too): the object the session holds takes them as loaded, what
    was changed on it and not written dropped (the ORM's ``populate_existing``), else a new one (as
    :func:`attach_inserted`)."""
    key = identity_key(cls, tuple(values[column.key] for column in cls.__table__.primary_key.columns))
    held = session.identity_map.get(key)
    if held is None:
        return attach_inserted(session, cls, values)
    for name, value in values.items():
        set_committed_value(held, name, value)
    return held


@dataclass
class _Synced:
    """What :func:`_sync_rows` leaves for the rest of the save."""

    created: list[HumanTask]
    ready: dict[str, Any]
    steps: StepRows


def _sync_rows(session: Session, ctx: EngineContext, instance: ProcessInstance, workflow: BpmnWorkflow,
               events: PendingEvents, actor: Actor) -> _Synced:
    """Bring the instance's task and timer rows in line with the workflow; return the newly ready task rows,
    the workflow's ready user tasks and the instance's step rows (which the recap's facts reuse)."""
    now = ctx.clock.now()
    ready, timers = _tasks_of_note(workflow)
    # every step row of the instance (the recap's facts read them too) and its waiting timers, in one query;
    # the timer rows as the database has them (a caller that changed timer objects flushed them)
    steps = load_step_rows(session, instance.id, waiting_timers=True)
    timer_rows = steps.timers
    rows = {row.task_guid: row for row in steps.rows if row.state == "ready"}
    changed_timers, new_timers = [], []
    for guid, row in timer_rows.items():
        if guid not in timers:
            task = workflow.get_task_from_id(UUID(guid)) if _has_task(workflow, guid) else None
            fired = task is not None and task.has_state(TaskState.READY | TaskState.COMPLETED)
            changed_timers.append({"timer_id": row.id, "new_state": "fired" if fired else "cancelled",
                                   "new_fired_at": now if fired else None, "new_due_at": row.due_at})
            if fired:
                events.add("TIMER_FIRED", actor=actor.name, at=now, instance_id=instance.id, task_guid=guid,
                           bpmn_id=row.bpmn_id, due_at=row.due_at.isoformat())
    for guid, task in timers.items():
        due = _timer_due(task)
        if guid not in timer_rows and due is not None:
            spec = task.task_spec
            new_timers.append({"instance_id": instance.id, "task_guid": guid, "bpmn_id": spec.bpmn_id,
                               "name": spec.bpmn_name or "", "due_at": due, "state": "waiting", "fired_at": None,
                               "kind": type(spec.event_definition).__name__.replace("EventDefinition", "")})
        elif guid in timer_rows and due is not None and timer_rows[guid].due_at != due:
            row = timer_rows[guid]
            if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
                # a cycle timer fired and moved on to its next occurrence: audited
                events.add("TIMER_FIRED", actor=actor.name, at=now, instance_id=instance.id, task_guid=guid,
                           bpmn_id=row.bpmn_id, due_at=row.due_at.isoformat(), cycle=True,
                           next_due_at=due.isoformat())
            else:  # a migration gave the timer another definition, so another deadline (not a firing)
                events.add("TIMER_RESCHEDULED", actor=actor.name, at=now, instance_id=instance.id,
                           task_guid=guid, bpmn_id=row.bpmn_id, due_at=row.due_at.isoformat(),
                           next_due_at=due.isoformat())
            changed_timers.append({"timer_id": row.id, "new_state": "waiting", "new_fired_at": row.fired_at,
                                   "new_due_at": due})
    _write_timers(session, changed_timers, new_timers)

    cancelled = []
    for guid, row in rows.items():
        if guid not in ready:
            # completed_at of a cancelled step: when it stopped waiting (the recap's state history reads it)
            cancelled.append((row, {"state": "cancelled", "completed_at": now}))
            events.add("TASK_CANCELLED", actor=actor.name, at=now, instance_id=instance.id, task_guid=guid,
                       bpmn_id=row.bpmn_id)
    _update_steps(session, cancelled)
    new_rows = []
    for guid, task in ready.items():
        if guid in rows:
            continue
        info = _user_task_info(instance.version, task.task_spec.bpmn_id)
        seconds = info.get("standard_seconds")
        due = ctx.calendar.add_office_time(now, timedelta(seconds=seconds)) if seconds else None
        warn = ctx.calendar.add_office_time(now, timedelta(seconds=seconds * WARNING_RATIO)) if seconds else None
        sla = [d for d in (_timer_due(s) for s in (task.parent.children if task.parent else [])
                           if str(s.id) in timers) if d is not None]
        deadlines = [d for d in (due, min(sla) if sla else None) if d is not None]
        row = dict(
            instance_id=instance.id, task_guid=guid, process_key=instance.process_key,
            bpmn_id=task.task_spec.bpmn_id, name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
            role=task.task_spec.lane or "", form_name=info.get("form"), state="ready", ready_at=now,
            standard_seconds=seconds, due_at=due, sla_due_at=min(sla) if sla else None, warn_at=warn,
            urgent_at=min(deadlines) if deadlines else NO_DEADLINE,
            is_escalation=task.task_spec.bpmn_id.startswith("eskalasi"),
            tracking_code=instance.tracking_code, subject=instance.subject, channel=instance.channel,
        )
        new_rows.append(row)
        events.add("TASK_ACTIVATED", actor=actor.name, at=now, instance_id=instance.id, task_guid=guid,
                   bpmn_id=row["bpmn_id"], role=row["role"], name=row["name"])
        if row["is_escalation"]:
            events.add("ESCALATION_RAISED", actor=actor.name, at=now, instance_id=instance.id, task_guid=guid,
                       bpmn_id=row["bpmn_id"], role=row["role"], name=row["name"],
                       overdue_steps=sorted(t.task_spec.bpmn_id for t in ready.values()
                                            if not t.task_spec.bpmn_id.startswith("eskalasi")))
    created = _insert_steps(session, new_rows)
    for row in created:
        steps.add(row)
    return _Synced(created, ready, steps)


def _has_task(workflow: BpmnWorkflow, guid: str) -> bool:
    try:
        return workflow.get_task_from_id(UUID(guid)) is not None
    except Exception:  # noqa: BLE001 - a task removed from the tree
        return False


def _save(session: Session, ctx: EngineContext, instance: ProcessInstance, workflow: BpmnWorkflow,
          events: PendingEvents, actor: Actor, *, append: bool = True) -> list[HumanTask]:
    """Write the workflow and its rows; append the events (``append=False``: the caller appends them later,
    with what it adds, in one go)."""
    now = ctx.clock.now()
    if instance.id is None:
        session.flush()  # the instance needs its id for the rows below
    synced = _sync_rows(session, ctx, instance, workflow, events, actor)
    created = synced.created
    from .recap_runs import after_save, recap_config  # recap runs build on this module

    if instance.process_key in recap_config():
        after_save(session, ctx, instance, workflow, created, events, actor)
    # the instance's new columns, written by _write_instance (set as committed, not as changes: see _TASK)
    values = {"state_json": spiff.dump_state(workflow), "serializer_version": spiff.SERIALIZER_VERSION,
              "updated_at": now}
    ready_names = [t.task_spec.bpmn_name or t.task_spec.bpmn_id for t in synced.ready.values()
                   if not t.task_spec.bpmn_id.startswith("eskalasi")]
    completing = workflow.is_completed() and instance.status == "running"
    if completing:
        final = workflow.last_task.data if workflow.last_task else {}
        # a process may name its own end stage (e.g. "Diteruskan ke …" on the bukan-wewenang path)
        stage = workflow.data.get("tahap_akhir") or final.get("tahap_akhir") or "Selesai"
        values.update(status="completed", completed_at=now, stage=str(stage)[:300])
        answer = workflow.data.get("jawaban") or final.get("jawaban")
        if answer and instance.tracking_code:
            values["answer"] = str(answer)
        events.add("INSTANCE_COMPLETED", actor=actor.name, at=now, instance_id=instance.id)
    elif ready_names:
        values["stage"] = ", ".join(ready_names)
    elif workflow.waiting_events():
        values["stage"] = "Menunggu waktu"
    _write_instance(session, instance, values)
    if completing and instance.tracking_code:
        from .notifications import queue_answer  # builds on this module's rows

        queue_answer(session, ctx, instance, events, actor, {**final, **workflow.data})
    # the recap's per-complaint facts, same transaction, over the step rows read above
    record_complaint_facts(session, ctx, instance, events, synced.steps)
    if append:
        append_events(session, events)
    return created


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_tracking_code() -> str:
    """A short, unambiguous public code, e.g. ``PGD-7KQ3-XM2P``."""
    raw = "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(8))
    return f"PGD-{raw[:4]}-{raw[4:]}"


# -- operations ----------------------------------------------------------------------------------

#: The new instance's row is written with a Core ``INSERT … RETURNING id`` and given to the session as its
#: persistent object (insert_attached), as for the step rows: every column, its default when not given (the
#: version counter starts at 1, as the ORM's), and its version object.
_NEW_INSTANCE = {column.key: column.default.arg if column.default is not None else None
                 for column in _INSTANCE.columns if column.key != "id"}
assert not any(callable(value) for value in _NEW_INSTANCE.values())


def _start(session: Session, ctx: EngineContext, version: ProcessVersion, data: dict, actor: Actor,
           events: PendingEvents, **complaint) -> tuple[ProcessInstance, BpmnWorkflow]:
    now = ctx.clock.now()
    workflow = new_workflow(version, ctx)
    workflow.data.update(data or {})
    start = workflow.get_tasks(state=TaskState.READY)
    for task in start:
        task.data.update(data or {})
    _run_engine(workflow)
    values = {**_NEW_INSTANCE, "process_key": version.process_key, "version_id": version.id, "status": "running",
              "serializer_version": spiff.SERIALIZER_VERSION, "state_json": "{}", "started_at": now,
              "started_by": actor.name, "updated_at": now, **complaint}
    session.flush()  # what the caller left pending is written first, as the instance's own flush did
    instance = insert_attached(session, ProcessInstance, values, version=version)
    events.add("INSTANCE_STARTED", actor=actor.name, at=now, instance_id=instance.id, data_after=data or {},
               process_key=version.process_key, version=version.version, version_sha256=version.sha256)
    return instance, workflow


def _check_start_allowed(version: ProcessVersion, workflow: BpmnWorkflow, actor: Actor) -> None:
    lanes = {t.task_spec.lane for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    lanes.discard(None)
    if lanes and actor.kind != "system" and not any(actor.holds(lane) or lane == "pelapor" for lane in lanes):
        raise NotYourRole(role=", ".join(sorted(lanes)))


@operation
def start_instance(session: Session, ctx: EngineContext, process_key: str, data: dict | None, *,
                   actor: Actor) -> ProcessInstance:
    """Start the newest version of ``process_key`` with ``data``; the actor must hold the first lane's role."""
    version = latest_version(session, process_key)
    events = PendingEvents()
    instance, workflow = _start(session, ctx, version, data or {}, actor, events)
    _check_start_allowed(version, workflow, actor)
    _save(session, ctx, instance, workflow, events, actor)
    return instance


@dataclass
class Submission:
    """A started complaint: its instance, public tracking code and the reporter's secret key."""

    instance: ProcessInstance
    tracking_code: str
    reporter_key: str
    #: the instance's id, kept at the start (read from the instance after the commit, it is loaded again)
    instance_id: int = field(init=False)

    def __post_init__(self) -> None:
        self.instance_id = self.instance.id


#: A receipt time later than the clock by more than this is refused (clocks of devices drift a little).
RECEIVED_AT_TOLERANCE = timedelta(minutes=5)


def _parse_received_at(value: Any, now: datetime) -> datetime:
    if value in (None, ""):
        return now
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(detail="received_at bukan tanggal-waktu ISO 8601") from None
    if parsed.tzinfo is None:
        raise InvalidInput(detail="received_at harus memuat zona waktu")
    if parsed > now + RECEIVED_AT_TOLERANCE:
        raise InvalidInput(detail="Waktu diterima (received_at) tidak boleh di masa depan")
    return parsed


@operation
def submit_complaint(session: Session, ctx: EngineContext, process_key: str, data: dict, *,
                     actor: Actor | None = None, intake: dict | None = None) -> Submission:
    """Start a complaint and complete its intake step (the pelapor's form) with ``data`` in one go.

    ``actor`` is the reporter (public intake) or a petugas recording it for them (walk-in, telephone).
    ``intake`` optionally names the import source (see :func:`engine.channels.record_intake`).
    """
    return start_complaint(session, ctx, process_key, data, actor=actor, intake=intake)


def start_complaint(session: Session, ctx: EngineContext, process_key: str, data: dict, *,
                    actor: Actor | None = None, intake: dict | None = None) -> Submission:
    """``submit_complaint`` inside the caller's transaction (for operations that do more in the same one)."""
    version = latest_version(session, process_key)
    if not version.is_complaint:
        raise InvalidInput(detail=f"'{process_key}' bukan proses pengaduan")
    now = ctx.clock.now()
    data = dict(data or {})
    data.setdefault("received_at", now.isoformat())
    received_at = _parse_received_at(data["received_at"], now)
    data["received_at"] = received_at.isoformat()
    tracking_code = new_tracking_code()
    reporter_key = secrets.token_urlsafe(18)
    events = PendingEvents()
    acting = actor or reporter(tracking_code)
    instance, workflow = _start(
        session, ctx, version, {}, acting, events, tracking_code=tracking_code,
        reporter_key_hash=_hash(reporter_key), channel=data.get("channel"), subject=str(data.get("subject", ""))[:300],
        anonymity=data.get("anonymity", "none"), received_at=received_at)
    first = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.lane == "pelapor"]
    if len(first) != 1:
        raise InvalidInput(detail=f"'{process_key}' tidak dimulai dengan formulir pelapor")
    task = first[0]
    info = _user_task_info(version, task.task_spec.bpmn_id)
    clean = _validated(version, info.get("form"), data)
    # the start's, the intake step's and the intake record's events are chained in one append, at the end:
    # the audit head is locked once, after every other write (the same events, in the same order)
    created = _save(session, ctx, instance, workflow, events, acting, append=False)
    # the intake step's row is one the save just inserted (a new instance has no other): not read back
    row = next(r for r in created if r.task_guid == str(task.id))
    _complete(session, ctx, instance, workflow, row, task, clean, acting, events, append=False)
    from .channels import record_intake  # channels builds on this module

    record_intake(session, ctx, instance, clean, reporter_key, acting, events=events, **(intake or {}))
    return Submission(instance, tracking_code, reporter_key)


def _validated(version: ProcessVersion, form_name: str | None, data: Any) -> dict:
    if not form_name:
        return {}
    schema = version.forms.get(form_name)
    if schema is None:
        raise NotFound(what=f"Formulir '{form_name}'")
    if not isinstance(data, dict):
        return validate_form(schema, data)
    properties = schema.get("properties", {})
    clean = {k: v for k, v in data.items() if k in properties}
    # a field left out takes its schema default, so conditions can name it (e.g. di_luar_wewenang)
    for key, prop in properties.items():
        if key not in clean and isinstance(prop, dict) and "default" in prop:
            clean[key] = prop["default"]
    return validate_form(schema, clean)


def _complete(session: Session, ctx: EngineContext, instance: ProcessInstance, workflow: BpmnWorkflow,
              row: HumanTask | _StepToComplete, task, data: dict, actor: Actor,
              events: PendingEvents, *, append: bool = True) -> list[HumanTask]:
    now = ctx.clock.now()
    before = dict(task.data)
    task.data.update(data)
    _run_engine(workflow, task.run)
    _update_steps(session, [(row, {"state": "completed", "completed_by": actor.name, "completed_at": now})])
    on_behalf = row.role == "pelapor" and actor.kind == "user"
    events.add("TASK_COMPLETED", actor=actor.name, at=now, instance_id=instance.id, task_guid=row.task_guid,
               bpmn_id=row.bpmn_id, data_before=_public_data(before), data_after=_public_data(task.data),
               input=data, role=row.role, on_behalf_of="pelapor" if on_behalf else None)
    created = _save(session, ctx, instance, workflow, events, actor, append=append)
    _remember_saved(session, instance, workflow)
    return created


def _public_data(data: dict) -> dict:
    return {k: v for k, v in data.items() if not callable(v)}


def _check_actor(row: HumanTask | _StepToComplete, actor: Actor) -> None:
    if actor.holds(row.role):
        return
    if row.role == "pelapor" and actor.holds(ON_BEHALF_OF_REPORTER):
        return
    raise NotYourRole(role=row.role)


def get_task_row(session: Session, task_id: int) -> HumanTask:
    """The task row or NotFound."""
    row = session.get(HumanTask, task_id)
    if row is None:
        raise NotFound(what=f"Langkah {task_id}")
    return row


@dataclass(slots=True)
class _StepToComplete:
    """The columns of the step row a completion reads (the save sets its new state on it, and on the session's
    object of the row, if it holds one: see :func:`_update_steps`)."""

    id: int
    instance_id: int
    task_guid: str
    bpmn_id: str
    role: str
    state: str
    claimed_by: str | None
    form_name: str | None
    completed_by: str | None = None  # set by the completion
    completed_at: datetime | None = None


#: The step row's columns with its instance's and the instance's version's (but the version's deferred ones) as
#: plain columns: the objects are then made from them (attach_loaded), which costs a fraction of the ORM's
#: loading of the instance with its joined version.
_STEP_COLUMNS = (_TASK.c.id, _TASK.c.instance_id, _TASK.c.task_guid, _TASK.c.bpmn_id, _TASK.c.role, _TASK.c.state,
                 _TASK.c.claimed_by, _TASK.c.form_name)
_VERSION_COLUMNS = tuple(prop.columns[0] for prop in sa_inspect(ProcessVersion).column_attrs if not prop.deferred)
_VERSION = ProcessVersion.__table__
_TASK_AND_LOCKED_INSTANCE = (
    select(*_STEP_COLUMNS, *_INSTANCE.columns, *_VERSION_COLUMNS)
    .join(_INSTANCE, _INSTANCE.c.id == _TASK.c.instance_id).join(_VERSION, _VERSION.c.id == _INSTANCE.c.version_id)
    .where(_TASK.c.id == bindparam("task_id")).with_for_update(of=_INSTANCE))
_INSTANCE_KEYS = tuple(column.key for column in _INSTANCE.columns)
_VERSION_KEYS = tuple(column.key for column in _VERSION_COLUMNS)
_INSTANCE_START, _VERSION_START = len(_STEP_COLUMNS), len(_STEP_COLUMNS) + len(_INSTANCE_KEYS)


def _task_and_locked_instance(session: Session, task_id: int) -> tuple[_StepToComplete, ProcessInstance]:
    """The task row and its instance with its version, the instance row-locked (PostgreSQL), in one query.

    The task row may be a moment older than the lock; the workflow loaded under the lock is what
    decides whether the step is still ready, so a concurrent completion is still refused.
    """
    found = session.execute(_TASK_AND_LOCKED_INSTANCE, {"task_id": task_id}).first()
    if found is None:
        raise NotFound(what=f"Langkah {task_id}")
    version = attach_loaded(session, ProcessVersion, dict(zip(_VERSION_KEYS, found[_VERSION_START:], strict=True)))
    instance = attach_loaded(session, ProcessInstance, {
        **dict(zip(_INSTANCE_KEYS, found[_INSTANCE_START:_VERSION_START], strict=True)), "version": version})
    return _StepToComplete(*found[:_INSTANCE_START]), instance


@operation
def complete_task(session: Session, ctx: EngineContext, task_id: int, data: dict, *,
                  actor: Actor) -> Completion:
    """Complete a ready step with its form data as ``actor`` (role, state, claim and data checked)."""
    row, instance = _task_and_locked_instance(session, task_id)
    _check_actor(row, actor)
    if row.state != "ready":
        raise TaskNotReady()
    if row.claimed_by and row.claimed_by != actor.name:
        raise TaskClaimedByOther(user=row.claimed_by)
    workflow = load_workflow(instance, ctx)
    task = workflow.get_task_from_id(UUID(row.task_guid)) if _has_task(workflow, row.task_guid) else None
    if task is None or task.state != TaskState.READY:
        raise TaskNotReady()
    clean = _validated(instance.version, row.form_name, data)
    events = PendingEvents()
    created = _complete(session, ctx, instance, workflow, row, task, clean, actor, events)
    return Completion(instance.id, created, instance.status)


@operation
def complete_reporter_task(session: Session, ctx: EngineContext, tracking_code: str, reporter_key: str,
                           data: dict) -> Completion:
    """The reporter completes the step waiting in the ``pelapor`` lane, proving the complaint's key."""
    instance = find_by_tracking_code(session, tracking_code)
    if not reporter_key or not secrets.compare_digest(_hash(reporter_key), instance.reporter_key_hash or ""):
        raise NotYourRole(role="pelapor")
    row = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                  HumanTask.state == "ready", HumanTask.role == "pelapor")).first()
    if row is None:
        raise TaskNotReady()
    instance = get_instance(session, instance.id, for_update=True)
    workflow = load_workflow(instance, ctx)
    task = workflow.get_task_from_id(UUID(row.task_guid))
    if task.state != TaskState.READY:
        raise TaskNotReady()
    clean = _validated(instance.version, row.form_name, data)
    events = PendingEvents()
    created = _complete(session, ctx, instance, workflow, row, task, clean, reporter(tracking_code), events)
    return Completion(instance.id, created, instance.status)


def check_reporter_key(instance: ProcessInstance, reporter_key: str | None) -> bool:
    """True when ``reporter_key`` is the complaint's secret."""
    return bool(reporter_key) and secrets.compare_digest(_hash(reporter_key), instance.reporter_key_hash or "")


def find_by_tracking_code(session: Session, tracking_code: str) -> ProcessInstance:
    """The complaint with this tracking code, or NotFound."""
    instance = session.scalars(select(ProcessInstance).where(
        ProcessInstance.tracking_code == (tracking_code or "").strip().upper())).first()
    if instance is None:
        raise NotFound(what="Kode pelacakan")
    return instance


def _locked_task_row(session: Session, task_id: int) -> HumanTask:
    """The task row re-read under a row lock (populate_existing: not the copy read before the lock)."""
    return session.scalars(select(HumanTask).where(HumanTask.id == task_id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def _ready_row_not_held_by_other(session: Session, task_id: int, actor: Actor) -> HumanTask:
    """The step's row, locked: the actor's role checked, still ready, not held by someone else."""
    _check_actor(get_task_row(session, task_id), actor)
    locked = _locked_task_row(session, task_id)
    if locked.state != "ready":
        raise TaskNotReady()
    if locked.claimed_by and locked.claimed_by != actor.name:
        raise TaskClaimedByOther(user=locked.claimed_by)
    return locked


def _set_holder(session: Session, ctx: EngineContext, row: HumanTask, holder: str | None, actor: Actor,
                event_type: str) -> None:
    """Record who holds the step (or nobody) and audit the change."""
    now = ctx.clock.now()
    row.claimed_by, row.claimed_at = holder, (now if holder else None)
    events = PendingEvents()
    events.add(event_type, actor=actor.name, at=now, instance_id=row.instance_id, task_guid=row.task_guid,
               bpmn_id=row.bpmn_id)
    append_events(session, events)


@operation
def claim_task(session: Session, ctx: EngineContext, task_id: int, *, actor: Actor) -> HumanTask:
    """Hold a ready step so others see who works on it; refused if someone else holds it."""
    locked = _ready_row_not_held_by_other(session, task_id, actor)
    if locked.claimed_by != actor.name:
        _set_holder(session, ctx, locked, actor.name, actor, "TASK_CLAIMED")
    return locked


@operation
def release_task(session: Session, ctx: EngineContext, task_id: int, *, actor: Actor) -> HumanTask:
    """Give a held step back to the role's pool; only its holder may."""
    locked = _ready_row_not_held_by_other(session, task_id, actor)
    if locked.claimed_by:
        _set_holder(session, ctx, locked, None, actor, "TASK_RELEASED")
    return locked
