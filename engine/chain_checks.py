"""Checking the whole hash chain without holding anyone up, and what the last check found.

A check of a million events takes about a minute, so the auditor's page only *asks* for one
(:func:`request_check`: a ``chain_check`` row, at most one under way whichever web worker was asked) and a
background thread runs it (:func:`run_check`). The verification itself reads outside any write transaction;
the running check writes its progress and a heartbeat after each batch in short transactions of their own,
so every worker's page shows how far it is, and a check whose process died (its heartbeat older than
:data:`STALE_AFTER`) is abandoned by the next request instead of blocking checks forever. The outcome is
recorded in the chain itself as a ``CHAIN_VERIFIED`` event, by whoever asked; ``alur audit verify`` runs the
same check in its own process and records it the same way (:func:`check_now`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .audit import ChainReport, PendingEvents, append_events, verify_chain
from .audit_models import ChainCheck
from .context import EngineContext
from .errors import NotFound
from .models import AuditEvent, AuditHead
from .runtime import operation

log = logging.getLogger(__name__)

#: A check under way whose heartbeat is older than this has died with its process (a batch takes ~1 s).
STALE_AFTER = timedelta(minutes=2)
UNDER_WAY = ("queued", "running")


@dataclass
class ChainStatus:
    """The latest recorded chain check and the chain's current head."""

    head_seq: int
    checked_at: datetime | None = None
    checked_by: str | None = None
    ok: bool | None = None
    checked: int = 0
    broken_seq: int | None = None
    reason: str = ""
    seconds: float | None = None
    code: str = ""


