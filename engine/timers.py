"""The timer worker: fire due timers, one instance per transaction, each timer exactly once.

SpiffWorkflow never fires a timer by itself; a sweep does. It reads only due ``timer`` rows (index
``ix_timer_due`` on state, due_at), then for each instance opens its own transaction: on PostgreSQL it
locks the instance row with ``SELECT … FOR UPDATE SKIP LOCKED`` (an instance another worker holds is
skipped, that worker fires it), re-checks under the lock that a timer is still waiting and due, loads
the workflow, lets SpiffWorkflow fire what is due at the injected clock and saves rows and audit events
(``TIMER_FIRED`` by ``system:timer``, ``ESCALATION_RAISED`` for every escalation step that became ready).
On SQLite there is one writer at a time; a second worker that raced on the same instance fails the
instance's version check and changes nothing. Either way a timer fires once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .actors import SYSTEM_TIMER, Actor
from .audit import PendingEvents
from .context import EngineContext
from .errors import AlurError, ConcurrentUpdate
from .models import ProcessInstance, Timer
from .runtime import _run_engine, _save, load_workflow, operation

log = logging.getLogger(__name__)

#: Instances fired per pass of a sweep (each in its own transaction).
DEFAULT_BATCH = 200


@dataclass
class SweepResult:
    """What one sweep did."""

    fired: int = 0  # timers that fired
    instances: int = 0  # instances saved with at least one fired timer
    skipped: int = 0  # instances held by another worker, or already fired by it
    failed: int = 0  # instances whose firing raised (rolled back; tried again next sweep)
    failed_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-able counts."""
        return {"fired": self.fired, "instances": self.instances, "skipped": self.skipped, "failed": self.failed}


def due_instance_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Instances with a waiting timer due at ``now``, earliest deadline first (reads only due rows)."""
    query = (select(Timer.instance_id)
             .where(Timer.state == "waiting", Timer.due_at < now)
             .group_by(Timer.instance_id)
             .order_by(func.min(Timer.due_at), Timer.instance_id)
             .limit(limit))
    return list(session.scalars(query))


def _lock_instance(session: Session, instance_id: int) -> ProcessInstance | None:
    """The instance row, locked for this transaction; None when another worker holds it (PostgreSQL)."""
    query = (select(ProcessInstance).where(ProcessInstance.id == instance_id)
             .with_for_update(skip_locked=True, of=ProcessInstance)
             .execution_options(populate_existing=True))
    return session.scalars(query).first()


@operation
def fire_instance_timers(session: Session, ctx: EngineContext, instance_id: int, *,
                         actor: Actor = SYSTEM_TIMER) -> int | None:
    """Fire the due timers of one instance (one transaction); the number fired, None if skipped.

    Skipped means: another worker holds the instance, or under the lock no timer is waiting and due
    any more (that worker fired it already).
    """
    instance = _lock_instance(session, instance_id)
    if instance is None:
        return None
    now = ctx.clock.now()
    waiting = list(session.scalars(select(Timer).where(Timer.instance_id == instance_id,
                                                       Timer.state == "waiting")))
    if not any(row.due_at < now for row in waiting):  # SpiffWorkflow fires strictly after
        return None
    if instance.status != "running":
        # a finished instance keeps no timers; rows left behind would be swept forever
        session.execute(update(Timer).where(Timer.instance_id == instance_id, Timer.state == "waiting")
                        .values(state="cancelled"))
        return 0
    due_before = {row.id: row.due_at for row in waiting}
    workflow = load_workflow(instance, ctx)
    _run_engine(workflow)  # refresh_timers() fires what is due at ctx.clock, then the engine steps run
    _save(session, ctx, instance, workflow, PendingEvents(), actor)
    # a fired timer's row is marked fired; a cycle timer's row moves on to its next occurrence
    return sum(1 for row in waiting if row.state == "fired" or row.due_at != due_before[row.id])


def sweep_due_timers(session_factory: Callable[[], Session], ctx: EngineContext, *,
                     actor: Actor = SYSTEM_TIMER, batch: int = DEFAULT_BATCH,
                     max_instances: int | None = None) -> SweepResult:
    """Fire every timer due at ``ctx.clock``, each instance in its own transaction; return the counts.

    Safe to run in several workers at once: each timer fires exactly once.
    """
    result = SweepResult()
    passed_over: set[int] = set()  # skipped or failed in this sweep: not tried again before the next
    while max_instances is None or result.instances + len(passed_over) < max_instances:
        with session_factory() as session:
            candidates = due_instance_ids(session, ctx.clock.now(), batch + len(passed_over))
        todo = [i for i in candidates if i not in passed_over][:batch]
        if not todo:
            break
        random.shuffle(todo)  # concurrent workers then meet on fewer instances
        for instance_id in todo:
            if not _fire_one(session_factory, ctx, instance_id, actor, result):
                passed_over.add(instance_id)
    return result


def _fire_one(session_factory, ctx: EngineContext, instance_id: int, actor: Actor,
              result: SweepResult) -> int | None:
    with session_factory() as session:
        try:
            fired = fire_instance_timers(session, ctx, instance_id, actor=actor)
        except ConcurrentUpdate:
            fired = None  # changed by someone else meanwhile (SQLite's single writer): next sweep looks again
        except (AlurError, Exception) as error:  # noqa: BLE001 - one broken instance must not stop the sweep
            log.warning("timer of instance %s failed: %s", instance_id, error)
            result.failed += 1
            result.failed_ids.append(instance_id)
            return None
    if fired is None:
        result.skipped += 1
    else:
        result.fired += fired
        result.instances += 1 if fired else 0
    return fired
