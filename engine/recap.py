"""The complaint recap (rekapitulasi) of a period: counts, status, deadlines, step times, backlog.

Computed with a handful of SQL queries over the ``process_instance``, ``human_task`` and
``audit_event`` rows (no workflow is loaded); step office time is counted with the office calendar.
Everything is measured **as at the cut-off**: the end of the period (or now, for a period not yet over),
so a recap of a past period gives the same numbers whenever it is computed (except for complaints
recorded later with an earlier receipt time).

Definitions (documented in the report's ``definitions`` too):

- *received*: complaints of the selected processes with ``received_at`` inside the period.
- *status* at the cut-off: ``answered`` (instance finished), ``forwarded`` (finished through a
  forwarding step of ``processes/lapor_status.json``, e.g. ``teruskan_instansi_lain``), ``incomplete``
  (returned to the reporter: a ``pelapor`` step other than the intake is waiting), ``merged`` (merged into
  another complaint as a duplicate), ``in_progress`` (everything else).
- *deadline* of a complaint: its steps' boundary-timer deadlines (``sla_due_at``, e.g. Sanggau's 7
  working days) when it has any, else each step's SOP standard time (``due_at``, Muba). A complaint is
  ``late`` when one of its official steps passed its deadline before the cut-off without being completed
  by it; ``on_time`` when it finished without that; ``pending`` when open and not late yet; merged
  complaints are ``not_applicable``. ``escalated``: an escalation step was raised.
- *steps*: official (non-``pelapor``) steps **completed inside the period**, office time from ready to
  completed, against the SOP standard time.
- *backlog*: complaints received before the cut-off (any period) not finished (nor merged) by it.
"""

from __future__ import annotations

import calendar as month_calendar
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Float, case, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from .actors import Actor
from .context import EngineContext
from .errors import InvalidData
from .lapor import status_map
from .models import AuditEvent, HumanTask, ProcessInstance, ProcessVersion, UTCDateTime
from .recap_stats import summary, timeline_for
from .visibility import mask_data, recorded_by

SCHEMA_VERSION = 1
STATUSES = ("answered", "in_progress", "forwarded", "incomplete", "merged")
SLA_STATES = ("on_time", "late", "pending", "not_applicable")
#: Longest period a recap may cover (a year and a half: a semester report with room to spare).
MAX_PERIOD_DAYS = 550
#: Characters of the answer shown in the complaint list.
ANSWER_SUMMARY_CHARS = 160
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember")


# -- periods ---------------------------------------------------------------------------------------

def month_period(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    return date(year, month, 1), date(year, month, month_calendar.monthrange(year, month)[1])


def semester_period(year: int, half: int) -> tuple[date, date]:
    """First and last day of semester 1 (Jan–Jun) or 2 (Jul–Dec)."""
    return (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))


def period_key(start: date, end: date) -> str:
    """``2026-03`` for a month, ``2026-S1`` for a semester, ``2026-03-01..2026-03-15`` otherwise."""
    if start.day == 1 and (start, end) == month_period(start.year, start.month):
        return f"{start.year:04d}-{start.month:02d}"
    for half in (1, 2):
        if (start, end) == semester_period(start.year, half):
            return f"{start.year:04d}-S{half}"
    return f"{start.isoformat()}..{end.isoformat()}"


def period_from_key(key: str) -> tuple[date, date]:
    """The inverse of :func:`period_key`; InvalidData (field ``period``) when unreadable."""
    text = (key or "").strip()
    try:
        if "..." not in text and ".." in text:
            first, last = text.split("..")
            return validate_period(date.fromisoformat(first), date.fromisoformat(last))
        if "-S" in text.upper():
            year, half = text.upper().split("-S")
            if half in ("1", "2"):
                return semester_period(int(year), int(half))
        elif len(text) == 7 and text[4] == "-":
            return month_period(int(text[:4]), int(text[5:]))
    except ValueError:
        pass
    raise InvalidData({"period": ("field_invalid", {"detail": f"periode '{text}' (pakai TTTT-BB, TTTT-S1 "
                                                              "atau TTTT-BB-HH..TTTT-BB-HH)"})})