def chain_status(session: Session) -> ChainStatus:
    """The head of the chain and the outcome of the most recent ``CHAIN_VERIFIED`` event (if any)."""
    head = session.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
    last = session.execute(select(AuditEvent.at, AuditEvent.actor, AuditEvent.payload)
                           .where(AuditEvent.type == "CHAIN_VERIFIED")
                           .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if last is None:
        return ChainStatus(head)
    payload = last.payload or {}
    return ChainStatus(head, last.at, last.actor, bool(payload.get("ok")), int(payload.get("checked") or 0),
                       payload.get("broken_seq"), payload.get("reason") or "", payload.get("seconds"),
                       payload.get("code") or "")


def latest_check(session: Session) -> ChainCheck | None:
    """The newest chain check (under way or finished), if any."""
    return session.scalars(select(ChainCheck).order_by(ChainCheck.id.desc()).limit(1)).first()


def is_stale(check: ChainCheck, now: datetime) -> bool:
    """True when a check under way has not written its heartbeat for :data:`STALE_AFTER`."""
    return check.state in UNDER_WAY and now - check.heartbeat_at > STALE_AFTER


def check_as_dict(check: ChainCheck | None, now: datetime) -> dict | None:
    """JSON-ready state of a check (for the page's polling and the API)."""
    if check is None:
        return None
    return {"id": check.id, "state": "stale" if is_stale(check, now) else check.state,
            "requested_by": check.requested_by, "requested_at": check.requested_at.isoformat(),
            "started_at": check.started_at.isoformat() if check.started_at else None,
            "finished_at": check.finished_at.isoformat() if check.finished_at else None,
            "checked": check.checked, "total": check.total, "ok": check.ok, "broken_seq": check.broken_seq,
            "code": check.code, "seconds": check.seconds, "error": check.error, "event_seq": check.event_seq}


@operation
def request_check(session: Session, ctx: EngineContext, *, actor: Actor) -> tuple[ChainCheck, bool]:
    """Queue a check of the whole chain unless one is under way: (the check, whether it is new).

    A check under way whose heartbeat went stale is marked ``abandoned`` and a new one is queued. Two
    workers asking at the same moment cannot both queue one (unique index; the loser gets ConcurrentUpdate).
    """
    now = ctx.clock.now()
    current = session.scalars(select(ChainCheck).where(ChainCheck.under_way.is_(True))
                              .with_for_update()).first()
    if current is not None and not is_stale(current, now):
        return current, False
    if current is not None:
        current.state, current.under_way, current.finished_at = "abandoned", None, now
        current.error = f"no progress since {current.heartbeat_at.isoformat()}"
        session.flush()  # the slot is free before the new check takes it
    head = session.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0  # the length it will check
    check = ChainCheck(state="queued", under_way=True, requested_by=actor.name, requested_at=now, heartbeat_at=now,
                       total=head, checked=0, code="", error="")
    session.add(check)
    session.flush()
    return check, True


def _locked(session: Session, check_id: int) -> ChainCheck:
    check = session.get(ChainCheck, check_id, with_for_update=True, populate_existing=True)
    if check is None:
        raise NotFound(what=f"Pemeriksaan rantai {check_id}")
    return check


@operation
def _claim(session: Session, ctx: EngineContext, check_id: int) -> bool:
    """queued → running; False when another process took it (or it was abandoned meanwhile)."""
    check = _locked(session, check_id)
    if check.state != "queued":
        return False
    check.state, check.started_at, check.heartbeat_at = "running", ctx.clock.now(), ctx.clock.now()
    return True


@operation
def _progress(session: Session, ctx: EngineContext, check_id: int, checked: int, total: int) -> None:
    check = _locked(session, check_id)
    check.checked, check.total, check.heartbeat_at = checked, total, ctx.clock.now()


@operation
def _record(session: Session, ctx: EngineContext, check_id: int, report: ChainReport, seconds: float) -> ChainCheck:
    """The outcome on the row and in the chain (``CHAIN_VERIFIED`` by whoever asked for the check)."""
    check = _locked(session, check_id)
    now = ctx.clock.now()
    events = PendingEvents()
    events.add("CHAIN_VERIFIED", actor=check.requested_by, at=now, ok=report.ok, checked=report.checked,
               broken_seq=report.broken_seq, reason=report.reason, code=report.code, seconds=seconds,
               check_id=check.id)
    event = append_events(session, events)[0]
    check.state, check.under_way, check.finished_at, check.heartbeat_at = "done", None, now, now
    check.checked, check.total = report.checked, max(check.total, report.checked)
    check.ok, check.broken_seq, check.code, check.seconds = report.ok, report.broken_seq, report.code, seconds
    check.event_seq = event.seq
    return check


@operation
def _fail(session: Session, ctx: EngineContext, check_id: int, error: str) -> None:
    check = _locked(session, check_id)
    check.state, check.under_way, check.finished_at, check.error = "failed", None, ctx.clock.now(), error[:2000]


def _verify_and_record(session_factory: Callable[[], Session], ctx: EngineContext, check_id: int,
                       batch: int) -> ChainCheck:
    def progress(checked: int, total: int) -> None:
        with session_factory() as session:
            _progress(session, ctx, check_id, checked, total)

    started = time.perf_counter()
    try:
        with session_factory() as reader:  # reads only: no write transaction is held while it runs
            report = verify_chain(reader, batch=batch, progress=progress)
            reader.rollback()
        with session_factory() as session:
            return _record(session, ctx, check_id, report, round(time.perf_counter() - started, 3))
    except Exception as error:
        with session_factory() as session:
            _fail(session, ctx, check_id, f"{type(error).__name__}: {error}")
        raise


def run_check(session_factory: Callable[[], Session], ctx: EngineContext, check_id: int,
              batch: int = 10000) -> ChainCheck | None:
    """Run a queued check to its end (the background thread's work); None if another process took it.

    A failure is recorded on the row (``failed`` with the error) and raised again.
    """
    with session_factory() as session:
        if not _claim(session, ctx, check_id):
            return None
    return _verify_and_record(session_factory, ctx, check_id, batch)


@operation
def _start_now(session: Session, ctx: EngineContext, actor: Actor) -> ChainCheck:
    now = ctx.clock.now()
    check = ChainCheck(state="running", under_way=None, requested_by=actor.name, requested_at=now, started_at=now,
                       heartbeat_at=now, total=0, checked=0, code="", error="")
    session.add(check)
    session.flush()
    return check


def check_now(session_factory: Callable[[], Session], ctx: EngineContext, *, actor: Actor,
              batch: int = 10000) -> ChainCheck:
    """Check the whole chain in this process and record the outcome (``alur audit verify``).

    It does not take the page's slot: an operator's check runs even while a background one is under way.
    """
    with session_factory() as session:
        check = _start_now(session, ctx, actor)
    return _verify_and_record(session_factory, ctx, check.id, batch)
