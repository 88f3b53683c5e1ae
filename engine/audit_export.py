"""History exports for external auditors: an instance's or a period's audit events as CSV or JSON.

Rows are streamed (keyset batches of plain column rows), and every event that belongs to a complaint
passes through ``engine.visibility.visible_event`` with purpose ``export``: hidden identities (and the
content of *rahasia* complaints) are masked unless the viewer holds the right to see them. A masked row
keeps its recorded hash, so the file shows the chain's hashes but masked rows cannot be re-hashed by the
reader; ``alur audit verify`` checks the stored events.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .context import EngineContext
from .errors import InvalidInput
from .history import get_instance_or_404
from .models import AuditEvent, ProcessInstance
from .replay import period_bounds
from .visibility import visible_event

COLUMNS = ("seq", "at", "actor", "type", "instance_id", "tracking_code", "task_guid", "bpmn_id",
           "data_before", "data_after", "payload", "prev_hash", "hash")
JSON_COLUMNS = ("data_before", "data_after", "payload")
FORMATS = ("csv", "json")
MAX_PERIOD_DAYS = 366
_BATCH = 2000
_EVENT_COLUMNS = (AuditEvent.seq, AuditEvent.at, AuditEvent.actor, AuditEvent.type, AuditEvent.instance_id,
                  AuditEvent.task_guid, AuditEvent.bpmn_id, AuditEvent.data_before, AuditEvent.data_after,
                  AuditEvent.payload, AuditEvent.prev_hash, AuditEvent.hash)


def check_format(value: str | None) -> str:
    """``csv`` or ``json`` (default ``csv``); anything else is InvalidInput naming the field."""
    value = (value or "csv").strip().lower()
    if value not in FORMATS:
        raise InvalidInput(detail=f"format: '{value}' tidak didukung (csv atau json).")
    return value


def check_period(first_day: date | None, last_day: date | None) -> tuple[date, date]:
    """Both days given, in order, at most ``MAX_PERIOD_DAYS`` apart."""
    if first_day is None or last_day is None:
        raise InvalidInput(detail="from/to: tanggal awal dan akhir wajib diisi (YYYY-MM-DD).")
    if last_day < first_day:
        raise InvalidInput(detail="to: tanggal akhir sebelum tanggal awal.")
    if (last_day - first_day).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(detail=f"from/to: periode paling lama {MAX_PERIOD_DAYS} hari.")
    return first_day, last_day


def _instances(session: Session, ids: set[int]) -> dict[int, SimpleNamespace]:
    """What masking needs of each instance (no workflow state is loaded)."""
    if not ids:
        return {}
    rows = session.execute(select(ProcessInstance.id, ProcessInstance.tracking_code, ProcessInstance.anonymity,
                                  ProcessInstance.started_by).where(ProcessInstance.id.in_(ids)))
    return {row.id: SimpleNamespace(id=row.id, tracking_code=row.tracking_code, anonymity=row.anonymity,
                                    started_by=row.started_by) for row in rows}


def _rows(session: Session, viewer: Actor, *conditions) -> Iterator[dict]:
    """Matching events in chain order, masked for ``viewer`` (purpose ``export``)."""
    last_seq = 0
    cache: dict[int, SimpleNamespace] = {}
    while True:
        batch = session.execute(select(*_EVENT_COLUMNS).where(AuditEvent.seq > last_seq, *conditions)
                                .order_by(AuditEvent.seq).limit(_BATCH)).all()
        if not batch:
            return
        missing = {row.instance_id for row in batch if row.instance_id is not None} - set(cache)
        cache.update(_instances(session, missing))
        for row in batch:
            instance = cache.get(row.instance_id) if row.instance_id is not None else None
            event = {"seq": row.seq, "at": row.at.isoformat(), "actor": row.actor, "type": row.type,
                     "instance_id": row.instance_id,
                     "tracking_code": instance.tracking_code if instance is not None else None,
                     "task_guid": row.task_guid, "bpmn_id": row.bpmn_id, "data_before": row.data_before,
                     "data_after": row.data_after, "payload": dict(row.payload or {}),
                     "prev_hash": row.prev_hash, "hash": row.hash}
            yield visible_event(instance, event, viewer, "export")
        last_seq = batch[-1].seq
        if len(cache) > 5000:  # keep memory flat on long periods
            cache.clear()


def instance_history(session: Session, instance_id: int, viewer: Actor) -> Iterator[dict]:
    """Every event of one instance (NotFound for an unknown id, raised before anything is streamed)."""
    get_instance_or_404(session, instance_id)
    return _rows(session, viewer, AuditEvent.instance_id == instance_id)


def period_history(session: Session, ctx: EngineContext, first_day: date, last_day: date,
                   viewer: Actor) -> Iterator[dict]:
    """Every event recorded on the office-local days ``first_day`` … ``last_day`` (all instances and
    the events of no instance: deployments, user and calendar changes, chain checks)."""
    first_day, last_day = check_period(first_day, last_day)
    start, end = period_bounds(ctx, first_day, last_day)
    return _rows(session, viewer, AuditEvent.at >= start, AuditEvent.at < end)


def csv_chunks(rows: Iterable[dict]) -> Iterator[str]:
    """CSV text (header first, one line per event; JSON columns as canonical JSON text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for count, row in enumerate(rows, 1):
        writer.writerow([json.dumps(row.get(c), ensure_ascii=False, sort_keys=True) if c in JSON_COLUMNS
                         else ("" if row.get(c) is None else row.get(c)) for c in COLUMNS])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(rows: Iterable[dict], meta: dict) -> Iterator[str]:
    """A JSON document ``{…meta, "events": [...]}`` written piece by piece."""
    head = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    yield head[:-1] + (', "events": [' if meta else '"events": [')
    for index, row in enumerate(rows):
        yield ("," if index else "") + "\n" + json.dumps({c: row.get(c) for c in COLUMNS}, ensure_ascii=False)
    yield "\n]}\n"
