"""Office time per step and per official: official steps completed in a period, from ``step_time``.

Counts and within/over the standard time are grouped SQL; the median and 90th percentile read the one or
two rows at their rank through an index ordered by office time (``ORDER BY office_seconds LIMIT 2 OFFSET
rank``), so no step row is fetched or sorted in Python. The rank and interpolation are those of
:func:`engine.recap_stats.percentile` (linear between ranks).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .models import ProcessVersion
from .recap_counts import at
from .recap_models import StepTime
from .recap_stats import percentile

T = StepTime


class _Ranked(Sequence):
    """The sorted office times of the steps matching ``where``, read from the database at a rank on demand."""

    def __init__(self, session: Session, where: tuple, count: int):
        self.session, self.where, self.count = session, where, count
        self.read: dict[int, float] = {}

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, rank):  # type: ignore[override]
        if rank not in self.read:
            # walk the index from the nearer end: the 90th percentile reads a tenth of the rows, not nine
            descending = rank >= self.count // 2
            skip = max(self.count - 2 - rank, 0) if descending else rank
            order = T.office_seconds.desc() if descending else T.office_seconds
            values = self.session.connection().execute(
                select(T.office_seconds).where(*self.where).order_by(order).limit(2).offset(skip)).scalars()
            for offset, value in enumerate(values):
                self.read[self.count - 1 - skip - offset if descending else skip + offset] = value
        return self.read[rank]


def _spread(session: Session, where: tuple, count: int) -> dict:
    ranked = _Ranked(session, where, count)
    return {"count": count, "median_seconds": _rounded(percentile(ranked, 0.5)),
            "p90_seconds": _rounded(percentile(ranked, 0.9))}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def step_times(session: Session, keys: Sequence[str], since: datetime,
               cutoff: datetime) -> tuple[list[dict], list[dict]]:
    """Per step and per official: office time of official steps completed in [since, cutoff]."""
    if not keys or cutoff <= since:
        return [], []
    period = (T.completed_at >= at(since), T.completed_at <= at(cutoff))
    with_standard = T.standard_seconds.is_not(None) & (T.standard_seconds != 0)
    within = func.sum(case((with_standard & (T.office_seconds <= T.standard_seconds), 1), else_=0))
    connection = session.connection()
    groups = connection.execute(
        select(T.process_key, T.bpmn_id, func.count(), func.max(T.standard_seconds), within)
        .where(T.process_key.in_(keys), *period).group_by(T.process_key, T.bpmn_id)
        .order_by(T.process_key, T.bpmn_id)).all()
    names = step_names(session, keys)
    steps = []
    for process, bpmn_id, count, standard, inside in groups:
        name, role = names.get((process, bpmn_id), (bpmn_id, ""))
        where = (T.process_key == process, T.bpmn_id == bpmn_id, *period)
        measured = int(inside) if standard else None
        steps.append({"process": process, "bpmn_id": bpmn_id, "name": name, "role": role,
                      "standard_seconds": standard, **_spread(session, where, count),
                      "within_standard": measured,
                      "over_standard": count - measured if measured is not None else None})
    # filters wrapped, so that SQLite groups along the officials' index (covering: no sort, no row read)
    completed = func.coalesce(T.completed_at, T.completed_at)
    people = connection.execute(
        select(T.completed_by, func.count(), func.sum(case((with_standard, 1), else_=0)), within)
        .where(func.coalesce(T.process_key, "").in_(keys), completed >= at(since), completed <= at(cutoff))
        .group_by(T.completed_by).order_by(T.completed_by)).all()
    officials = []
    for official, count, standards, inside in people:
        where = (T.completed_by == official, T.process_key.in_(keys), *period)
        entry = {**_spread(session, where, count), "within_standard": int(inside or 0),
                 "over_standard": int(standards or 0) - int(inside or 0), "official": official,
                 "with_standard": int(standards or 0)}
        officials.append(entry)
    return steps, officials


def step_names(session: Session, keys: Sequence[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(process, bpmn_id) → (step name, lane role) from the deployed versions (newest wins)."""
    names: dict[tuple[str, str], tuple[str, str]] = {}
    for process, summary_data in session.execute(select(ProcessVersion.process_key, ProcessVersion.summary)
                                                 .where(ProcessVersion.process_key.in_(keys))
                                                 .order_by(ProcessVersion.version)):
        for bpmn_id, info in ((summary_data or {}).get("user_tasks") or {}).items():
            names[(process, bpmn_id)] = (info.get("name") or bpmn_id, info.get("lane") or "")
    return names
