"""The recap processes in the engine: each run is for one period and carries its generated recap.

``processes/recap.json`` names, per recap process, its period (month or semester), the complaints it
covers and its preparing step. When that step becomes ready (the monthly/semester timer fired, or the
kasi started a run on demand) :func:`after_save` — called by the runtime in the same transaction — picks
the run's period, computes the recap (SQL over rows, no workflow loads) and stores it as a *draft*
``recap_snapshot``; a ``recap_run`` row ties the run to its period (unique per process and period).
When the kasi/PPP completes the step, the recap is recomputed with their annotation and **frozen**; the
kabid and kepala dinas steps that follow belong to the same run and show the frozen snapshot. Nothing
of this is written into the workflow, so replay is unaffected.

Which period a timer-started run covers: the oldest period that ended after the recap instance started
and has no run yet (after an outage each missed period gets its own run, see ``engine.periodic``);
when every such period already has a run, the run is marked a duplicate of the latest one.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .audit import PendingEvents, canonical_sha256
from .context import EngineContext
from .errors import InvalidData, InvalidInput, NotFound
from .models import HumanTask, ProcessInstance
from .periodic import ON_DEMAND_KEY
from .recap import compute_recap, mask_recap, month_period, period_from_key, period_key, semester_period
from .recap_models import RecapRun, RecapSnapshot
from .runtime import operation

CONFIG_PATH = Path(__file__).resolve().parent.parent / "processes" / "recap.json"
#: Who the stored snapshot is computed for: an official reading a report (rahasia content is masked
#: in the stored document all the same, since this viewer is the system).
RECAP_WRITER = Actor("system:recap", frozenset(), "system")
#: How many periods back a timer-started run looks for a period without a recap.
LOOKBACK_PERIODS = 24


@lru_cache(maxsize=1)
def recap_config() -> dict[str, dict]:
    """Recap process key → its configuration (``processes/recap.json``)."""
    data = json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if not key.startswith("_")}


def periods_before(kind: str, at: date, count: int) -> list[tuple[date, date]]:
    """The ``count`` periods of ``kind`` that ended before ``at``, newest first."""
    out = []
    if kind == "semester":
        year, half = at.year, 1 if at.month <= 6 else 2
        for _ in range(count):
            year, half = (year, 1) if half == 2 else (year - 1, 2)
            out.append(semester_period(year, half))
    else:
        index = at.year * 12 + at.month - 1
        for _ in range(count):
            index -= 1
            out.append(month_period(index // 12, index % 12 + 1))
    return out


def _compute(session: Session, ctx: EngineContext, config: dict, start: date, end: date) -> dict:
    return compute_recap(session, ctx, process_keys=config["scope"], period_start=start, period_end=end,
                         viewer=RECAP_WRITER, purpose="report")


def _choose_period(session: Session, ctx: EngineContext, process_key: str, config: dict,
                   instance: ProcessInstance, workflow) -> tuple[date, date, bool]:
    """(start, end, is_duplicate) for a new run of ``instance``."""
    requested = workflow.data.get(ON_DEMAND_KEY) if workflow is not None else None
    taken = set(session.scalars(select(RecapRun.period_key).where(RecapRun.process_key == process_key,
                                                                  RecapRun.duplicate_of.is_(None))))
    if requested:
        start, end = period_from_key(str(requested))
        return start, end, period_key(start, end) in taken
    tz = ctx.calendar.tz
    today = ctx.clock.now().astimezone(tz).date()
    started = instance.started_at.astimezone(tz).date()
    candidates = [p for p in periods_before(config["period"], today, LOOKBACK_PERIODS) if p[1] >= started]
    for start, end in reversed(candidates):  # oldest first
        if period_key(start, end) not in taken:
            return start, end, False
    start, end = periods_before(config["period"], today, 1)[0]
    return start, end, True


def after_save(session: Session, ctx: EngineContext, instance: ProcessInstance, workflow,
               created: list[HumanTask], events: PendingEvents, actor: Actor) -> None:
    """Runtime hook (same transaction): open runs for new preparing steps, follow and freeze runs."""
    config = recap_config().get(instance.process_key)
    if config is None:
        return
    now = ctx.clock.now()
    runs = list(session.scalars(select(RecapRun).where(RecapRun.instance_id == instance.id)))
    for row in created:
        if row.bpmn_id == config["prepare_step"]:
            runs.append(_open_run(session, ctx, instance, workflow, row, config, events, actor))
    if not runs:
        return
    done = {r.task_guid: r for r in session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state == "completed", HumanTask.completed_at == now))}
    for run in runs:
        guids = list(run.task_guids or [])
        if any(guid in done for guid in guids):
            # steps that became ready in the operation that completed a step of this run belong to it
            followers = [r.task_guid for r in created if r.bpmn_id != config["prepare_step"]]
            if followers:
                run.task_guids = guids + [g for g in followers if g not in guids]
        if run.task_guid in done:
            snapshot = session.get(RecapSnapshot, run.snapshot_id)
            if snapshot is not None and snapshot.state == "draft":
                note = _task_value(workflow, run.task_guid, config.get("note_field"))
                _freeze(session, ctx, snapshot, config, note, done[run.task_guid].completed_by or actor.name, events)


def _task_value(workflow, guid: str, field: str | None) -> str:
    if workflow is None or not field:
        return ""
    try:
        task = workflow.get_task_from_id(UUID(guid))
    except Exception:  # noqa: BLE001 - a task no longer in the tree
        return ""
    return str((task.data or {}).get(field) or "") if task is not None else ""


def _open_run(session: Session, ctx: EngineContext, instance: ProcessInstance, workflow, row: HumanTask,
              config: dict, events: PendingEvents, actor: Actor) -> RecapRun:
    start, end, duplicate = _choose_period(session, ctx, instance.process_key, config, instance, workflow)
    key = period_key(start, end)
    now = ctx.clock.now()
    original = None
    if duplicate:
        original = session.scalars(select(RecapRun).where(RecapRun.process_key == instance.process_key,
                                                          RecapRun.period_key == key,
                                                          RecapRun.duplicate_of.is_(None))).first()
    if original is not None:
        snapshot_id = original.snapshot_id
    else:
        data = _compute(session, ctx, config, start, end)
        snapshot = RecapSnapshot(process_key=instance.process_key, scope=",".join(data["scope"]["processes"]),
                                 period_key=key, period_start=start, period_end=end, state="draft", data=data,
                                 sha256=canonical_sha256(data), created_at=now, created_by=actor.name)
        session.add(snapshot)
        session.flush()
        snapshot_id = snapshot.id
    run = RecapRun(process_key=instance.process_key, period_key=key, instance_id=instance.id,
                   task_guid=row.task_guid, task_guids=[row.task_guid], snapshot_id=snapshot_id,
                   trigger="on_demand" if workflow is not None and workflow.data.get(ON_DEMAND_KEY) else "timer",
                   duplicate_of=original.id if original is not None else None, created_at=now)
    session.add(run)
    session.flush()
    events.add("RECAP_GENERATED", actor=actor.name, at=now, instance_id=instance.id, task_guid=row.task_guid,
               bpmn_id=row.bpmn_id, period=key, snapshot_id=snapshot_id, trigger=run.trigger,
               duplicate_of=run.duplicate_of)
    return run


def _freeze(session: Session, ctx: EngineContext, snapshot: RecapSnapshot, config: dict, note: str,
            by: str, events: PendingEvents) -> None:
    now = ctx.clock.now()
    data = _compute(session, ctx, config, snapshot.period_start, snapshot.period_end)
    data["note"] = note
    snapshot.data, snapshot.sha256, snapshot.note = data, canonical_sha256(data), note
    snapshot.state, snapshot.frozen_at, snapshot.frozen_by = "frozen", now, by
    events.add("RECAP_FROZEN", actor=by, at=now, snapshot_id=snapshot.id, period=snapshot.period_key,
               process_key=snapshot.process_key, sha256=snapshot.sha256)


# -- reading ---------------------------------------------------------------------------------------

def run_for_task(session: Session, task: HumanTask) -> RecapRun | None:
    """The recap run a step (preparing, receiving or archiving) belongs to, or None."""
    if task.process_key not in recap_config():
        return None
    for run in session.scalars(select(RecapRun).where(RecapRun.instance_id == task.instance_id)
                               .order_by(RecapRun.id.desc())):
        if task.task_guid in (run.task_guids or []):
            return run
    return None


def snapshot_for_task(session: Session, task: HumanTask) -> RecapSnapshot | None:
    """The recap a step carries (draft while the kasi reviews it, frozen afterwards), or None."""
    run = run_for_task(session, task)
    return session.get(RecapSnapshot, run.snapshot_id) if run is not None else None


def get_snapshot(session: Session, snapshot_id: int) -> RecapSnapshot:
    """A stored recap or NotFound."""
    snapshot = session.get(RecapSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(what=f"Rekap {snapshot_id}")
    return snapshot


def snapshot_report(snapshot: RecapSnapshot, viewer: Actor, purpose: str = "report") -> dict:
    """The snapshot's report masked for ``viewer`` (plus ``snapshot`` metadata: id, state, sha256 …)."""
    report = mask_recap(snapshot.data, viewer, purpose)
    report["snapshot"] = {"id": snapshot.id, "state": snapshot.state, "sha256": snapshot.sha256,
                          "period_key": snapshot.period_key, "process": snapshot.process_key,
                          "note": snapshot.note, "created_at": _iso(snapshot.created_at),
                          "frozen_at": _iso(snapshot.frozen_at), "frozen_by": snapshot.frozen_by}
    return report


