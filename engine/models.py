"""The database schema (SQLAlchemy 2 declarative). Flask-SQLAlchemy reuses this ``Base``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry, relationship
from sqlalchemy.types import TypeDecorator

from .shared_json import SharedJSON


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite drops the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every Alur table."""

    registry = registry(type_annotation_map={datetime: UTCDateTime(), dict: JSON, list: JSON})


class Role(Base):
    """A role key (lane name) with its display names; loaded from ``processes/roles.json``."""

    __tablename__ = "role"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_id: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    is_lane: Mapped[bool] = mapped_column(Boolean, default=True)


class ConfigStamp(Base):
    """One row (id 1) whose ``stamp`` is rewritten, by triggers (``engine/db.py``), with every change to ``role`` or
    ``calendar_override``: workers cache what they derive from those tables while the stamp is unchanged
    (``engine/config_cache.py``)."""

    __tablename__ = "config_stamp"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)


class UserRole(Base):
    """Which roles a user holds."""

    __tablename__ = "user_role"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    role_key: Mapped[str] = mapped_column(ForeignKey("role.key"), primary_key=True)


class User(Base):
    """An official, process owner, auditor or administrator."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    role_links: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[str]:
        """Role keys held by the user."""
        return frozenset(link.role_key for link in self.role_links)

    # the session-user protocol Flask-Login expects (kept here so the engine needs no Flask import)
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Deactivated users cannot log in."""
        return bool(self.active)

    def get_id(self) -> str:
        """Session identifier."""
        return str(self.id)


class ApiToken(Base):
    """A bearer token for the JSON API (only its sha256 is stored)."""

    __tablename__ = "api_token"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ProcessVersion(Base):
    """One immutable deployment of a BPMN process."""

    __tablename__ = "process_version"
    __table_args__ = (
        UniqueConstraint("process_key", "version"),
        # a version is its diagram and its forms: the same XML with a changed form is another version
        UniqueConstraint("process_key", "sha256", "forms_sha256", name="uq_process_version_content"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))  # of the BPMN XML as deployed
    forms_sha256: Mapped[str] = mapped_column(String(64))  # of its forms' canonical JSON (audit.canonical_sha256)
    # large and only needed on a cache miss or a download: not loaded with every instance
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    # read as shared, read-only values (engine/shared_json.py): parsed once per process, not with every instance
    forms: Mapped[dict] = mapped_column(SharedJSON)  # form filename -> JSON Schema, frozen with the version
    summary: Mapped[dict] = mapped_column(SharedJSON)  # lanes, user tasks (id, name, lane, form, standard_duration …)
    sop_number: Mapped[str | None] = mapped_column(String(100))
    effective_date: Mapped[date | None] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(80))
    deployed_at: Mapped[datetime]
    is_complaint: Mapped[bool] = mapped_column(Boolean, default=False)


class ProcessInstance(Base):
    """A running or finished process instance; ``state_json`` is SpiffWorkflow's state without the spec."""

    __tablename__ = "process_instance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)  # running|completed|error
    serializer_version: Mapped[str] = mapped_column(String(40))
    state_json: Mapped[str] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(index=True)
    started_by: Mapped[str] = mapped_column(String(120))
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    stage: Mapped[str] = mapped_column(String(300), default="")  # public name of the current step(s)
    # complaint metadata (NULL for processes that are not complaints)
    tracking_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    reporter_key_hash: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(40), index=True)
    subject: Mapped[str | None] = mapped_column(String(300))
    anonymity: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)

    version: Mapped[ProcessVersion] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": lock_version}


class HumanTask(Base):
    """A user task that is or was ready: the inbox reads these rows, never the workflow."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_guid"),
        # the inbox page in deadline order, and its counts read from the index alone (covering)
        Index("ix_human_task_inbox", "state", "role", "urgent_at", "warn_at", "process_key", "claimed_by"),
        # "held by me"
        Index("ix_human_task_held", "claimed_by", "state", "role", "urgent_at"),
        # "completed by me", newest first (without completed_at the planner walks ix_human_task_completed_at)
        Index("ix_human_task_completed_by", "completed_by", "completed_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36))
    process_key: Mapped[str] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(40))
    form_name: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="ready")  # ready|completed|cancelled
    ready_at: Mapped[datetime]
    standard_seconds: Mapped[float | None] = mapped_column(Float)
    due_at: Mapped[datetime | None]  # ready_at + standard duration in office time
    sla_due_at: Mapped[datetime | None]  # earliest boundary timer deadline on the step
    warn_at: Mapped[datetime | None]  # ready_at + 75 % of the standard duration in office time (amber)
    urgent_at: Mapped[datetime]  # earliest of due_at / sla_due_at (far future if none): inbox order
    is_escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(120))
    completed_at: Mapped[datetime | None]
    # denormalised complaint context so the inbox is one query
    tracking_code: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(300))
    channel: Mapped[str | None] = mapped_column(String(40))


class Timer(Base):
    """A waiting timer of an instance; the worker's sweep reads only due rows."""

    __tablename__ = "timer"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_guid"),
        Index("ix_timer_due", "state", "due_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(30))  # TimeDate|Duration|Cycle
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting|fired|cancelled
    fired_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Append-only, hash-chained history. No code path updates or deletes a row; triggers refuse it."""

    __tablename__ = "audit_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    type: Mapped[str] = mapped_column(String(60), index=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_guid: Mapped[str | None] = mapped_column(String(36))
    bpmn_id: Mapped[str | None] = mapped_column(String(200))
    data_before: Mapped[dict | None] = mapped_column(JSON)
    data_after: Mapped[dict | None] = mapped_column(JSON)
    payload: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last sequence number and hash; locking it serialises appends to the chain."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class CalendarOverride(Base):
    """An administrator's correction of the working-day calendar (a cuti bersama decree, a local day off)."""

    __tablename__ = "calendar_override"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
