"""Small queries shared by the operations (no transactions are opened or committed here)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import NotFound
from .models import CalendarOverride, ProcessInstance, ProcessVersion, Role


def latest_version(session: Session, process_key: str) -> ProcessVersion:
    """The newest deployed version of ``process_key``."""
    version = session.scalars(
        select(ProcessVersion).where(ProcessVersion.process_key == process_key)
        .order_by(ProcessVersion.version.desc()).limit(1)
    ).first()
    if version is None:
        raise NotFound(what=f"Proses '{process_key}'")
    return version


def latest_versions(session: Session) -> list[ProcessVersion]:
    """The newest version of every deployed process, by key."""
    newest = (select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("v"))
              .group_by(ProcessVersion.process_key).subquery())
    return list(session.scalars(
        select(ProcessVersion).join(newest, (ProcessVersion.process_key == newest.c.process_key)
                                    & (ProcessVersion.version == newest.c.v))
        .order_by(ProcessVersion.process_key)
    ))


def lane_roles(session: Session) -> set[str]:
    """Role keys a BPMN lane may name."""
    return set(session.scalars(select(Role.key).where(Role.is_lane.is_(True))))


def known_forms(session: Session) -> dict[str, dict]:
    """Every form schema of every deployed version, newest version winning on a name clash."""
    forms: dict[str, dict] = {}
    for version in session.scalars(select(ProcessVersion).order_by(ProcessVersion.id)):
        forms.update(version.forms or {})
    return forms


def get_instance(session: Session, instance_id: int, *, for_update: bool = False) -> ProcessInstance:
    """The instance, optionally row-locked (PostgreSQL) for the rest of the transaction."""
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    if for_update:
        query = query.with_for_update(of=ProcessInstance).execution_options(populate_existing=True)
    instance = session.scalars(query).first()
    if instance is None:
        raise NotFound(what=f"Instans {instance_id}")
    return instance


def calendar_overrides(session: Session) -> dict:
    """The admin override table as {date: is_working_day}."""
    return {row.day: row.is_working_day for row in session.scalars(select(CalendarOverride))}
