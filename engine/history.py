"""An instance's history read from the audit log: event rows, step durations and the diagram states.

Everything here is computed from ``audit_event`` rows (the diagram's path through gateways and events
additionally from a replay of that log); what a viewer may see of a complaint's data goes through
``engine.visibility``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from .actors import Actor
from .context import EngineContext
from .errors import NotFound, VersionMissing
from .models import AuditEvent, ProcessInstance, ProcessVersion
from .replay import instance_events, migration_target, pinned_version, replay_instance
from .visibility import visible_data, visible_event


def get_instance_or_404(session: Session, instance_id: int) -> ProcessInstance:
    """The instance or NotFound."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(what=f"Instans {instance_id}")
    return instance


def masked_event(instance: ProcessInstance, event: AuditEvent, viewer: Actor, purpose: str = "audit") -> dict:
    """An event as ``viewer`` may see it (complaint data in before/after and payload masked)."""
    row = {"seq": event.seq, "at": event.at.isoformat(), "actor": event.actor, "type": event.type,
           "instance_id": event.instance_id, "task_guid": event.task_guid, "bpmn_id": event.bpmn_id,
           "data_before": event.data_before, "data_after": event.data_after,
           "payload": dict(event.payload or {}), "hash": event.hash, "prev_hash": event.prev_hash}
    return visible_event(instance, row, viewer, purpose)


def history_rows(session: Session, instance_id: int, viewer: Actor, purpose: str = "audit") -> list[dict]:
    """The instance's events in order: seq, at, actor, type, bpmn_id, data before/after, payload, hash."""
    instance = get_instance_or_404(session, instance_id)
    return [masked_event(instance, e, viewer, purpose) for e in instance_events(session, instance_id)]


def data_changes(before: dict | None, after: dict | None) -> list[dict]:
    """Fields whose value differs between ``before`` and ``after``: [{field, before, after}]."""
    before, after = before or {}, after or {}
    return [{"field": key, "before": before.get(key), "after": after.get(key)}
            for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


@dataclass
class StepTime:
    """One user task as it happened: when it became ready, who ended it, office time vs the SOP's time."""

    bpmn_id: str
    name: str
    role: str
    ready_at: datetime
    ended_at: datetime | None
    outcome: str  # completed | cancelled | open
    actor: str | None
    office_seconds: float
    standard_seconds: float | None

    @property
    def over_standard(self) -> bool:
        """True when the step took longer (office time) than its standard time."""
        return self.standard_seconds is not None and self.office_seconds > self.standard_seconds


def step_times(session: Session, ctx: EngineContext, instance_id: int) -> list[StepTime]:
    """Every user task of the instance with its office-time duration against the SOP's standard time.

    The standard is the one of the version in force when the step ended (a migration gives the waiting step
    the new version's standard time, as the runtime does with its row); an open step's is the current one.
    """
    instance = get_instance_or_404(session, instance_id)
    events = instance_events(session, instance_id)
    try:
        along = versions_along(session, instance, events)
    except VersionMissing:  # the timeline still shows, with the current version's standard times
        along = {}

    def standard(event: AuditEvent | None, bpmn_id: str) -> dict:
        version = along.get(event.seq) if event is not None else None
        version = version or instance.version
        return ((version.summary or {}).get("user_tasks", {}) if version else {}).get(bpmn_id, {})

    steps: dict[str, StepTime] = {}
    for event in events:
        guid = event.task_guid or ""
        if event.type == "TASK_ACTIVATED":
            info = standard(event, event.bpmn_id or "")
            steps[guid] = StepTime(event.bpmn_id or "", event.payload.get("name") or info.get("name") or "",
                                   event.payload.get("role", ""), event.at, None, "open", None, 0.0,
                                   standard(None, event.bpmn_id or "").get("standard_seconds"))
        elif event.type in ("TASK_COMPLETED", "TASK_CANCELLED") and guid in steps:
            item = steps[guid]
            item.ended_at, item.actor = event.at, event.actor if event.type == "TASK_COMPLETED" else None
            item.outcome = "completed" if event.type == "TASK_COMPLETED" else "cancelled"
            item.standard_seconds = standard(event, item.bpmn_id).get("standard_seconds")
    now = ctx.clock.now()
    for item in steps.values():
        end = item.ended_at or (instance.completed_at if instance.status != "running" else now)
        item.office_seconds = ctx.calendar.office_seconds_between(item.ready_at, end or now)
    return list(steps.values())


def _path_snapshots(session: Session, ctx: EngineContext, instance_id: int) -> tuple[dict[int, list[str]], dict | None]:
    """bpmn ids of every completed element (events, gateways, tasks) after each event, from a replay."""
    snapshots: dict[int, list[str]] = {}

    def observe(event: AuditEvent, workflow) -> None:
        snapshots[event.seq] = sorted({t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)
                                       if t.task_spec.bpmn_id})

    try:
        result = replay_instance(session, ctx, instance_id, observe=observe)
    except VersionMissing:
        return {}, None
    return snapshots, result.divergence