def runs_for_period(session: Session, process_key: str, period: str) -> list[RecapRun]:
    """The runs of a recap process for a period key (empty when the key is unreadable)."""
    try:
        start, end = period_from_key(period)
    except InvalidData:
        return []
    return list(session.scalars(select(RecapRun).where(RecapRun.process_key == process_key,
                                                       RecapRun.period_key == period_key(start, end))))


def verify_snapshot(snapshot: RecapSnapshot) -> bool:
    """True when the stored JSON still matches its sha256."""
    return canonical_sha256(snapshot.data) == snapshot.sha256


def list_snapshots(session: Session, process_key: str | None = None, limit: int = 100) -> list[RecapSnapshot]:
    """Stored recaps, newest period first."""
    query = select(RecapSnapshot).order_by(RecapSnapshot.period_start.desc(), RecapSnapshot.id.desc()).limit(limit)
    if process_key:
        query = query.where(RecapSnapshot.process_key == process_key)
    return list(session.scalars(query))


@operation
def start_recap(session: Session, ctx: EngineContext, process_key: str, period: str, *,
                actor: Actor) -> RecapRun:
    """Start a run of a recap process for a chosen period on demand (idempotent: an existing run for the
    period is returned). The actor must hold the preparing step's role (kasi)."""
    config = recap_config().get(process_key)
    if config is None:
        raise InvalidData({"process": ("field_invalid", {"detail": f"'{process_key}' bukan proses rekap"})})
    start, end = period_from_key(period)
    key = period_key(start, end)
    monthly = len(key) == 7 and "-S" not in key
    if (config["period"] == "month") != monthly or ".." in key:
        wanted = "satu bulan (TTTT-BB)" if config["period"] == "month" else "satu semester (TTTT-S1/S2)"
        raise InvalidData({"period": ("field_invalid", {"detail": f"pilih {wanted}"})})
    tz = ctx.calendar.tz
    if datetime.combine(start, datetime.min.time(), tzinfo=tz) > ctx.clock.now():
        raise InvalidData({"period": ("field_invalid", {"detail": "periode belum dimulai"})})
    existing = session.scalars(select(RecapRun).where(RecapRun.process_key == process_key,
                                                      RecapRun.period_key == key,
                                                      RecapRun.duplicate_of.is_(None))).first()
    if existing is not None:
        return existing
    from .repository import latest_version
    from .runtime import _check_start_allowed, _save, _start

    version = latest_version(session, process_key)
    events = PendingEvents()
    instance, workflow = _start(session, ctx, version, {ON_DEMAND_KEY: key}, actor, events)
    _check_start_allowed(version, workflow, actor)
    _save(session, ctx, instance, workflow, events, actor)
    run = session.scalars(select(RecapRun).where(RecapRun.instance_id == instance.id)).first()
    if run is None:
        raise InvalidInput(detail=f"'{process_key}' tidak memulai langkah {config['prepare_step']}")
    return run


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


__all__ = ["after_save", "canonical_sha256", "get_snapshot", "list_snapshots", "periods_before", "recap_config",
           "runs_for_period", "run_for_task", "snapshot_for_task", "snapshot_report", "start_recap", "verify_snapshot"]
