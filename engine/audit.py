"""The append-only, hash-chained audit log.

Each event's hash is ``sha256(previous hash + canonical JSON of the event)``. Appends lock the single
``audit_head`` row, so concurrent writers queue instead of forking the chain; sequence numbers are
gapless, so a deleted event is detected as well as an altered one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, bindparam, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from .db import GENESIS_HASH
from .messages import render
from .models import AuditEvent, AuditHead

#: The encoders json.dumps would build on every call for these arguments, built once (they keep no state).
_PLAIN_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)
_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """JSON-native copy of ``value`` (what the database will give back)."""
    if value is None:
        return None
    if type(value) is dict and all(type(key) is str and type(item) in _SCALARS for key, item in value.items()):
        return dict(value)  # already JSON-native (most payloads): the copy the round trip would give
    return json.loads(_PLAIN_ENCODER.encode(value))


def canonical_json(value: Any) -> str:
    """Stable JSON text: sorted keys, no whitespace, UTF-8."""
    return _CANONICAL_ENCODER.encode(value)


def canonical_sha256(value: Any) -> str:
    """sha256 of the canonical JSON of ``value`` (a recap snapshot's data, a version's forms)."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_body(event: Any) -> dict:
    """The fields covered by an event's hash (``event``: an AuditEvent or a row with its columns)."""
    return {
        "seq": event.seq,
        "at": _timestamp(event.at),
        "actor": event.actor,
        "type": event.type,
        "instance_id": event.instance_id,
        "task_guid": event.task_guid,
        "bpmn_id": event.bpmn_id,
        "data_before": event.data_before,
        "data_after": event.data_after,
        "payload": event.payload,
    }


def event_hash(prev_hash: str, event: Any) -> str:
    """The chained hash of ``event``."""
    return hashlib.sha256((prev_hash + canonical_json(event_body(event))).encode("utf-8")).hexdigest()


@dataclass
class PendingEvents:
    """Events an operation collects; they are appended together just before its commit."""

    items: list[dict] = field(default_factory=list)

    def add(self, type: str, *, actor: str, at: datetime, instance_id: int | None = None,
            task_guid: str | None = None, bpmn_id: str | None = None, data_before: Any = None,
            data_after: Any = None, **payload: Any) -> None:
        """Record one event (``type`` is SUBJECT_PAST_TENSE_VERB, e.g. ``TASK_COMPLETED``)."""
        self.items.append(dict(type=type, actor=actor, at=at, instance_id=instance_id, task_guid=task_guid,
                               bpmn_id=bpmn_id, data_before=_plain(data_before), data_after=_plain(data_after),
                               payload=_plain(payload) or {}))


#: Built once: the head row under its lock, the events' insert and the head's update (Core statements: the
#: events are written once and never changed, so they need none of the ORM's unit of work).
_LOCKED_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
_INSERT_EVENTS = insert(AuditEvent.__table__)
_MOVE_HEAD = (update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1)
              .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")))
_INSERT_EVENTS_MOVING_HEAD = (insert(AuditEvent.__table__).add_cte(_MOVE_HEAD.cte("moved_head"))
                              .returning(AuditEvent.__table__.c.seq))


@dataclass(slots=True)
class WrittenEvent:
    """An event as :func:`append_events` wrote it: the ``audit_event`` row's columns (a plain object: an ORM
    ``AuditEvent`` cost more to build than the statement that writes it)."""

    seq: int
    prev_hash: str
    type: str
    actor: str
    at: datetime
    instance_id: int | None
    task_guid: str | None
    bpmn_id: str | None
    data_before: Any
    data_after: Any
    payload: Any
    hash: str = ""


def append_events(session: Session, pending: PendingEvents) -> list[WrittenEvent]:
    """Chain and write the pending events in the session's transaction (the caller commits); returns them
    as written (:class:`WrittenEvent`)."""
    if not pending.items:
        return []
    # Every writer queues on the head row until it commits: write the operation's other rows first, so
    # the lock is held only for the events, the head and the commit, not for the instance state too.
    session.flush()
    seq, prev_hash = session.execute(_LOCKED_HEAD).one()
    rows = []
    for item in pending.items:
        seq += 1
        event = WrittenEvent(seq=seq, prev_hash=prev_hash, **item)
        event.hash = prev_hash = event_hash(prev_hash, event)
        rows.append(event)
    head = {"new_seq": seq, "new_hash": prev_hash}
    if session.get_bind().dialect.name == "postgresql":
        # one round trip: the head moves in a data-modifying WITH of the events' insert (RETURNING makes
        # SQLAlchemy send the rows as one cached multi-row INSERT, its "insertmanyvalues")
        session.execute(_INSERT_EVENTS_MOVING_HEAD, [{**_columns(event), **head} for event in rows])
    else:  # SQLite has no data-modifying WITH (and no round trips): two statements
        session.execute(_INSERT_EVENTS, [_columns(event) for event in rows])
        session.execute(_MOVE_HEAD, head)
    pending.items.clear()
    return rows


