"""No wrong door: every complaint, whatever its channel, enters the same flow through ``submit_complaint``.

``record_intake`` runs inside that operation's transaction: it keeps where the complaint came from
(channel, time received vs. time entered, the recording petugas, the import source key, the
SP4N-LAPOR! tracking ID), flags possible duplicates and queues the receipt to the reporter.
``record_complaint`` is the petugas' intake (walk-in, telephone, WhatsApp, complaint box, e-mail,
social media) with attachments, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .actors import Actor
from .attachments import CheckedFile, store_attachments
from .audit import PendingEvents, append_events
from .channels_models import ComplaintIntake
from .context import EngineContext
from .duplicates import flag_duplicates, normalize_email, normalize_phone, text_digest
from .errors import InvalidInput
from .models import ProcessInstance
from .notifications import queue_receipt
from .runtime import Submission, insert_attached, operation, start_complaint

#: Channels a petugas records by hand (the public web form and the imports use ``website``, ``email``,
#: ``sp4n_lapor``).
PETUGAS_CHANNELS = ("tatap_muka", "telepon", "whatsapp", "kotak_pengaduan", "email", "media_sosial",
                    "sp4n_lapor", "website")
SOURCE_KINDS = ("form", "email", "lapor")
#: Stand-in for an identity element the reporter did not give (the schema requires name and address).
NOT_GIVEN = "(tidak diberikan)"


def record_intake(session: Session, ctx: EngineContext, instance: ProcessInstance, data: dict,
                  reporter_key: str, actor: Actor, *, source_kind: str = "form", source_key: str | None = None,
                  lapor_id: str | None = None, lapor_category: str | None = None,
                  events: PendingEvents | None = None) -> ComplaintIntake:
    """Keep a new complaint's intake record, flag duplicates, queue the receipt (caller's transaction); its
    events are appended after ``events`` (the submission's, not appended yet), with them."""
    if source_kind not in SOURCE_KINDS:
        raise InvalidInput(detail=f"sumber '{source_kind}' tidak dikenal")
    now = ctx.clock.now()
    reporter = data.get("reporter") if isinstance(data.get("reporter"), dict) else {}
    lapor_id = (lapor_id or "").strip() or None
    if lapor_id and session.scalars(select(ComplaintIntake.instance_id)
                                    .where(ComplaintIntake.lapor_id == lapor_id)).first() is not None:
        raise InvalidInput(detail=f"ID LAPOR! {lapor_id} sudah tercatat")
    if source_key and source_of(session, source_kind, source_key) is not None:
        raise InvalidInput(detail=f"Sumber {source_kind} '{source_key}' sudah diimpor")
    values = dict(
        instance_id=instance.id, channel=instance.channel, received_at=instance.received_at, recorded_at=now,
        recorded_by=actor.name, source_kind=source_kind, source_key=source_key, lapor_id=lapor_id,
        lapor_category=lapor_category, reporter_phone=normalize_phone(reporter.get("phone")),
        reporter_email=normalize_email(reporter.get("email")),
        text_digest=text_digest(data.get("subject"), data.get("description")), merged_into=None)
    # a Core insert, the object given to the session as persistent (the ORM's add and flush cost several times it)
    intake = insert_attached(session, ComplaintIntake, values)
    events = events if events is not None else PendingEvents()
    events.add("COMPLAINT_RECORDED", actor=actor.name, at=now, instance_id=instance.id, channel=instance.channel,
               received_at=instance.received_at.isoformat(), recorded_at=now.isoformat(),
               on_behalf_of="pelapor" if actor.kind == "user" else None, source_kind=source_kind,
               source_key=source_key, lapor_id=lapor_id)
    flag_duplicates(session, ctx, intake, events, actor)
    queue_receipt(session, ctx, instance, intake.reporter_email, reporter_key, events, actor)
    append_events(session, events)
    return intake


def _with_not_given(data: dict) -> dict:
    """Fill the identity elements the reporter did not give with ``NOT_GIVEN`` (name and address)."""
    data = dict(data)
    reporter = {k: v.strip() if isinstance(v, str) else v for k, v in dict(data.get("reporter") or {}).items()}
    reporter = {k: v for k, v in reporter.items() if v not in (None, "")}
    for key in ("name", "address"):
        reporter.setdefault(key, NOT_GIVEN)
    data["reporter"] = reporter
    return data


@operation
def record_complaint(session: Session, ctx: EngineContext, process_key: str, data: dict, *, actor: Actor,
                     files: Sequence[CheckedFile] = (), attachment_root: str | Path | None = None,
                     intake: dict | None = None) -> Submission:
    """A petugas records a complaint received through any channel, with its attachments (one transaction).

    ``data`` is the intake form (channel, received_at, reporter as given, anonymity, subject, description,
    category); the audit shows the petugas acting for the reporter.
    """
    if actor.kind == "user" and not actor.holds("petugas"):
        from .errors import NotYourRole

        raise NotYourRole(role="petugas")
    if data.get("channel") not in PETUGAS_CHANNELS:
        raise InvalidInput(detail="Pilih kanal pengaduan")
    if files and attachment_root is None:
        raise InvalidInput(detail="tempat penyimpanan lampiran belum diatur")
    data = _with_not_given(data)
    if files:
        data["attachments"] = ", ".join(f.filename for f in files)
    submission = start_complaint(session, ctx, process_key, data, actor=actor, intake=intake)
    if files:
        store_attachments(session, ctx, submission.instance.id, list(files), attachment_root, actor=actor)
    return submission


def source_of(session: Session, source_kind: str, source_key: str) -> ComplaintIntake | None:
    """The intake record of an already imported item (idempotent imports look here first)."""
    return session.scalars(select(ComplaintIntake).where(ComplaintIntake.source_kind == source_kind,
                                                         ComplaintIntake.source_key == source_key)).first()


def intake_of(session: Session, instance_id: int) -> ComplaintIntake | None:
    """A complaint's intake record."""
    return session.get(ComplaintIntake, instance_id)


def find_complaints(session: Session, *, lapor_id: str | None = None, query: str | None = None,
                    limit: int = 50) -> list[tuple[ProcessInstance, ComplaintIntake | None]]:
    """Complaints by LAPOR! tracking ID (exact), or by tracking code / LAPOR! ID / subject words."""
    stmt = (select(ProcessInstance, ComplaintIntake)
            .outerjoin(ComplaintIntake, ComplaintIntake.instance_id == ProcessInstance.id)
            .where(ProcessInstance.tracking_code.is_not(None)))
    if lapor_id:
        stmt = stmt.where(ComplaintIntake.lapor_id == lapor_id.strip())
    elif query:
        text = query.strip()
        like = f"%{text.lower()}%"
        stmt = stmt.where(or_(ProcessInstance.tracking_code == text.upper(), ComplaintIntake.lapor_id == text,
                              ProcessInstance.subject.ilike(like)))
    else:
        return []
    rows = session.execute(stmt.order_by(ProcessInstance.received_at.desc()).limit(limit)).all()
    return [(instance, intake) for instance, intake in rows]


def intake_summary(intake: ComplaintIntake | None) -> dict[str, Any]:
    """Intake fields shown with a complaint (no identity here: visibility masks the reporter elsewhere)."""
    if intake is None:
        return {}
    return {"recorded_by": intake.recorded_by, "recorded_at": intake.recorded_at.isoformat(),
            "source_kind": intake.source_kind, "lapor_id": intake.lapor_id,
            "lapor_category": intake.lapor_category, "merged_into": intake.merged_into}


def recorded_data(session: Session, instance: ProcessInstance) -> dict:
    """The complaint as recorded at intake (the reporter's form input from the audit log), unmasked."""
    from .models import AuditEvent

    event = session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.type == "TASK_COMPLETED")
        .order_by(AuditEvent.seq).limit(1)).first()
    return dict((event.payload or {}).get("input") or {}) if event is not None else {}


def complaint_processes(session: Session) -> list:
    """The newest version of every complaint process."""
    from .repository import latest_versions

    return [v for v in latest_versions(session) if v.is_complaint]
