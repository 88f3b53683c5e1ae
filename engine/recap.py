"""The complaint recap (rekapitulasi) of a period: counts, status, deadlines, step times, backlog.

Grouped SQL over the per-complaint facts the runtime keeps (``engine.recap_facts``: ``complaint_summary``,
``complaint_state``, ``step_time``); no workflow is loaded and no step row is read. Everything is measured
**as at the cut-off**: the end of the period (or now, for a period not yet over), so a recap of a past
period gives the same numbers whenever it is computed (except for complaints recorded later with an
earlier receipt time).

Definitions (documented in the report's ``definitions`` too):

- *received*: complaints of the selected processes with ``received_at`` inside the period (merged
  duplicates included: each arrived, and is counted with the status ``merged``).
- *status* at the cut-off: ``answered`` (instance finished), ``forwarded`` (finished through a
  forwarding step of ``processes/lapor_status.json``, e.g. ``teruskan_instansi_lain``), ``closed_no_response``
  (closed by a ``closing_timers`` timer of that file: SP4N-LAPOR!'s 10 working days without the reporter's
  reply), ``incomplete``
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

Modules: ``recap_periods`` (periods and their keys), ``recap_counts`` (complaints as at a cut-off),
``recap_steps`` (office time per step and official), this one (the report and its masking).
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .context import EngineContext
from .errors import InvalidData
from .models import ProcessVersion
from .recap_counts import (
    SLA_STATES,
    STATUSES,
    backlog,
    by_process,
    counted_by,
    grouped,
    listed,
    totals,
)
from .recap_periods import (
    MAX_PERIOD_DAYS,
    MONTHS_ID,
    month_period,
    parse_period,
    period_from_key,
    period_key,
    period_label,
    previous_period,
    semester_period,
    validate_period,
)
from .recap_steps import step_times
from .visibility import ANONYMITY_CHOICES, IDENTITY_FIELDS, apply_mask, masking, recorded_by

SCHEMA_VERSION = 1


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


def utc_bounds(ctx: EngineContext, start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and last local day → [since, until) in UTC."""
    tz = ctx.calendar.tz
    return (datetime.combine(start, datetime.min.time(), tzinfo=tz).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC))