def period_label(start: date, end: date) -> str:
    """Indonesian label: ``Maret 2026``, ``Semester 1 2026`` or ``1 Mar 2026 – 15 Mar 2026``."""
    key = period_key(start, end)
    if "-S" in key:
        return f"Semester {key[-1]} {start.year}"
    if ".." not in key:
        return f"{MONTHS_ID[start.month - 1]} {start.year}"
    return f"{start.day} {MONTHS_ID[start.month - 1][:3]} {start.year} – {end.day} {MONTHS_ID[end.month - 1][:3]} {end.year}"


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period just before: as many whole months before a whole-month period, else as many days."""
    if start.day == 1 and end == month_period(end.year, end.month)[1]:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1 - months
        first = date(index // 12, index % 12 + 1, 1)
        return first, start - timedelta(days=1)
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def validate_period(start: date, end: date) -> tuple[date, date]:
    """The period if acceptable; InvalidData naming ``from``/``to`` otherwise."""
    if end < start:
        raise InvalidData({"to": ("field_invalid", {"detail": "tanggal akhir sebelum tanggal awal"})})
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidData({"to": ("field_invalid", {"detail": f"periode lebih dari {MAX_PERIOD_DAYS} hari"})})
    return start, end


def parse_period(from_text: str | None, to_text: str | None) -> tuple[date, date]:
    """``from``/``to`` query values (``YYYY-MM-DD``) → dates; InvalidData with the field otherwise."""
    errors: dict[str, tuple[str, dict]] = {}
    values: dict[str, date] = {}
    for name, text in (("from", from_text), ("to", to_text)):
        try:
            values[name] = date.fromisoformat((text or "").strip())
        except ValueError:
            errors[name] = ("field_invalid", {"detail": f"'{text or ''}' bukan tanggal TTTT-BB-HH"})
    if errors:
        raise InvalidData(errors)
    return validate_period(values["from"], values["to"])


# -- scope -----------------------------------------------------------------------------------------

def complaint_process_keys(session: Session, selector: str | Iterable[str] | None = None) -> list[str]:
    """Complaint process keys for a selector: keys (comma-separated or a list), an office prefix
    (``muba``), a recap process of an office (``muba_rekap_bulanan`` → ``muba_*`` complaints) or None (all)."""
    known = sorted(set(session.scalars(select(ProcessVersion.process_key).where(ProcessVersion.is_complaint))))
    if selector is None or selector == "":
        return known
    items = [s.strip() for s in (selector.split(",") if isinstance(selector, str) else selector) if s.strip()]
    chosen: list[str] = []
    for item in items:
        if item in known:
            chosen.append(item)
            continue
        office = item.split("_", 1)[0]
        matches = [k for k in known if k.split("_", 1)[0] == office]
        if not matches:
            raise InvalidData({"process": ("field_invalid", {"detail": f"proses '{item}' tidak dikenal"})})
        chosen.extend(matches)
    return sorted(set(chosen))


def _utc_bounds(ctx: EngineContext, start: date, end: date) -> tuple[datetime, datetime]:
    tz = ctx.calendar.tz
    return (datetime.combine(start, datetime.min.time(), tzinfo=tz).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC))


def _at(value: datetime) -> Any:
    """A bound datetime typed like the columns (so SQLite compares the same text format)."""
    return literal(value, UTCDateTime())


def _epoch(dialect: str, column) -> Any:
    """The column as seconds since 1970 (UTC), computed by the database: no datetime objects per row."""
    if dialect == "sqlite":
        return type_coerce((func.julianday(column) - 2440587.5) * 86400.0, Float)
    return type_coerce(func.extract("epoch", column), Float)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _stamp(value: float | None) -> datetime | None:
    """Epoch seconds → aware UTC datetime (to the millisecond: SQLite's julianday is exact to ~50 µs)."""
    return None if value is None else datetime.fromtimestamp(round(value, 3), UTC)


# -- per-complaint flags from its step rows ---------------------------------------------------------

def _flag_columns(cut, dialect: str) -> list:
    """Aggregates over a complaint's ``human_task`` rows, as at the cut-off ``cut``."""
    official = HumanTask.role != "pelapor"
    live = HumanTask.state != "cancelled"
    main = live & HumanTask.is_escalation.is_(False)

    def missed(deadline):
        return func.max(case((official & live & deadline.is_not(None) & (deadline < cut)
                              & (HumanTask.completed_at.is_(None) | (HumanTask.completed_at > deadline)), 1),
                             else_=0))

    open_at_cut = (HumanTask.ready_at <= cut) & (HumanTask.completed_at.is_(None) | (HumanTask.completed_at > cut))
    return [
        HumanTask.instance_id.label("instance_id"),
        func.max(case((HumanTask.sla_due_at.is_not(None) & (HumanTask.ready_at <= cut), 1), else_=0)).label("has_sla"),
        missed(HumanTask.sla_due_at).label("sla_missed"),
        missed(HumanTask.due_at).label("standard_missed"),
        func.max(case((HumanTask.is_escalation & (HumanTask.ready_at <= cut), 1), else_=0)).label("escalated"),
        func.max(case(((HumanTask.role == "pelapor") & live & open_at_cut, 1), else_=0)).label("waiting_reporter"),
        func.max(case((HumanTask.bpmn_id.in_(status_map().get("forwarding_steps", []))
                       & (HumanTask.completed_at <= cut), 1), else_=0)).label("forwarded"),
        # a step of the main path (not an escalation) still open: the complaint is not finished
        func.max(case((main & open_at_cut, 1), else_=0)).label("open_main"),
        type_coerce(func.max(case((main & (HumanTask.completed_at <= cut), _epoch(dialect, HumanTask.completed_at)),
                                  else_=None)), Float).label("last_main"),
    ]


def _finished_at(row, cutoff: float) -> float | None:
    """When (epoch) the complaint was finished, if by the cut-off: its instance completed, or its main path
    ended (every step but an escalation done: an open escalation does not keep an answered complaint open)."""
    if row.status == "merged":
        return None
    if row.completed is not None and row.completed <= cutoff + 0.001:
        return row.completed
    if row.open_main == 0 and row.last_main is not None:
        return row.last_main
    return None


# -- the complaints of a period --------------------------------------------------------------------

def _complaints(session: Session, keys: Sequence[str], since: datetime, until: datetime,
                cutoff: datetime, *, categories: bool = True) -> list[dict]:
    """One dict per complaint received in [since, until): metadata, status and deadline state at ``cutoff``
    (times as epoch seconds)."""
    if not keys:
        return []
    dialect = _dialect(session)
    cut = _at(cutoff)
    cutoff_stamp = cutoff.timestamp()
    # the process filter is wrapped so that SQLite walks the receipt-time index (rows come in group order)
    in_period = (func.coalesce(ProcessInstance.process_key, "").in_(keys), ProcessInstance.received_at >= _at(since),
                 ProcessInstance.received_at < _at(until), ProcessInstance.tracking_code.is_not(None))
    # one pass: each complaint of the period with the aggregates of its step rows (grouped by instance)
    query = (
        select(ProcessInstance.id, ProcessInstance.process_key, ProcessInstance.channel, ProcessInstance.status,
               _epoch(dialect, ProcessInstance.received_at).label("received"),
               _epoch(dialect, ProcessInstance.completed_at).label("completed"), ProcessInstance.tracking_code,
               ProcessInstance.subject, ProcessInstance.anonymity, ProcessInstance.answer, ProcessInstance.stage,
               ProcessInstance.started_by, *_flag_columns(cut, dialect)[1:])
        .outerjoin(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(*in_period).group_by(ProcessInstance.received_at, ProcessInstance.id)
        .order_by(ProcessInstance.received_at, ProcessInstance.id))
    out = []
    for row in session.connection().execute(query):  # Core rows: no ORM loading per row
        finished_at = _finished_at(row, cutoff_stamp)
        finished = finished_at is not None
        if row.status == "merged":
            status = "merged"
        elif finished:
            status = "forwarded" if row.forwarded else "answered"
        elif row.waiting_reporter:
            status = "incomplete"
        else:
            status = "in_progress"
        late = bool(row.sla_missed) if row.has_sla else bool(row.standard_missed)
        if status == "merged":
            sla = "not_applicable"
        elif late:
            sla = "late"
        else:
            sla = "on_time" if finished else "pending"
        out.append({
            "instance_id": row.id, "tracking_code": row.tracking_code, "process": row.process_key,
            "channel": row.channel or "tidak_diketahui", "category": None, "anonymity": row.anonymity or "none",
            "received_at": row.received, "completed_at": finished_at,
            "status": status, "sla": sla, "escalated": bool(row.escalated),
            # a finished complaint keeps the final stage its process named (e.g. "Diteruskan ke …")
            "stage": (row.stage or "Selesai") if finished else (row.stage or ""), "subject": row.subject or "",
            "answer": (row.answer or "")[:ANSWER_SUMMARY_CHARS] if finished else "",
            "started_by": row.started_by,
        })
    if categories:  # the previous period's totals do not need them
        _add_categories(session, out, in_period)
    return out


def _add_categories(session: Session, complaints: list[dict], in_period: tuple) -> None:
    """The category the intake form recorded (first ``TASK_COMPLETED`` input that names one)."""
    if not complaints:
        return
    by_id = {c["instance_id"]: c for c in complaints}
    steps = _steps_with_field(session, sorted({c["process"] for c in complaints}), "category")
    if not steps:
        return _no_category(complaints)
    category = AuditEvent.payload["input"]["category"].as_string()
    rows = session.connection().execute(
        select(AuditEvent.instance_id, category)
        .join(ProcessInstance, ProcessInstance.id == AuditEvent.instance_id)
        .where(*in_period, func.coalesce(AuditEvent.type, "") == "TASK_COMPLETED", AuditEvent.bpmn_id.in_(steps),
               category.is_not(None))
        .order_by(AuditEvent.seq.desc()))
    for instance_id, value in rows:
        if instance_id in by_id:
            by_id[instance_id]["category"] = value  # descending seq, the last written wins: the first recorded
    _no_category(complaints)


def _no_category(complaints: list[dict]) -> None:
    for complaint in complaints:
        complaint["category"] = complaint["category"] or "tanpa_kategori"


def _steps_with_field(session: Session, keys: Sequence[str], field: str) -> list[str]:
    """bpmn ids of the user tasks (any deployed version of ``keys``) whose form has the property ``field``."""
    found: set[str] = set()
    for forms, summary_data in session.execute(select(ProcessVersion.forms, ProcessVersion.summary)
                                               .where(ProcessVersion.process_key.in_(keys))):
        with_field = {name for name, schema in (forms or {}).items()
                      if field in ((schema or {}).get("properties") or {})}
        found |= {bpmn_id for bpmn_id, info in ((summary_data or {}).get("user_tasks") or {}).items()
                  if info.get("form") in with_field}
    return sorted(found)


def _totals(complaints: list[dict]) -> dict:
    status = Counter(c["status"] for c in complaints)
    sla = Counter(c["sla"] for c in complaints)
    decided = sla["on_time"] + sla["late"]
    return {
        "received": len(complaints), **{s: status[s] for s in STATUSES}, **{s: sla[s] for s in SLA_STATES},
        "escalated": sum(1 for c in complaints if c["escalated"]),
        "sla_rate": round(sla["on_time"] / decided, 4) if decided else None,
    }


def _counted(counter: Counter) -> list[dict]:
    return [{"key": key, "count": count} for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


# -- steps, officials, backlog ---------------------------------------------------------------------

def _steps(session: Session, ctx: EngineContext, keys: Sequence[str], since: datetime,
           cutoff: datetime) -> tuple[list[dict], list[dict]]:
    """Per step and per official: office time of official steps completed in [since, cutoff]."""
    if not keys or cutoff <= since:
        return [], []
    dialect = _dialect(session)
    # state and process wrapped so that SQLite walks the completion-time index, not the inbox index
    where = (func.coalesce(HumanTask.process_key, "").in_(keys), func.coalesce(HumanTask.state, "") == "completed",
             HumanTask.role != "pelapor", HumanTask.completed_at >= _at(since), HumanTask.completed_at <= _at(cutoff))
    rows = session.connection().execute(
        select(HumanTask.process_key, HumanTask.bpmn_id, HumanTask.completed_by, HumanTask.standard_seconds,
               _epoch(dialect, HumanTask.ready_at), _epoch(dialect, HumanTask.completed_at)).where(*where)).all()
    if not rows:
        return [], []
    names = _step_names(session, keys)
    earliest = min(r[4] for r in rows)
    timeline = timeline_for(ctx.calendar, [_stamp(earliest), cutoff])
    assert timeline is not None
    position = timeline.position_of_stamp
    per_step: dict[tuple[str, str], list[float]] = defaultdict(list)
    standards: dict[tuple[str, str], float | None] = {}
    per_official: dict[str, list[tuple[float, float | None]]] = defaultdict(list)
    for process, bpmn_id, official, standard, ready, completed in rows:
        seconds = round(position(completed) - position(ready), 3)
        seconds = seconds if seconds > 0 else 0.0
        key = (process, bpmn_id)
        per_step[key].append(seconds)
        standards.setdefault(key, standard)
        per_official[official or "?"].append((seconds, standard))
    steps = []
    for (process, bpmn_id), values in sorted(per_step.items()):
        name, role = names.get((process, bpmn_id), (bpmn_id, ""))
        standard = standards[(process, bpmn_id)]
        steps.append({"process": process, "bpmn_id": bpmn_id, "name": name, "role": role,
                      "standard_seconds": standard, **summary(values, standard)})
    officials = []
    for official, pairs in sorted(per_official.items()):
        measured = [s for s, _ in pairs]
        with_standard = [(s, std) for s, std in pairs if std]
        within = sum(1 for s, std in with_standard if s <= std)
        entry = summary(measured, None)
        entry.update({"official": official, "with_standard": len(with_standard), "within_standard": within,
                      "over_standard": len(with_standard) - within})
        officials.append(entry)
    return steps, officials


def _step_names(session: Session, keys: Sequence[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(process, bpmn_id) → (step name, lane role) from the deployed versions (newest wins)."""
    names: dict[tuple[str, str], tuple[str, str]] = {}
    for process, summary_data in session.execute(select(ProcessVersion.process_key, ProcessVersion.summary)
                                                 .where(ProcessVersion.process_key.in_(keys))
                                                 .order_by(ProcessVersion.version)):
        for bpmn_id, info in ((summary_data or {}).get("user_tasks") or {}).items():
            names[(process, bpmn_id)] = (info.get("name") or bpmn_id, info.get("lane") or "")
    return names


def _backlog(session: Session, keys: Sequence[str], cutoff: datetime) -> dict:
    """Complaints received by the cut-off (any period) that were not finished (nor merged) by it."""
    empty = {"total": 0, "by_process": [], "oldest_received_at": None}
    if not keys:
        return empty
    dialect = _dialect(session)
    cut = _at(cutoff)
    # only instances not completed by the cut-off need their step rows looked at (few of them)
    unfinished = (func.coalesce(ProcessInstance.process_key, "").in_(keys), ProcessInstance.tracking_code.is_not(None),
                  ProcessInstance.received_at <= cut, ProcessInstance.status != "merged",
                  ProcessInstance.status.in_(("running", "error")) | (ProcessInstance.completed_at > cut))
    flags = _flag_columns(cut, dialect)
    rows = session.connection().execute(
        select(ProcessInstance.process_key, _epoch(dialect, ProcessInstance.received_at).label("received"),
               ProcessInstance.status, _epoch(dialect, ProcessInstance.completed_at).label("completed"),
               *[c for c in flags if c.name in ("open_main", "last_main")])
        .outerjoin(HumanTask, HumanTask.instance_id == ProcessInstance.id).where(*unfinished)
        .group_by(ProcessInstance.id)).all()
    cutoff_stamp = cutoff.timestamp()
    open_rows = [r for r in rows if _finished_at(r, cutoff_stamp) is None]
    if not open_rows:
        return empty
    counts = Counter(r.process_key for r in open_rows)
    return {"total": len(open_rows), "by_process": [{"key": k, "count": counts[k]} for k in sorted(counts)],
            "oldest_received_at": _iso(_stamp(min(r.received for r in open_rows)))}


# -- the report ------------------------------------------------------------------------------------

def compute_recap(session: Session, ctx: EngineContext, *, process_keys: str | Iterable[str] | None = None,
                  office: str | None = None, period_start: date, period_end: date, viewer: Actor,
                  purpose: str = "report", with_previous: bool = True) -> dict:
    """The recap of complaints of ``process_keys`` (or an ``office`` prefix; default all) for a period.

    Returns a JSON-ready dict (dates/times as ISO 8601 strings, durations in office seconds)::

        {"schema": 1,
         "scope": {"processes": [key…], "process_names": {key: name}, "office": str|None,
                   "period": {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD", "key": "2026-03"|"2026-S1"|"a..b",
                              "label": "Maret 2026"},
                   "cutoff": iso, "generated_at": iso, "timezone": "Asia/Jakarta", "purpose": str},
         "totals": {"received", "answered", "in_progress", "forwarded", "incomplete", "merged",
                    "on_time", "late", "pending", "not_applicable", "escalated": int,
                    "sla_rate": on_time / (on_time + late) or None},
         "by_status":   [{"key": status, "count"}] in STATUSES order (zeros included),
         "by_channel":  [{"key": channel, "count"}] most first,
         "by_category": [{"key": category, "count"}] most first ("tanpa_kategori" when none given),
         "by_process":  [{"key", "name", "received", "answered", "forwarded", "in_progress", "incomplete",
                          "merged", "on_time", "late", "pending", "sla_rate"}],
         "daily":       [{"date": "YYYY-MM-DD", "received", "answered"}] every day of the period,
         "steps":       [{"process", "bpmn_id", "name", "role", "standard_seconds"|None, "count",
                          "median_seconds", "p90_seconds", "within_standard"|None, "over_standard"|None}],
         "officials":   [{"official", "count", "median_seconds", "p90_seconds", "with_standard",
                          "within_standard", "over_standard"}],
         "backlog":     {"total", "by_process": [{"key", "count"}], "oldest_received_at": iso|None},
         "previous":    {"period": {…as above}, "totals": {…}, "backlog": int} | None,
         "comparison":  [{"metric", "current", "previous", "change"}] | [],
         "complaints":  [{"tracking_code", "process", "channel", "category", "anonymity", "received_at",
                          "completed_at"|None, "status", "sla", "escalated", "stage", "subject",
                          "answer" (first 160 characters)}]  — masked for ``viewer``/``purpose``,
         "definitions": {name: Indonesian sentence}}

    An empty period gives zeros and empty lists. Invalid periods raise InvalidData (field ``to``).
    """
    validate_period(period_start, period_end)
    keys = complaint_process_keys(session, process_keys if process_keys is not None else office)
    since, until = _utc_bounds(ctx, period_start, period_end)
    now = ctx.clock.now().astimezone(UTC)
    cutoff = min(until, now)
    complaints = _complaints(session, keys, since, until, cutoff)
    steps, officials = _steps(session, ctx, keys, since, cutoff)
    backlog = _backlog(session, keys, cutoff)
    names = dict(session.execute(select(ProcessVersion.process_key, ProcessVersion.name)
                                 .where(ProcessVersion.process_key.in_(keys))
                                 .order_by(ProcessVersion.version)).all()) if keys else {}
    totals = _totals(complaints)
    report = {
        "schema": SCHEMA_VERSION,
        "scope": {"processes": keys, "process_names": names, "office": office,
                  "period": _period_dict(period_start, period_end), "cutoff": _iso(cutoff),
                  "generated_at": _iso(now), "timezone": ctx.calendar.timezone, "purpose": purpose},
        "totals": totals,
        "by_status": [{"key": s, "count": totals[s]} for s in STATUSES],
        "by_channel": _counted(Counter(c["channel"] for c in complaints)),
        "by_category": _counted(Counter(c["category"] for c in complaints)),
        "by_process": _by_process(complaints, keys, names),
        "daily": _daily(ctx, complaints, period_start, period_end),
        "steps": steps, "officials": officials, "backlog": backlog,
        "previous": None, "comparison": [],
        "complaints": [_listed(c) for c in complaints],
        "definitions": DEFINITIONS,
    }
    if with_previous:
        prev_start, prev_end = previous_period(period_start, period_end)
        prev_since, prev_until = _utc_bounds(ctx, prev_start, prev_end)
        prev_cutoff = min(prev_until, now)
        prev_totals = _totals(_complaints(session, keys, prev_since, prev_until, prev_cutoff, categories=False))
        prev_backlog = _backlog(session, keys, prev_cutoff)["total"]
        report["previous"] = {"period": _period_dict(prev_start, prev_end), "totals": prev_totals,
                              "backlog": prev_backlog}
        report["comparison"] = _comparison(totals, backlog["total"], prev_totals, prev_backlog)
    return mask_recap(report, viewer, purpose)


DEFINITIONS = {
    "received": "Pengaduan yang diterima (waktu diterima) dalam periode.",
    "answered": "Pengaduan yang selesai dijawab sampai akhir periode.",
    "forwarded": "Pengaduan yang diteruskan ke instansi lain (bukan wewenang).",
    "incomplete": "Pengaduan yang dikembalikan kepada pelapor untuk dilengkapi dan belum dilengkapi.",
    "in_progress": "Pengaduan yang masih diproses pada akhir periode.",
    "merged": "Pengaduan yang digabung dengan pengaduan lain (duplikat).",
    "late": "Ada langkah petugas yang melewati tenggat (batas hari kerja, atau waktu standar SOP bila "
            "tidak ada batas hari kerja) sebelum akhir periode.",
    "on_time": "Selesai tanpa melewati tenggat.",
    "pending": "Belum selesai dan belum melewati tenggat.",
    "steps": "Langkah petugas yang selesai dalam periode; waktu dihitung dalam jam kerja kantor.",
    "backlog": "Pengaduan yang belum selesai pada akhir periode (termasuk dari periode sebelumnya).",
}


def _period_dict(start: date, end: date) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat(), "key": period_key(start, end),
            "label": period_label(start, end)}


def _by_process(complaints: list[dict], keys: Sequence[str], names: dict) -> list[dict]:
    grouped: dict[str, list[dict]] = {key: [] for key in keys}
    for complaint in complaints:
        grouped.setdefault(complaint["process"], []).append(complaint)
    out = []
    for key, items in grouped.items():
        totals = _totals(items)
        out.append({"key": key, "name": names.get(key, key),
                    **{k: totals[k] for k in ("received", "answered", "forwarded", "in_progress", "incomplete",
                                              "merged", "on_time", "late", "pending", "sla_rate")}})
    return out


def _daily(ctx: EngineContext, complaints: list[dict], start: date, end: date) -> list[dict]:
    tz = ctx.calendar.tz
    received = Counter(datetime.fromtimestamp(c["received_at"], tz).date() for c in complaints)
    answered = Counter(datetime.fromtimestamp(c["completed_at"], tz).date() for c in complaints
                       if c["completed_at"] is not None and c["status"] in ("answered", "forwarded"))
    days, day = [], start
    while day <= end:
        days.append({"date": day.isoformat(), "received": received[day], "answered": answered[day]})
        day += timedelta(days=1)
    return days


def _comparison(current: dict, backlog: int, previous: dict, previous_backlog: int) -> list[dict]:
    rows = []
    for metric in ("received", "answered", "on_time", "late", "incomplete", "escalated"):
        rows.append({"metric": metric, "current": current[metric], "previous": previous[metric],
                     "change": current[metric] - previous[metric]})
    rows.append({"metric": "backlog", "current": backlog, "previous": previous_backlog,
                 "change": backlog - previous_backlog})
    rate_now, rate_before = current["sla_rate"], previous["sla_rate"]
    rows.append({"metric": "sla_rate", "current": rate_now, "previous": rate_before,
                 "change": round(rate_now - rate_before, 4) if None not in (rate_now, rate_before) else None})
    return rows


def _listed(complaint: dict) -> dict:
    keys = ("tracking_code", "process", "channel", "category", "anonymity", "received_at", "completed_at",
            "status", "sla", "escalated", "stage", "subject", "answer", "started_by")
    out = {k: complaint[k] for k in keys}
    out["received_at"] = _iso(_stamp(out["received_at"]))
    out["completed_at"] = _iso(_stamp(out["completed_at"]))
    return out


def mask_recap(report: dict, viewer: Actor, purpose: str = "report") -> dict:
    """A copy of ``report`` whose complaint list is masked for ``viewer`` (rules: ``engine.visibility``)."""
    shown = dict(report)
    rows = []
    for row in report.get("complaints", []):
        recorder = recorded_by(SimpleNamespace(started_by=row.get("started_by")))
        masked = mask_data({k: v for k, v in row.items() if k != "started_by"}, row.get("anonymity"), viewer,
                           purpose, recorder)
        rows.append(masked)
    shown["complaints"] = rows
    shown["scope"] = {**report.get("scope", {}), "purpose": purpose}
    return shown


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
