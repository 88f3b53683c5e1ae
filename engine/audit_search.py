"""What the auditor looks for: instances by tracking code, period, process, official and status; and the
status of the hash chain (each check is itself recorded in the chain as ``CHAIN_VERIFIED``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .actors import Actor
from .audit import PendingEvents, append_events, verify_chain
from .context import EngineContext
from .errors import InvalidInput
from .models import AuditEvent, AuditHead, ProcessInstance
from .replay import period_bounds
from .runtime import operation

STATUSES = ("running", "completed", "error")
SEARCH_LIMIT = 200


@dataclass
class SearchFilters:
    """The auditor's search; empty fields do not filter."""

    tracking_code: str = ""
    first_day: date | None = None
    last_day: date | None = None
    process_key: str = ""
    official: str = ""
    status: str = ""

    def is_empty(self) -> bool:
        """True when nothing was asked."""
        return not any((self.tracking_code, self.first_day, self.last_day, self.process_key, self.official,
                        self.status))


def parse_day(value: str | None, field: str) -> date | None:
    """``YYYY-MM-DD`` or empty → date or None; anything else is InvalidInput naming ``field``."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(detail=f"{field}: '{value}' bukan tanggal (YYYY-MM-DD).") from None


def search_instances(session: Session, ctx: EngineContext, filters: SearchFilters,
                     limit: int = SEARCH_LIMIT) -> list[ProcessInstance]:
    """Instances matching ``filters``, newest first (at most ``limit``).

    The period is office-local days of the start; ``official`` matches any event's actor (who started,
    claimed or completed something in the instance).
    """
    if filters.status and filters.status not in STATUSES:
        raise InvalidInput(detail=f"status: '{filters.status}' tidak dikenal ({', '.join(STATUSES)}).")
    query = select(ProcessInstance)
    if filters.tracking_code:
        query = query.where(func.upper(ProcessInstance.tracking_code) == filters.tracking_code.strip().upper())
    if filters.first_day and filters.last_day and filters.last_day < filters.first_day:
        raise InvalidInput(detail="Tanggal akhir sebelum tanggal awal.")
    if filters.first_day:
        query = query.where(ProcessInstance.started_at >= period_bounds(ctx, filters.first_day, filters.first_day)[0])
    if filters.last_day:
        query = query.where(ProcessInstance.started_at < period_bounds(ctx, filters.last_day, filters.last_day)[1])
    if filters.process_key:
        query = query.where(ProcessInstance.process_key == filters.process_key)
    if filters.status:
        query = query.where(ProcessInstance.status == filters.status)
    if filters.official:
        query = query.where(ProcessInstance.id.in_(
            select(AuditEvent.instance_id).where(AuditEvent.actor == filters.official.strip())))
    return list(session.scalars(query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
                                .limit(limit)))


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
                       payload.get("broken_seq"), payload.get("reason") or "", payload.get("seconds"))


@operation
def check_chain(session: Session, ctx: EngineContext, *, actor: Actor) -> ChainStatus:
    """Verify the whole chain now and record the outcome as a ``CHAIN_VERIFIED`` event."""
    started = time.perf_counter()
    report = verify_chain(session)
    seconds = round(time.perf_counter() - started, 3)
    events = PendingEvents()
    events.add("CHAIN_VERIFIED", actor=actor.name, at=ctx.clock.now(), ok=report.ok, checked=report.checked,
               broken_seq=report.broken_seq, reason=report.reason, seconds=seconds)
    added = append_events(session, events)
    return ChainStatus(added[0].seq, ctx.clock.now(), actor.name, report.ok, report.checked,
                       report.broken_seq, report.reason, seconds)
