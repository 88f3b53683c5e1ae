"""Complaints as at a cut-off, in SQL over ``complaint_summary`` (and ``complaint_state`` for a complaint
whose state changed after the cut-off): status, deadline state, the period's list and counts, the backlog.

The status and deadline state of a complaint at the cut-off are column expressions (:func:`at_cutoff`),
used alike by the list, the grouped counts and the backlog, so the recap, its previous period and the
dashboard count by one definition (the rules: ``engine.recap_facts``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import String, case, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from .lapor import closing_timers
from .models import Timer, UTCDateTime
from .recap_models import ComplaintState, ComplaintSummary

STATUSES = ("answered", "in_progress", "forwarded", "closed_no_response", "incomplete", "merged")
SLA_STATES = ("on_time", "late", "pending", "not_applicable")
UNKNOWN_CHANNEL = "tidak_diketahui"
NO_CATEGORY = "tanpa_kategori"

S, H = ComplaintSummary, ComplaintState


def at(value: datetime) -> Any:
    """A bound datetime typed like the columns (so SQLite compares the same text format)."""
    return literal(value, UTCDateTime())


def iso_text(dialect: str, column) -> Any:
    """The datetime column as ISO 8601 UTC text with microseconds (``2026-04-01T02:00:00.000000+00:00``),
    made by the database: no datetime object per row."""
    if dialect == "sqlite":  # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, see models.UTCDateTime)
        text = type_coerce(column, String)
        return func.substr(text, 1, 10).concat("T").concat(func.substr(text, 12)).concat("+00:00")
    return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')


@dataclass(frozen=True)
class AtCutoff:
    """Column expressions of a complaint as at a cut-off."""

    state: Any  # open | reporter | finished
    finished_at: Any  # when it was finished, if it was by the cut-off
    status: Any  # one of STATUSES
    sla: Any  # one of SLA_STATES
    escalated: Any  # 1 | 0


def at_cutoff(cutoff: datetime) -> AtCutoff:
    """The expressions for ``cutoff``: the current state when it began by then, else the recorded one."""
    cut = at(cutoff)
    current = S.state_since <= cut

    def recorded(column):
        return (select(column).where(H.instance_id == S.instance_id, H.since <= cut, H.until > cut)
                .limit(1).scalar_subquery())

    state = case((current, S.state), else_=func.coalesce(recorded(H.state), "open"))
    finished_at = case((current, S.finished_at), else_=recorded(H.finished_at))
    finished = finished_at.is_not(None)
    has_sla = S.sla_since.is_not(None) & (S.sla_since <= cut)
    late = ((has_sla & S.sla_missed_at.is_not(None) & (S.sla_missed_at < cut))
            | (~has_sla & S.standard_missed_at.is_not(None) & (S.standard_missed_at < cut)))
    # closed because the reporter did not reply: a closing timer (SP4N-LAPOR!'s 10 days) fired by the cut-off
    closed = (select(Timer.id).where(Timer.instance_id == S.instance_id, Timer.state == "fired",
                                     Timer.bpmn_id.in_(closing_timers()), Timer.fired_at <= cut).exists())
    status = case((S.merged, "merged"), (finished & S.forwarded_at.is_not(None) & (S.forwarded_at <= cut), "forwarded"),
                  (finished & closed, "closed_no_response"), (finished, "answered"),
                  (state == "reporter", "incomplete"), else_="in_progress")
    sla = case((S.merged, "not_applicable"), (late, "late"), (finished, "on_time"), else_="pending")
    escalated = case((S.escalated_at.is_not(None) & (S.escalated_at <= cut), 1), else_=0)
    return AtCutoff(state, finished_at, status, sla, escalated)


def received_in(keys: Sequence[str], since: datetime, until: datetime) -> tuple:
    """Complaints of ``keys`` received in [since, until)."""
    return S.process_key.in_(keys), S.received_at >= at(since), S.received_at < at(until)


# -- counts ----------------------------------------------------------------------------------------

#: A group of complaints counted together: (process, channel, category, status, sla, escalated).
Group = tuple[str, str, str, str, str, int]


def grouped(session: Session, keys: Sequence[str], since: datetime, until: datetime,
            cutoff: datetime) -> Counter[Group]:
    """The period's complaints counted per :data:`Group` by the database."""
    if not keys:
        return Counter()
    c = at_cutoff(cutoff)
    columns = (S.process_key, S.channel, S.category, c.status, c.sla, c.escalated)
    rows = session.connection().execute(select(*columns, func.count()).where(*received_in(keys, since, until))
                                        .group_by(*columns))
    out: Counter[Group] = Counter()
    for process, channel, category, status, sla, escalated, count in rows:
        out[(process, channel or UNKNOWN_CHANNEL, category or NO_CATEGORY, status, sla, int(escalated))] += count
    return out


