"""Messages to the reporter: the receipt (tracking code + reporter key) and the answer.

Messages are written to the ``outbox_message`` table inside the operation that causes them (the
complaint's submission, its completion), so they commit or roll back with it. A sender
(:func:`send_pending`, run by ``alur outbox send`` or the petugas' outbox page) drains the table through
SMTP when it is configured; without SMTP, or without an e-mail address, the rows stay visible to the
petugas, who delivers them by other means and marks them — nothing is dropped silently.
"""

from __future__ import annotations

import functools
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .actors import Actor
from .audit import PendingEvents, append_events
from .channels_models import ComplaintIntake, OutboxMessage
from .context import EngineContext
from .errors import InvalidInput, NotFound
from .models import ProcessInstance
from .runtime import insert_attached, operation

#: Sending gives up after this many failed attempts (the row stays ``failed``, visible to the petugas).
MAX_ATTEMPTS = 5
KEY_REDACTED = "(kunci pelapor tidak disimpan setelah terkirim)"


@dataclass(frozen=True)
class SmtpConfig:
    """Where to send: host, port, credentials, sender; ``security`` is ``starttls``, ``ssl`` or ``none``."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = "alur@localhost"
    security: str = "starttls"
    timeout: float = 20.0

    @classmethod
    def from_env(cls, env) -> SmtpConfig | None:
        """``ALUR_SMTP_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``, ``_FROM``, ``_SECURITY``; None without a host."""
        host = env.get("ALUR_SMTP_HOST")
        if not host:
            return None
        security = env.get("ALUR_SMTP_SECURITY", "starttls")
        default_port = {"ssl": 465, "none": 25}.get(security, 587)
        return cls(host=host, port=int(env.get("ALUR_SMTP_PORT") or default_port),
                   username=env.get("ALUR_SMTP_USER") or None, password=env.get("ALUR_SMTP_PASSWORD") or None,
                   sender=env.get("ALUR_SMTP_FROM", "alur@localhost"), security=security)


def _local(ctx: EngineContext, value) -> str:
    if value is None:
        return "-"
    return value.astimezone(ctx.calendar.tz).strftime("%d-%m-%Y %H:%M %Z")


def _queue(session: Session, ctx: EngineContext, instance: ProcessInstance, kind: str, recipient: str | None,
           subject: str, body: str, events: PendingEvents, actor: Actor) -> OutboxMessage:
    now = ctx.clock.now()
    values = {"instance_id": instance.id, "kind": kind, "recipient": recipient or None, "subject": subject,
              "body": body, "state": "pending" if recipient else "no_address", "attempts": 0, "last_error": None,
              "created_at": now, "sent_at": None, "handled_by": None}
    # a Core insert, the object given to the session as persistent (the ORM's add and flush cost several times it)
    message = insert_attached(session, OutboxMessage, values)
    events.add("NOTIFICATION_QUEUED", actor=actor.name, at=now, instance_id=instance.id, message_id=message.id,
               kind=kind, has_address=bool(recipient))
    return message


def queue_receipt(session: Session, ctx: EngineContext, instance: ProcessInstance, email: str | None,
                  reporter_key: str, events: PendingEvents, actor: Actor) -> OutboxMessage:
    """Queue the receipt: tracking code, reporter key, time received (inside the caller's transaction)."""
    body = (
        "Yth. Pelapor,\n\n"
        f"Pengaduan Anda telah kami terima pada {_local(ctx, instance.received_at)} melalui kanal "
        f"{instance.channel or '-'}.\n\n"
        f"Kode pelacakan : {instance.tracking_code}\n"
        f"Kunci pelapor  : {reporter_key}\n\n"
        "Simpan kunci pelapor: kunci ini diperlukan untuk melengkapi pengaduan dan hanya dikirim sekali. "
        "Status pengaduan dapat dipantau dengan kode pelacakan.\n\n"
        "Terima kasih.\n"
    )
    return _queue(session, ctx, instance, "receipt", email,
                  f"Tanda terima pengaduan {instance.tracking_code}", body, events, actor)


#: The forwarding form's field naming the agency a complaint was forwarded to (forms/teruskan-instansi-lain).
FORWARDED_TO_FIELD = "instansi_tujuan"


def _answer_opening(ending: str, tracking_code: str, data: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, first sentence) of the answer for how the complaint ended (:func:`lapor.complaint_ending`)."""
    if ending == "closed":
        return (f"Laporan {tracking_code} ditutup",
                f"Laporan SP4N-LAPOR! Anda dengan kode pelacakan {tracking_code} telah ditutup karena pelapor "
                "tidak menanggapi permintaan kelengkapan dalam batas waktu SP4N-LAPOR!")
    if ending == "forwarded":
        agency = str(data.get(FORWARDED_TO_FIELD) or "").strip() or "instansi yang berwenang"
        return (f"Pengaduan {tracking_code} diteruskan",
                f"Pengaduan Anda dengan kode pelacakan {tracking_code} berada di luar wewenang kami dan telah "
                f"diteruskan kepada {agency}.")
    return (f"Jawaban pengaduan {tracking_code}",
            f"Pengaduan Anda dengan kode pelacakan {tracking_code} telah selesai ditangani.")


@functools.lru_cache(maxsize=1)
def _answer_facts():
    """The reporter's address (from the intake record, NULL without one) and how the complaint ended, in one
    statement built once."""
    from .lapor import ending_columns  # lapor builds on the channels, which build on this module

    email = (select(ComplaintIntake.reporter_email)
             .where(ComplaintIntake.instance_id == bindparam("instance_id")).scalar_subquery())
    return select(email, *ending_columns())


def queue_answer(session: Session, ctx: EngineContext, instance: ProcessInstance, events: PendingEvents,
                 actor: Actor, data: Mapping[str, Any] | None = None) -> OutboxMessage:
    """Queue the answer when a complaint completes (the address comes from its intake record); its opening
    says how it ended: handled, forwarded to the agency named in ``data``, or closed without the reporter's reply."""
    from .lapor import ending  # lapor builds on the channels, which build on this module

    email, closed, forwarded = session.execute(_answer_facts(), {"instance_id": instance.id}).one()
    subject, opening = _answer_opening(ending(closed, forwarded), instance.tracking_code, data or {})
    answer = instance.answer or "Pengaduan Anda telah selesai ditangani."
    body = (
        "Yth. Pelapor,\n\n"
        f"{opening}\n\n"
        f"Jawaban:\n{answer}\n\n"
        "Terima kasih.\n"
    )
    return _queue(session, ctx, instance, "answer", email, subject, body, events, actor)


def _redact_key(message: OutboxMessage) -> None:
    if message.kind == "receipt":
        lines = [f"Kunci pelapor  : {KEY_REDACTED}" if line.startswith("Kunci pelapor") else line
                 for line in message.body.splitlines()]
        message.body = "\n".join(lines) + "\n"


def deliver(config: SmtpConfig, message: OutboxMessage) -> None:
    """Send one message through SMTP (raises on failure)."""
    email = EmailMessage()
    email["From"] = config.sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=config.sender.split("@")[-1] or "alur")
    email.set_content(message.body)
    if config.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with smtp:
        if config.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.send_message(email)