def recap_totals(session: Session, ctx: EngineContext, *, process_keys: str | Iterable[str] | None = None,
                 period_start: date, period_end: date) -> dict:
    """Only the ``totals`` of :func:`compute_recap` (grouped counts, no list, no step times): the dashboard."""
    keys = complaint_process_keys(session, process_keys)
    since, until = utc_bounds(ctx, period_start, period_end)
    return totals(grouped(session, keys, since, until, min(until, ctx.clock.now().astimezone(UTC))))


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
         "totals": {"received", "answered", "in_progress", "forwarded", "closed_no_response", "incomplete", "merged",
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
    since, until = utc_bounds(ctx, period_start, period_end)
    now = ctx.clock.now().astimezone(UTC)
    cutoff = min(until, now)
    complaints = listed(session, keys, since, until, cutoff)
    groups = Counter(complaints.groups)
    steps, officials = step_times(session, keys, since, cutoff)
    current_backlog = backlog(session, keys, cutoff)
    names = dict(session.execute(select(ProcessVersion.process_key, ProcessVersion.name)
                                 .where(ProcessVersion.process_key.in_(keys))
                                 .order_by(ProcessVersion.version)).all()) if keys else {}
    counts = totals(groups)
    report = {
        "schema": SCHEMA_VERSION,
        "scope": {"processes": keys, "process_names": names, "office": office,
                  "period": _period_dict(period_start, period_end), "cutoff": cutoff.isoformat(),
                  "generated_at": now.isoformat(), "timezone": ctx.calendar.timezone, "purpose": purpose},
        "totals": counts,
        "by_status": [{"key": s, "count": counts[s]} for s in STATUSES],
        "by_channel": counted_by(groups, 1),
        "by_category": counted_by(groups, 2),
        "by_process": by_process(groups, keys, names),
        "daily": _daily(ctx, complaints.rows, period_start, period_end),
        "steps": steps, "officials": officials, "backlog": current_backlog,
        "previous": None, "comparison": [],
        "complaints": _masked(complaints.rows, complaints.recorders, viewer, purpose),
        "definitions": DEFINITIONS,
    }
    if with_previous:
        prev_start, prev_end = previous_period(period_start, period_end)
        prev_since, prev_until = utc_bounds(ctx, prev_start, prev_end)
        prev_cutoff = min(prev_until, now)
        prev_totals = totals(grouped(session, keys, prev_since, prev_until, prev_cutoff))
        prev_backlog = backlog(session, keys, prev_cutoff)["total"]
        report["previous"] = {"period": _period_dict(prev_start, prev_end), "totals": prev_totals,
                              "backlog": prev_backlog}
        report["comparison"] = _comparison(counts, current_backlog["total"], prev_totals, prev_backlog)
    return report


DEFINITIONS = {
    "received": "Pengaduan yang diterima (waktu diterima) dalam periode.",
    "answered": "Pengaduan yang selesai dijawab sampai akhir periode.",
    "forwarded": "Pengaduan yang diteruskan ke instansi lain (bukan wewenang).",
    "closed_no_response": "Laporan SP4N-LAPOR! yang ditutup karena pelapor tidak menanggapi permintaan "
                          "kelengkapan dalam 10 hari kerja.",
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


def _daily(ctx: EngineContext, complaints: list[dict], start: date, end: date) -> list[dict]:
    """Every day of the period: complaints received, and answered (or forwarded) by the cut-off, that day.
    ``complaints`` in receipt order, times as ISO UTC text."""
    tz = ctx.calendar.tz
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    # local midnights as ISO UTC text: the list's times compare with them as text
    bounds = [datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC).isoformat()
              for day in [*days, end + timedelta(days=1)]]  # a moment on the day after counts for none
    received = _per_day(bounds, [c["received_at"] for c in complaints])  # already in receipt order
    answered = _per_day(bounds, sorted(c["completed_at"] for c in complaints
                                       if c["completed_at"] is not None and c["status"] in ("answered", "forwarded")))
    return [{"date": day.isoformat(), "received": received[n], "answered": answered[n]}
            for n, day in enumerate(days)]


def _per_day(bounds: list[str], moments: list[str]) -> list[int]:
    """How many of the sorted ``moments`` fall on each day (``bounds``: each day's start, then the end):
    two binary searches a day, not a pass over every moment."""
    edges = [bisect_left(moments, bound) for bound in bounds]
    return [after - before for before, after in itertools.pairwise(edges)]


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


def mask_recap(report: dict, viewer: Actor, purpose: str = "report") -> dict:
    """A copy of ``report`` whose complaint list is masked for ``viewer`` (rules: ``engine.visibility``)."""
    shown = dict(report)
    rows = [dict(row) for row in report.get("complaints", [])]
    shown["complaints"] = _masked(rows, [row.pop("started_by", None) for row in rows], viewer, purpose)
    shown["scope"] = {**report.get("scope", {}), "purpose": purpose}
    return shown


def _masked(rows: list[dict], recorders: list[str | None], viewer: Actor, purpose: str) -> list[dict]:
    """The list entries with what ``viewer`` may not see masked, decided once per anonymity choice (and
    recorder, were identity fields listed; ``recorders``: each entry's ``started_by``)."""
    if not rows:
        return rows
    with_identity = any(field in rows[0] for field in IDENTITY_FIELDS)
    if not with_identity and not any(masking(choice, viewer, purpose)[1] for choice in ANONYMITY_CHOICES):
        return rows  # nothing of the list is hidden from this viewer (officials' reports): no pass over it
    hidden: dict[tuple, tuple[bool, bool]] = {}
    out = []
    for row, started_by in zip(rows, recorders, strict=True):
        key = (row.get("anonymity"), started_by if with_identity else None)
        if key not in hidden:
            identity, content = masking(key[0], viewer, purpose, recorded_by(SimpleNamespace(started_by=key[1])))
            hidden[key] = (identity and with_identity, content)  # the list carries no identity: only content
        out.append(apply_mask(row, *hidden[key]) if any(hidden[key]) else row)
    return out


__all__ = ["DEFINITIONS", "MAX_PERIOD_DAYS", "MONTHS_ID", "SCHEMA_VERSION", "SLA_STATES", "STATUSES",
           "complaint_process_keys", "compute_recap", "mask_recap", "month_period", "parse_period",
           "period_from_key", "period_key", "period_label", "previous_period", "recap_totals",
           "semester_period", "utc_bounds", "validate_period"]
