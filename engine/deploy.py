"""Deploying BPMN: every deploy is a new immutable version (sha256, SOP number, effective date, author)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import spiff
from .actors import Actor
from .audit import PendingEvents, append_events, canonical_sha256
from .bpmn import LoadedProcess, Problem, load_process
from .calendar import script_functions
from .context import EngineContext
from .errors import InvalidProcess
from .models import ProcessVersion
from .repository import known_forms, lane_roles
from .runtime import operation


def parse_forms(files: Mapping[str, bytes | str | dict]) -> dict[str, dict]:
    """Uploaded form files (name → JSON text) as schemas; a file that is not JSON is a problem."""
    forms, problems = {}, []
    for name, content in files.items():
        if isinstance(content, dict):
            forms[name] = content
            continue
        try:
            forms[name] = json.loads(content)
        except (ValueError, UnicodeDecodeError) as error:
            problems.append(Problem(name, "form_invalid", {"form": name, "detail": str(error)}))
    if problems:
        raise InvalidProcess(problems)
    return forms


def lint_process(session: Session, ctx: EngineContext, bpmn: bytes,
                 forms: Mapping[str, Any] | None = None, *, filename: str = "process.bpmn") -> LoadedProcess:
    """Parse and lint ``bpmn`` against the known roles and forms (uploaded ones first); nothing is written."""
    from .lint_extra import structure_problems
    from .process_catalog import known_process_keys

    available = {**known_forms(session), **parse_forms(forms or {})}
    roles = lane_roles(session)
    extra = structure_problems(bpmn, roles, known_process_keys(session))
    try:
        loaded = load_process(bpmn, roles=roles, forms=available, functions=script_functions(ctx.calendar).keys(),
                              filename=filename, now=ctx.clock.now())
    except InvalidProcess as error:
        raise InvalidProcess(_merge(extra, error.problems)) from None
    if extra:
        raise InvalidProcess(extra)
    return loaded


def _merge(first: list[Problem], second: list[Problem]) -> list[Problem]:
    seen = {(p.element_id, p.code) for p in first}
    return first + [p for p in second if (p.element_id, p.code) not in seen]


def _is_complaint(loaded: LoadedProcess) -> bool:
    for info in loaded.user_tasks.values():
        schema = loaded.forms.get(info.form or "", {})
        if info.lane == "pelapor" and {"reporter", "subject"} <= set(schema.get("properties", {})):
            return True
    return False


@operation
def deploy_process(session: Session, ctx: EngineContext, bpmn: bytes, forms: Mapping[str, Any] | None = None, *,
                   actor: Actor, sop_number: str | None = None, effective_date: date | None = None,
                   filename: str = "process.bpmn") -> tuple[ProcessVersion, bool]:
    """Lint and store ``bpmn`` as the next version of its process; return (version, created).

    Deploying the XML and forms of an existing version of the same process returns that version unchanged;
    the same XML with a changed form is a new version (its steps ask for other data).
    """
    loaded = lint_process(session, ctx, bpmn, forms, filename=filename)
    forms_sha256 = canonical_sha256(loaded.forms)
    existing = session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_key == loaded.key, ProcessVersion.sha256 == loaded.sha256,
        ProcessVersion.forms_sha256 == forms_sha256)).first()
    if existing is not None:
        return existing, False
    number = (session.scalar(select(func.max(ProcessVersion.version))
                             .where(ProcessVersion.process_key == loaded.key)) or 0) + 1
    now = ctx.clock.now()
    version = ProcessVersion(
        process_key=loaded.key, version=number, name=loaded.name, sha256=loaded.sha256, bpmn_xml=loaded.xml,
        forms_sha256=forms_sha256, spec_json=spiff.dump_specs(loaded.spec, loaded.subprocess_specs), forms=loaded.forms,
        summary=loaded.summary, sop_number=sop_number, effective_date=effective_date, author=actor.name,
        deployed_at=now, is_complaint=_is_complaint(loaded),
    )
    session.add(version)
    session.flush()
    events = PendingEvents()
    events.add("PROCESS_DEPLOYED", actor=actor.name, at=now, process_key=loaded.key, version=number,
               sha256=loaded.sha256, forms_sha256=forms_sha256, sop_number=sop_number,
               effective_date=effective_date.isoformat() if effective_date else None)
    append_events(session, events)
    return version, True
