"""What the auditor looks for: instances by tracking code, period, process, official and status (the chain's
status and its checks are in ``engine.chain_checks``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .context import EngineContext
from .errors import InvalidInput
from .models import AuditEvent, ProcessInstance
from .replay import period_bounds

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
