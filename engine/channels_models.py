"""Tables of the "no wrong door" feature: where each complaint came from (channel, recording petugas,
import source key, SP4N-LAPOR! tracking ID), its attachments, duplicate flags and the reporter outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ComplaintIntake(Base):
    """One row per complaint: how it entered Alur (one per instance, written in the submit transaction)."""

    __tablename__ = "complaint_intake"
    __table_args__ = (
        UniqueConstraint("source_kind", "source_key", name="uq_complaint_intake_source"),
        Index("ix_complaint_intake_received", "received_at"),
    )
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"),
                                             primary_key=True)
    channel: Mapped[str | None] = mapped_column(String(40))
    received_at: Mapped[datetime]
    recorded_at: Mapped[datetime]  # entry time (distinct from receipt: deadlines count from received_at)
    recorded_by: Mapped[str] = mapped_column(String(120))  # the petugas, the reporter, or system:import
    #: ``form`` (typed in), ``email`` (Message-ID), ``lapor`` (LAPOR! tracking ID); key unique per kind
    source_kind: Mapped[str] = mapped_column(String(20), default="form")
    source_key: Mapped[str | None] = mapped_column(String(300))
    lapor_id: Mapped[str | None] = mapped_column(String(60), unique=True)
    lapor_category: Mapped[str | None] = mapped_column(String(200))
    # normalised contact and text, for duplicate detection (never shown: visibility governs display)
    reporter_phone: Mapped[str | None] = mapped_column(String(40), index=True)
    reporter_email: Mapped[str | None] = mapped_column(String(320), index=True)
    text_digest: Mapped[str] = mapped_column(Text, default="")
    merged_into: Mapped[int | None] = mapped_column(Integer, index=True)


class Attachment(Base):
    """A file attached to a complaint, stored outside the web root under the instance folder."""

    __tablename__ = "complaint_attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # the name as uploaded (display only)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(200))  # relative to the attachment root
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime]


class DuplicateFlag(Base):
    """A possible duplicate shown to the petugas: open until merged or dismissed."""

    __tablename__ = "duplicate_flag"
    __table_args__ = (UniqueConstraint("instance_id", "candidate_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(40))  # same_phone | same_email | similar_text
    score: Mapped[float] = mapped_column(default=1.0)
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open|merged|dismissed
    flagged_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A message to a reporter; drained by the SMTP sender, or handled by hand by the petugas."""

    __tablename__ = "outbox_message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # receipt | answer
    recipient: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: pending (waiting for SMTP) | sent | failed (retried) | no_address | delivered_by_hand
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    handled_by: Mapped[str | None] = mapped_column(String(120))
