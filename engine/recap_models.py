"""Tables of the recap feature: frozen recap snapshots and the recap process runs (one per period)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, HumanTask, ProcessInstance

# The recap reads a period's complaints by receipt time and each one's step rows; these indexes make that
# an index range plus index-only lookups (tables created before them get them from a migration).
Index("ix_process_instance_received_at", ProcessInstance.received_at)
Index("ix_process_instance_completed_at", ProcessInstance.completed_at)
Index("ix_human_task_recap", HumanTask.instance_id, HumanTask.ready_at, HumanTask.completed_at, HumanTask.due_at,
      HumanTask.sla_due_at, HumanTask.role, HumanTask.state, HumanTask.is_escalation, HumanTask.bpmn_id)
Index("ix_human_task_completed_at", HumanTask.completed_at)


class RecapSnapshot(Base):
    """A recap as generated for a period: a ``draft`` while the kasi reviews it, then ``frozen``.

    A frozen snapshot never changes (no code path updates it; :func:`engine.recap_runs.freeze_snapshot`
    refuses): its ``data`` (the JSON of :func:`engine.recap.compute_recap`) and ``sha256`` over the
    canonical JSON are what the kabid and the kepala dinas received.
    """

    __tablename__ = "recap_snapshot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)  # the recap process (or "" on demand)
    scope: Mapped[str] = mapped_column(String(300))  # complaint process keys, comma-separated
    period_key: Mapped[str] = mapped_column(String(40), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="draft")  # draft | frozen
    data: Mapped[dict]
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")  # the kasi's annotation
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120))
    frozen_at: Mapped[datetime | None]
    frozen_by: Mapped[str | None] = mapped_column(String(120))


class RecapRun(Base):
    """One run of a recap process for one period (the unique key makes starting a period idempotent)."""

    __tablename__ = "recap_run"
    __table_args__ = (
        # one run per process and period; a duplicate run (a timer that fired for a period already
        # recapped) points to it instead
        Index("uq_recap_run_period", "process_key", "period_key", unique=True,
              sqlite_where=text("duplicate_of IS NULL"), postgresql_where=text("duplicate_of IS NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    period_key: Mapped[str] = mapped_column(String(40))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36))  # the preparing step (kasi / PPP)
    task_guids: Mapped[list]  # every step of this run (preparing, receiving, archiving)
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("recap_snapshot.id"))
    trigger: Mapped[str] = mapped_column(String(20))  # timer | on_demand
    created_at: Mapped[datetime]
