"""Tables of the process editor: drafts being edited, and instance migrations (kept so they can be reverted)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ProcessDraft(Base):
    """A BPMN being edited in the browser; ``revision`` grows on every save so concurrent edits are caught."""

    __tablename__ = "process_draft"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str | None] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict]  # form filename -> JSON Schema edited or added in this draft
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_version.id"))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    problems: Mapped[list]  # last server lint: [{element_id, code, params}]
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime]
    deployed_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_version.id"))


class InstanceMigration(Base):
    """One instance moved to another version: what it was before, so the move can be reverted."""

    __tablename__ = "instance_migration"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    previous_state_json: Mapped[str] = mapped_column(Text)
    previous_serializer_version: Mapped[str] = mapped_column(String(40))
    previous_stage: Mapped[str] = mapped_column(String(300), default="")
    lock_version_after: Mapped[int] = mapped_column(Integer)  # the instance must not have moved since
    migrated_by: Mapped[str] = mapped_column(String(80))
    migrated_at: Mapped[datetime]
    reverted_by: Mapped[str | None] = mapped_column(String(80))
    reverted_at: Mapped[datetime | None]
