"""Drafts of process diagrams edited in the browser: create, save (revision-checked), lint, deploy.

Two people editing one draft must not silently overwrite each other: every save names the revision it
started from, and the save is one conditional UPDATE (``WHERE revision = expected``); if someone saved in
between, nothing is written and :class:`DraftConflict` says who and which revision.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .actors import Actor
from .audit import canonical_sha256
from .bpmn import parse_xml
from .context import EngineContext
from .deploy import deploy_process, lint_process
from .editor_models import ProcessDraft
from .errors import ConcurrentUpdate, InvalidInput, NeedsConfirmation, NotFound
from .lint_extra import lint_for_editor
from .models import ProcessVersion
from .process_diff import same_substance
from .repository import latest_version
from .runtime import operation

MAX_FORMS_BYTES = 512 * 1024


class DraftUnchanged(NeedsConfirmation):
    """The draft defines the same process and forms as the version in force (only its layout or formatting
    differs); deploying it needs the process owner's confirmation. Nothing was written."""

    code = "draft_unchanged"


class DraftIdentical(InvalidInput):
    """The draft's diagram and forms are, byte for byte, those of a deployed version: no new version (its SOP
    number and date would be dropped). Nothing was written; the draft stays open."""

    code = "draft_identical"


class DraftConflict(ConcurrentUpdate):
    """Someone saved the draft since the caller opened it; nothing was written."""

    code = "draft_conflict"


def _key_of(bpmn: bytes) -> str | None:
    root, _ = parse_xml(bpmn)
    if root is None:
        return None
    processes = root.findall("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    return executable[0].get("id") if executable else None


def _check_forms(forms: Any) -> dict:
    if forms is None:
        return {}
    if not isinstance(forms, dict) or not all(isinstance(v, dict) for v in forms.values()):
        raise InvalidInput(detail="formulir draf harus berupa objek: nama berkas → JSON Schema")
    if len(json.dumps(forms)) > MAX_FORMS_BYTES:
        raise InvalidInput(detail="formulir draf terlalu besar")
    return forms


def get_draft(session: Session, draft_id: int) -> ProcessDraft:
    """The draft or NotFound."""
    draft = session.get(ProcessDraft, draft_id)
    if draft is None:
        raise NotFound(what=f"Draf {draft_id}")
    return draft


def list_drafts(session: Session) -> list[ProcessDraft]:
    """Drafts not yet deployed, newest first."""
    return list(session.scalars(select(ProcessDraft).where(ProcessDraft.deployed_version_id.is_(None))
                                .order_by(ProcessDraft.updated_at.desc())))


@operation
def create_draft(session: Session, ctx: EngineContext, bpmn: bytes, forms: dict | None = None, *, actor: Actor,
                 base_version_id: int | None = None) -> ProcessDraft:
    """A new draft from ``bpmn`` (a deployed version's XML, an upload, or a blank diagram)."""
    forms = _check_forms(forms)
    report = lint_for_editor(session, ctx, bpmn, forms)
    root, problems = parse_xml(bpmn)
    if root is None:
        raise InvalidInput(detail=problems[0].message("id"))
    now = ctx.clock.now()
    draft = ProcessDraft(process_key=report["process"] or _key_of(bpmn), title=_title(root), bpmn_xml=bpmn.decode(),
                         forms=forms, base_version_id=base_version_id, revision=1, problems=report["problems"],
                         created_by=actor.name, created_at=now, updated_by=actor.name, updated_at=now)
    session.add(draft)
    session.flush()
    return draft


def _refuse_unchanged(session: Session, ctx: EngineContext, draft: ProcessDraft) -> None:
    """DraftUnchanged when the draft's process and forms are those of its process's latest version, in other
    bytes (the very same bytes are refused later, by what the deploy returns)."""
    if not draft.process_key:
        return
    try:
        latest = latest_version(session, draft.process_key)
    except NotFound:  # a new process: nothing to compare with
        return
    if draft.bpmn_xml == latest.bpmn_xml or not same_substance(latest.bpmn_xml, draft.bpmn_xml):
        return
    # the forms the deploy would freeze with the version: the draft's own over the known ones, those it uses
    loaded = lint_process(session, ctx, draft.bpmn_xml.encode(), draft.forms,
                          filename=f"{draft.process_key}.bpmn")
    if canonical_sha256(loaded.forms) == latest.forms_sha256:
        raise DraftUnchanged(version=latest.version)


def _title(root) -> str:
    processes = root.findall("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
    return (processes[0].get("name") or processes[0].get("id") or "") if processes else ""


@operation
def save_draft(session: Session, ctx: EngineContext, draft_id: int, bpmn: bytes, forms: dict | None, *,
               expected_revision: int, actor: Actor) -> tuple[ProcessDraft, list[dict]]:
    """Save a new revision of the draft if nobody saved since ``expected_revision``; return it and its lint."""
    draft = get_draft(session, draft_id)
    forms = _check_forms(forms)
    root, problems = parse_xml(bpmn)
    if root is None:
        raise InvalidInput(detail=problems[0].message("id"))
    report = lint_for_editor(session, ctx, bpmn, forms)
    now = ctx.clock.now()
    result = session.execute(
        update(ProcessDraft).where(ProcessDraft.id == draft_id, ProcessDraft.revision == expected_revision)
        .values(bpmn_xml=bpmn.decode(), forms=forms, revision=expected_revision + 1, problems=report["problems"],
                process_key=report["process"] or _key_of(bpmn), title=_title(root), updated_by=actor.name,
                updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(draft)
        raise DraftConflict(user=draft.updated_by, revision=draft.revision)
    session.refresh(draft)
    return draft, report["problems"]


@operation
def deploy_draft(session: Session, ctx: EngineContext, draft_id: int, *, expected_revision: int, actor: Actor,
                 sop_number: str, effective_date: date, confirm_unchanged: bool = False) -> ProcessVersion:
    """Deploy the draft (exactly the revision the caller saw) as a new version; the draft is then closed.

    A draft that defines the same process and forms as the version in force, differing only in layout or
    formatting (a modeler re-exports an untouched diagram), is refused with :class:`DraftUnchanged` unless
    ``confirm_unchanged``: a new SOP number for an unchanged procedure is a reason to confirm."""
    draft = get_draft(session, draft_id)
    if draft.revision != expected_revision:
        raise DraftConflict(user=draft.updated_by, revision=draft.revision)
    if not (sop_number or "").strip() or effective_date is None:
        raise InvalidInput(detail="Nomor SOP dan tanggal berlaku wajib diisi untuk memasang versi baru.")
    if not confirm_unchanged:
        _refuse_unchanged(session, ctx, draft)
    version, created = deploy_process.__wrapped__(session, ctx, draft.bpmn_xml.encode(), draft.forms, actor=actor,
                                                  sop_number=sop_number.strip(), effective_date=effective_date,
                                                  filename=f"{draft.process_key or 'draft'}.bpmn")
    if not created:  # the SOP number and date asked for would be dropped without a word: say so, keep the draft
        raise DraftIdentical(version=version.version)
    draft.deployed_version_id = version.id
    draft.revision += 1
    return version
