"""Tables of the recap feature: per-complaint facts kept by the runtime, frozen recap snapshots and the
recap process runs (one per period)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, ProcessInstance

# Recent complaints listed by receipt time (``engine.channels``); the recap reads ``complaint_summary``.
Index("ix_process_instance_received_at", ProcessInstance.received_at)
Index("ix_process_instance_completed_at", ProcessInstance.completed_at)


class ComplaintSummary(Base):
    """One narrow row per complaint, kept in line with its instance and step rows by the runtime in the
    same transaction (:func:`engine.recap_facts.record_complaint_facts`), so that the recap and the
    dashboard are grouped counts over this table instead of a pass over every step row.

    The complaint's state (``open`` / ``reporter`` waiting for the reporter / ``finished``) is kept as it
    changes: the current one here (since ``state_since``), the earlier ones in ``complaint_state``. The
    deadline facts are the moments from which a flag holds (a recap as at a cut-off compares them with
    the cut-off): ``sla_since`` the first step with a boundary-timer deadline became ready,
    ``sla_missed_at`` / ``standard_missed_at`` the earliest deadline an official step passed without being
    completed by it, ``escalated_at`` the first escalation step, ``forwarded_at`` the forwarding step done.
    """

    __tablename__ = "complaint_summary"
    __table_args__ = (
        # a period's complaints in receipt order (the list) and their counts
        Index("ix_complaint_summary_received", "received_at"),
        # the backlog at a cut-off, read from the index alone but for complaints not finished by then
        Index("ix_complaint_summary_backlog", "received_at", "merged", "state_since", "finished_at", "process_key"),
    )
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"),
                                             primary_key=True, autoincrement=False)
    process_key: Mapped[str] = mapped_column(String(100))
    tracking_code: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(100))  # the intake form's, as first recorded
    anonymity: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(300))
    answer: Mapped[str | None] = mapped_column(String(200))  # the first characters of the answer
    stage: Mapped[str] = mapped_column(String(300), default="")
    started_by: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime | None]
    merged: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12))  # open | reporter | finished
    state_since: Mapped[datetime]
    finished_at: Mapped[datetime | None]  # while finished: when (the instance completed, or its main path)
    sla_since: Mapped[datetime | None]
    sla_missed_at: Mapped[datetime | None]
    standard_missed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    forwarded_at: Mapped[datetime | None]


class ComplaintState(Base):
    """An earlier state of a complaint, [since, until) — the recap of a past period reads the state at its
    cut-off from here when the complaint has changed since."""

    __tablename__ = "complaint_state"
    __table_args__ = (Index("ix_complaint_state_instance", "instance_id", "since", "until"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(12))
    since: Mapped[datetime]
    until: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class StepTime(Base):
    """One completed official (non-``pelapor``) step with its office time, written by the runtime when the
    step is completed (office hours of working days as the calendar stood then: like deadlines, a later
    calendar change does not rewrite it). The recap's per-step and per-official median and 90th percentile
    read single rows at a rank through the two ordered indexes instead of sorting every step."""

    __tablename__ = "step_time"
    __table_args__ = (
        Index("ix_step_time_step", "process_key", "bpmn_id", "office_seconds", "completed_at", "standard_seconds"),
        Index("ix_step_time_official", "completed_by", "office_seconds", "completed_at", "process_key",
              "standard_seconds"),
        Index("ix_step_time_completed", "completed_at", "process_key", "deadline"),
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    process_key: Mapped[str] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    completed_by: Mapped[str] = mapped_column(String(120))
    completed_at: Mapped[datetime]
    standard_seconds: Mapped[float | None] = mapped_column(Float)
    office_seconds: Mapped[float] = mapped_column(Float)
    deadline: Mapped[datetime | None]  # the step's earliest deadline (standard time or boundary timer)


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