def versions_along(session: Session, instance: ProcessInstance,
                   events: list[AuditEvent]) -> dict[int, ProcessVersion]:
    """The version the instance was on after each event (seq → version): the pinned one, then the target of
    each ``INSTANCE_MIGRATED`` and back on ``INSTANCE_MIGRATION_REVERTED``. VersionMissing if one is gone."""
    started = next((e for e in events if e.type == "INSTANCE_STARTED"), None)
    current = pinned_version(session, instance, started)
    before: list[ProcessVersion] = []
    out: dict[int, ProcessVersion] = {}
    for event in events:
        if event.type == "INSTANCE_MIGRATED":
            before.append(current)
            current = migration_target(session, instance, event)
        elif event.type == "INSTANCE_MIGRATION_REVERTED" and before:
            current = before.pop()
        out[event.seq] = current
    return out


def diagram_states(session: Session, ctx: EngineContext, instance_id: int, viewer: Actor) -> dict:
    """Per-event diagram states: after each event, the completed, active and cancelled elements and the data.

    ``{"instance_id", "version", "versions", "states": [{"seq","at","type","bpmn_id","actor","version",
    "completed","active","cancelled","fired","path","data"}], "divergence"}``: ``version`` is the pinned
    version's number, ``versions`` every version the instance ran on (number → id) and each state's
    ``version`` the one it was on after that event (it changes at a migration).
    """
    instance = get_instance_or_404(session, instance_id)
    events = instance_events(session, instance_id)
    try:
        along = versions_along(session, instance, events)
        version: ProcessVersion | None = along[events[0].seq] if events else None
    except VersionMissing:
        along, version = {}, None
    snapshots, divergence = _path_snapshots(session, ctx, instance_id) if version else ({}, None)
    active: dict[str, str] = {}
    completed: set[str] = set()
    cancelled: set[str] = set()
    fired: set[str] = set()
    data: dict = {}
    path: list[str] = []
    states = []
    for event in events:
        guid, bpmn_id = event.task_guid or "", event.bpmn_id or ""
        if event.type == "INSTANCE_STARTED":
            data.update(event.data_after or {})
        elif event.type == "TASK_ACTIVATED":
            active[guid] = bpmn_id
        elif event.type == "TASK_COMPLETED":
            active.pop(guid, None)
            completed.add(bpmn_id)
            data.update(event.data_after or {})
        elif event.type == "TASK_CANCELLED":
            active.pop(guid, None)
            cancelled.add(bpmn_id)
        elif event.type == "TIMER_FIRED":
            fired.add(bpmn_id)
        current = set(active.values())
        path = snapshots.get(event.seq, path)  # events replay does not compare keep the path before them
        states.append({
            "seq": event.seq, "at": event.at.isoformat(), "type": event.type, "bpmn_id": event.bpmn_id,
            "actor": event.actor, "version": along[event.seq].version if event.seq in along else None,
            "active": sorted(current), "completed": sorted(completed - current),
            "cancelled": sorted(cancelled - current - completed), "fired": sorted(fired),
            "path": path, "data": visible_data(instance, dict(data), viewer, "audit"),
        })
    return {"instance_id": instance.id, "process_key": instance.process_key,
            "version": version.version if version else None,
            "versions": {v.version: v.id for v in along.values()}, "states": states, "divergence": divergence}