def send_pending(session: Session, ctx: EngineContext, config: SmtpConfig | None, *, actor: Actor,
                 limit: int = 100) -> dict[str, int]:
    """Send pending (and retry failed) messages; one commit per message. Returns counts by outcome."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    if config is None:
        counts["skipped"] = len(pending_messages(session, limit))
        return counts
    for message_id in [m.id for m in pending_messages(session, limit)]:
        message = session.get(OutboxMessage, message_id)
        now = ctx.clock.now()
        events = PendingEvents()
        try:
            deliver(config, message)
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.state, message.last_error = "failed", f"{type(error).__name__}: {error}"[:1000]
            counts["failed"] += 1
            events.add("NOTIFICATION_FAILED", actor=actor.name, at=now, instance_id=message.instance_id,
                       message_id=message.id, attempts=message.attempts)
        else:
            message.attempts += 1
            message.state, message.sent_at, message.last_error = "sent", now, None
            _redact_key(message)
            counts["sent"] += 1
            events.add("NOTIFICATION_SENT", actor=actor.name, at=now, instance_id=message.instance_id,
                       message_id=message.id, kind=message.kind)
        append_events(session, events)
        session.commit()
    return counts


def pending_messages(session: Session, limit: int = 100) -> list[OutboxMessage]:
    """Messages waiting for SMTP: pending, and failed ones with attempts left, oldest first."""
    return list(session.scalars(
        select(OutboxMessage).where(
            (OutboxMessage.state == "pending")
            | ((OutboxMessage.state == "failed") & (OutboxMessage.attempts < MAX_ATTEMPTS)))
        .order_by(OutboxMessage.id).limit(limit)))


def outbox(session: Session, *, states: tuple[str, ...] | None = None, limit: int = 200) -> list[OutboxMessage]:
    """Outbox rows, newest first (the petugas' outbox page)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if states:
        query = query.where(OutboxMessage.state.in_(states))
    return list(session.scalars(query))


@operation
def mark_delivered_by_hand(session: Session, ctx: EngineContext, message_id: int, note: str, *,
                           actor: Actor) -> OutboxMessage:
    """The petugas delivered the message another way (telephone, WhatsApp, in person); audited."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(what=f"Pesan {message_id}")
    if message.state in ("sent", "delivered_by_hand"):
        raise InvalidInput(detail="Pesan ini sudah terkirim")
    now = ctx.clock.now()
    message.state, message.sent_at, message.handled_by = "delivered_by_hand", now, actor.name
    _redact_key(message)
    events = PendingEvents()
    events.add("NOTIFICATION_DELIVERED_BY_HAND", actor=actor.name, at=now, instance_id=message.instance_id,
               message_id=message.id, kind=message.kind, note=note[:500])
    append_events(session, events)
    return message
