"""Tables of the audit feature beside the chain itself: the runs of the whole-chain check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ChainCheck(Base):
    """One check of the whole hash chain: asked for on the auditor's page (run in the background) or run by
    ``alur audit verify``. Its progress while it runs and its outcome, which is also recorded in the chain
    itself as a ``CHAIN_VERIFIED`` event (``event_seq``).

    Bookkeeping, not history: progress rows change while the check runs; what was found is the event.
    """

    __tablename__ = "chain_check"
    __table_args__ = (
        # True while queued or running, NULL afterwards: at most one check is under way at a time, whichever
        # web worker was asked (NULLs do not collide)
        Index("uq_chain_check_under_way", "under_way", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(20))  # queued | running | done | failed | abandoned
    under_way: Mapped[bool | None] = mapped_column(Boolean)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime]  # the running check writes it with each batch; a stale one has died
    finished_at: Mapped[datetime | None]
    total: Mapped[int] = mapped_column(Integer, default=0)  # events in the chain when the check started
    checked: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    broken_seq: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40), default="")  # chain_* when broken
    seconds: Mapped[float | None]
    error: Mapped[str] = mapped_column(Text, default="")  # why a failed check stopped
    event_seq: Mapped[int | None] = mapped_column(Integer)  # its CHAIN_VERIFIED event
