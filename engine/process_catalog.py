"""Read side of deployed processes: every process with its versions and how many instances run on each."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import NotFound
from .models import ProcessInstance, ProcessVersion, Role


def instance_counts(session: Session) -> dict[int, dict[str, int]]:
    """version id → {"running": n, "completed": m, ...} counted by instance status."""
    counts: dict[int, dict[str, int]] = {}
    rows = session.execute(select(ProcessInstance.version_id, ProcessInstance.status, func.count())
                           .group_by(ProcessInstance.version_id, ProcessInstance.status))
    for version_id, status, count in rows:
        counts.setdefault(version_id, {})[status] = count
    return counts


def version_row(version: ProcessVersion, counts: dict[str, int] | None = None) -> dict:
    """JSON-able description of one version (without its XML)."""
    counts = counts or {}
    return {
        "id": version.id,
        "version": version.version,
        "name": version.name,
        "sha256": version.sha256,
        "forms_sha256": version.forms_sha256,
        "sop_number": version.sop_number,
        "effective_date": version.effective_date.isoformat() if version.effective_date else None,
        "author": version.author,
        "deployed_at": version.deployed_at.isoformat(),
        "is_complaint": version.is_complaint,
        "instances": {"running": counts.get("running", 0), "completed": counts.get("completed", 0)},
        "forms": sorted((version.forms or {}).keys()),
        "lanes": (version.summary or {}).get("lanes", []),
        "user_tasks": [
            {k: info.get(k) for k in ("bpmn_id", "name", "lane", "form", "standard_duration", "sla_timers")}
            for info in (version.summary or {}).get("user_tasks", {}).values()
        ],
    }


def list_processes(session: Session) -> list[dict]:
    """Every deployed process (by key) with its versions, newest first, and instance counts per version."""
    counts = instance_counts(session)
    processes: dict[str, dict] = {}
    query = select(ProcessVersion).order_by(ProcessVersion.process_key, ProcessVersion.version.desc())
    for version in session.scalars(query):
        entry = processes.setdefault(version.process_key, {
            "key": version.process_key, "name": version.name, "latest_version": version.version, "versions": []})
        entry["versions"].append(version_row(version, counts.get(version.id)))
    return list(processes.values())


def get_version(session: Session, process_key: str, number: int) -> ProcessVersion:
    """Version ``number`` of ``process_key`` or NotFound."""
    version = session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_key == process_key, ProcessVersion.version == number)).first()
    if version is None:
        raise NotFound(what=f"Proses '{process_key}' versi {number}")
    return version


def lane_role_names(session: Session) -> list[dict]:
    """Roles a lane may name, with display names (for the editor's lane → role choice)."""
    return [{"key": r.key, "name_id": r.name_id, "name_en": r.name_en}
            for r in session.scalars(select(Role).where(Role.is_lane.is_(True)).order_by(Role.key))]


def known_process_keys(session: Session) -> set[str]:
    """Keys of every deployed process (a callActivity may call them)."""
    return set(session.scalars(select(ProcessVersion.process_key).distinct()))