def totals(groups: Counter[Group]) -> dict:
    """received, each status, each deadline state, escalated and the share on time of those decided."""
    status: Counter[str] = Counter()
    sla: Counter[str] = Counter()
    escalated = 0
    for (_, _, _, group_status, group_sla, group_escalated), count in groups.items():
        status[group_status] += count
        sla[group_sla] += count
        escalated += count if group_escalated else 0
    decided = sla["on_time"] + sla["late"]
    return {
        "received": sum(groups.values()), **{s: status[s] for s in STATUSES}, **{s: sla[s] for s in SLA_STATES},
        "escalated": escalated, "sla_rate": round(sla["on_time"] / decided, 4) if decided else None,
    }


def counted_by(groups: Counter[Group], index: int) -> list[dict]:
    """[{key, count}] of one part of the groups (1: channel, 2: category), most first."""
    counter: Counter[str] = Counter()
    for group, count in groups.items():
        counter[group[index]] += count
    return [{"key": key, "count": count} for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def by_process(groups: Counter[Group], keys: Iterable[str], names: dict) -> list[dict]:
    """Per process: received, statuses, deadline states and the share on time."""
    split: dict[str, Counter[Group]] = {key: Counter() for key in keys}
    for group, count in groups.items():
        split.setdefault(group[0], Counter())[group] += count
    out = []
    for key, mine in split.items():
        counts = totals(mine)
        out.append({"key": key, "name": names.get(key, key),
                    **{k: counts[k] for k in ("received", "answered", "forwarded", "in_progress", "incomplete",
                                              "merged", "on_time", "late", "pending", "sla_rate")}})
    return out


# -- the list --------------------------------------------------------------------------------------

class Listed(NamedTuple):
    """The period's complaints as at the cut-off, in receipt order."""

    rows: list[dict]  # the list entries (ISO times), before masking
    groups: list[Group]  # each one's counting group
    recorders: list[str]  # each one's ``started_by`` (who recorded it decides who may see the identity)


#: Keys of a list entry, in the order :func:`listed` selects them (``started_by`` last, not an entry key).
LIST_KEYS = ("tracking_code", "process", "channel", "category", "status", "sla", "escalated", "anonymity",
             "received_at", "completed_at", "stage", "subject", "answer")


def _or(column, default: str):
    """``column``, or ``default`` when it is NULL or empty (as Python's ``or``)."""
    return case((column.is_(None) | (column == ""), default), else_=column)


def listed(session: Session, keys: Sequence[str], since: datetime, until: datetime, cutoff: datetime) -> Listed:
    """The period's complaints in receipt order, each with its list entry and counting group (the entries
    are made by the database: the loop only zips them)."""
    out = Listed([], [], [])
    if not keys:
        return out
    c = at_cutoff(cutoff)
    dialect = session.get_bind().dialect.name
    finished = c.finished_at.is_not(None)
    query = (select(S.tracking_code, S.process_key, _or(S.channel, UNKNOWN_CHANNEL), _or(S.category, NO_CATEGORY),
                    c.status, c.sla, c.escalated, _or(S.anonymity, "none"), iso_text(dialect, S.received_at),
                    iso_text(dialect, c.finished_at),
                    # a finished complaint keeps the final stage its process named (e.g. "Diteruskan ke …")
                    case((finished, _or(S.stage, "Selesai")), else_=func.coalesce(S.stage, "")),
                    func.coalesce(S.subject, ""), case((finished, func.coalesce(S.answer, "")), else_=""),
                    S.started_by)
             .where(*received_in(keys, since, until)).order_by(S.received_at, S.instance_id))
    rows, groups, recorders = out
    for row in session.connection().execute(query):
        entry = dict(zip(LIST_KEYS, row, strict=False))  # started_by, the last column, is not an entry key
        entry["escalated"] = bool(row[6])
        rows.append(entry)
        groups.append(tuple(row[1:7]))
        recorders.append(row[13])
    return out


# -- backlog ---------------------------------------------------------------------------------------

def backlog(session: Session, keys: Sequence[str], cutoff: datetime) -> dict:
    """Complaints received by the cut-off (any period) that were neither finished nor merged by it."""
    empty = {"total": 0, "by_process": [], "oldest_received_at": None}
    if not keys:
        return empty
    cut = at(cutoff)
    c = at_cutoff(cutoff)
    # finished now and already by the cut-off: not backlog, decided from the row itself (most complaints)
    maybe_open = S.finished_at.is_(None) | (S.state_since > cut)
    rows = session.connection().execute(
        select(S.process_key, func.count(), func.min(iso_text(session.get_bind().dialect.name, S.received_at)))
        .where(S.received_at <= cut, ~S.merged, maybe_open, S.process_key.in_(keys), c.finished_at.is_(None))
        .group_by(S.process_key)).all()
    if not rows:
        return empty
    return {"total": sum(count for _, count, _ in rows),
            "by_process": [{"key": key, "count": count} for key, count, _ in sorted(rows)],
            "oldest_received_at": min(oldest for _, _, oldest in rows)}