_EVENT_COLUMNS = tuple(column.key for column in AuditEvent.__table__.columns)
assert set(_EVENT_COLUMNS) == set(WrittenEvent.__slots__)


def _columns(event: WrittenEvent) -> dict:
    return {key: getattr(event, key) for key in _EVENT_COLUMNS}


@dataclass
class ChainReport:
    """Outcome of :func:`verify_chain`; ``code`` names the break (a message of ``engine.messages``)."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    code: str = ""


def _broken(checked: int, seq: int, code: str) -> ChainReport:
    """A broken chain at ``seq``: the English reason is recorded beside the code (pages render the code)."""
    return ChainReport(False, checked, seq, render(code, "en", seq=seq), code)


#: The columns verify reads as stored (no type conversion): timestamps and JSON are turned into what
#: ``event_body`` would give by :func:`_stored_body`, which costs a third of SQLAlchemy's row processing.
_RAW_COLUMNS = (AuditEvent.seq, type_coerce(AuditEvent.at, Text), AuditEvent.actor, AuditEvent.type,
                AuditEvent.instance_id, AuditEvent.task_guid, AuditEvent.bpmn_id,
                type_coerce(AuditEvent.data_before, Text), type_coerce(AuditEvent.data_after, Text),
                type_coerce(AuditEvent.payload, Text), AuditEvent.prev_hash, AuditEvent.hash)


def _stored_json(value: Any) -> Any:
    """A JSON column as stored: text on SQLite (parsed here), already parsed by the PostgreSQL driver.

    Text that is not JSON (an altered row) is hashed as it is: the mismatch then names that event.
    """
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _stored_timestamp(value: Any) -> str:
    """``_timestamp`` of a stored ``at``: SQLite keeps naive UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return _timestamp(value)


def _stored_body(row: Any) -> dict:
    """``event_body`` of a row of ``_RAW_COLUMNS``."""
    return {"seq": row[0], "at": _stored_timestamp(row[1]), "actor": row[2], "type": row[3],
            "instance_id": row[4], "task_guid": row[5], "bpmn_id": row[6], "data_before": _stored_json(row[7]),
            "data_after": _stored_json(row[8]), "payload": _stored_json(row[9])}


def verify_chain(session: Session, batch: int = 10000,
                 progress: Callable[[int, int], None] | None = None) -> ChainReport:
    """Recompute the whole chain; report the first event whose sequence, link or hash is wrong.

    Reads the stored column values in keyset batches (no ORM objects, no type processing), so memory
    stays flat; the body hashed is exactly ``event_body``'s. ``progress(checked, total)`` is called after
    each batch (``total``: the chain's length when the check started). Events appended while it runs are
    checked too: the head is compared only once no further event is there to read.
    """
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    connection = session.connection()  # Core rows: the ORM's loading layer cost a third of the time
    total = connection.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
    while True:
        rows = connection.execute(
            select(*_RAW_COLUMNS).where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        for event in rows:
            if event.seq != expected_seq:
                return _broken(checked, expected_seq, "chain_event_missing")
            if event.prev_hash != prev_hash:
                return _broken(checked, event.seq, "chain_link_broken")
            body = canonical_json(_stored_body(event))
            if hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest() != event.hash:
                return _broken(checked, event.seq, "chain_hash_mismatch")
            prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
        if rows:
            if progress is not None:
                progress(checked, max(total, checked))
            continue
        head = connection.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
        if head is None or (head.seq == expected_seq - 1 and head.hash == prev_hash):
            return ChainReport(True, checked)
        appended = head.seq >= expected_seq and connection.scalar(
            select(AuditEvent.seq).where(AuditEvent.seq >= expected_seq).limit(1)) is not None
        if not appended:  # the head names events that are not there (or another last hash)
            return _broken(checked, expected_seq, "chain_tail_removed")
