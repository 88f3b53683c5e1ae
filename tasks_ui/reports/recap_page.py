"""The recap pages: choose a process and a period, see ``engine.recap.compute_recap`` with charts and tables,
print it, download it, and read the frozen recaps (snapshots) the recap processes stored.

The period comes from the form as a month (``month=YYYY-MM``), a semester (``year`` + ``half``) or a date
range (``from``/``to``), or as a period key (``period=2026-03``, ``2026-S1``, ``a..b``) in links. A bad
period is shown on the form, next to its field, with status 422.
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from engine import recap as recap_engine
from engine import recap_runs
from engine.errors import InvalidData
from engine.models import HumanTask

from ..auth.blueprint import current_actor, roles_required
from ..extensions import db
from ..i18n import current_language, t
from ..inbox.blueprint import role_names
from ..inbox.timing import duration_text
from ..translations import UI_TEXT
from ..wiring import engine_context
from . import exports, svg
from .pages import (
    REPORT_ROLES,
    all_process_names,
    bp,
    complaint_processes,
    long_date,
    month_name,
    number,
    percent,
    short_date,
    short_name,
)

PERIOD_KINDS = ("month", "semester", "range")


def _invalid(field: str, key: str, **params) -> InvalidData:
    return InvalidData({field: ("field_invalid", {"detail": t(key, **params)})})


def _month(text: str) -> tuple[date, date]:
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        if not 2000 <= year <= 2100:
            raise ValueError
        return recap_engine.month_period(year, month)
    except ValueError:
        raise _invalid("month", "recap_bad_month", value=text) from None


def _semester(year_text: str, half_text: str) -> tuple[date, date]:
    errors = {}
    try:
        year = int(year_text.strip())
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        errors["year"] = ("field_invalid", {"detail": t("recap_bad_year", value=year_text)})
    if half_text not in ("1", "2"):
        errors["half"] = ("field_invalid", {"detail": t("recap_bad_half")})
    if errors:
        raise InvalidData(errors)
    return recap_engine.semester_period(year, int(half_text))


def period_form(today: date) -> dict:
    """The period form's values from the query string (defaults: this month)."""
    args = request.args
    kind = args.get("kind") if args.get("kind") in PERIOD_KINDS else None
    if kind is None:
        kind = "range" if args.get("from") or args.get("to") else "month"
    return {
        "kind": kind,
        "month": args.get("month", f"{today.year:04d}-{today.month:02d}"),
        "year": args.get("year", str(today.year)),
        "half": args.get("half", "1" if today.month <= 6 else "2"),
        "from": args.get("from", today.replace(day=1).isoformat()),
        "to": args.get("to", today.isoformat()),
        "period": args.get("period", ""),
        "process": args.get("process", ""),
    }


def chosen_period(form: dict) -> tuple[date, date]:
    """The period the form asks for; InvalidData naming the form field when it cannot be read."""
    if form["period"]:
        return recap_engine.period_from_key(form["period"])
    if form["kind"] == "month":
        return _month(form["month"])
    if form["kind"] == "semester":
        return _semester(form["year"], form["half"])
    return recap_engine.parse_period(form["from"], form["to"])


def _field_errors(error: InvalidData, form: dict) -> dict[str, str]:
    """Messages per form field (the engine names ``from``/``to``/``period``/``process``)."""
    fields = error.fields(current_language())
    if "period" in fields and not form["period"]:
        fields[{"month": "month", "semester": "year"}.get(form["kind"], "from")] = fields.pop("period")
    return fields


def _label(kind: str, key: str) -> str:
    text = t(f"{kind}_{key}")
    return key.replace("_", " ") if text == f"{kind}_{key}" else text


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _buckets(daily: list[dict]) -> tuple[list[str], list[int], list[int]]:
    """Received/answered per day (a month), per week (up to ~4 months) or per month (longer periods)."""
    days = [(date.fromisoformat(d["date"]), d["received"], d["answered"]) for d in daily]
    if len(days) <= 31:
        return [str(d.day) for d, _, _ in days], [r for _, r, _ in days], [a for _, _, a in days]
    buckets: dict[date, list[int]] = {}
    weekly = len(days) <= 124
    for day, received, answered in days:
        key = day.fromordinal(day.toordinal() - day.weekday()) if weekly else day.replace(day=1)
        pair = buckets.setdefault(key, [0, 0])
        pair[0] += received
        pair[1] += answered
    labels = [short_date(k) if weekly else month_name(k).split(" ")[0][:3] for k in buckets]
    return labels, [v[0] for v in buckets.values()], [v[1] for v in buckets.values()]


def charts(report: dict) -> dict:
    """The recap's SVG charts: channels, status, categories, received/answered over time, step times."""
    svg.use_language(current_language())
    channel_rows = report["by_channel"]
    status_rows = [
        row for row in report["by_status"] if row["count"] or row["key"] in ("answered", "in_progress")
    ]
    labels, received, answered = _buckets(report["daily"])
    names = report["scope"].get("process_names", {})
    step_names = [step["name"] for step in report["steps"]]
    # the table names role and process; the chart only tells steps apart that share a name
    step_labels = [
        f"{step['name']} ({short_name(names.get(step['process'], step['process']))})"
        if step_names.count(step["name"]) > 1
        else step["name"]
        for step in report["steps"]
    ]
    return {
        "channel": svg.bar_chart(
            [_label("channel", r["key"]) for r in channel_rows],
            [svg.Series(t("recap_count"), [r["count"] for r in channel_rows], "s1")],
            title=t("recap_by_channel"),
            empty_text=t("recap_no_complaints"),
        ),
        "status": svg.bar_chart(
            [_label("status", r["key"]) for r in status_rows],
            [svg.Series(t("recap_count"), [r["count"] for r in status_rows], "s2")],
            title=t("recap_by_status"),
            empty_text=t("recap_no_complaints"),
        ),
        "category": svg.bar_chart(
            [_label("category", r["key"]) for r in report["by_category"]],
            [svg.Series(t("recap_count"), [r["count"] for r in report["by_category"]], "s4")],
            title=t("recap_by_category"),
            empty_text=t("recap_no_complaints"),
        ),
        "daily": svg.column_chart(
            labels,
            [svg.Series(t("dash_received"), received, "s1"), svg.Series(t("dash_answered"), answered, "s2")],
            title=t("recap_over_time"),
            label_every=max(1, len(labels) // 8),
        ),
        "steps": svg.bar_chart(
            step_labels,
            [
                svg.Series(t("recap_median"), [_minutes(s["median_seconds"]) for s in report["steps"]], "s1"),
                svg.Series(t("recap_p90"), [_minutes(s["p90_seconds"]) for s in report["steps"]], "s3"),
                svg.Series(
                    t("standard_time"), [_minutes(s["standard_seconds"]) for s in report["steps"]], "muted"
                ),
            ],
            title=t("recap_steps_chart"),
            desc=t("recap_steps_chart_desc"),
            unit=f" {t('recap_minutes_short')}",
            empty_text=t("recap_no_steps"),
        ),
    }


def _download_links(report: dict) -> dict[str, str]:
    """CSV/XLSX/PDF links of this recap (the recap API's download endpoint)."""
    period = report["scope"]["period"]
    process = request.args.get("process") or None
    return {
        kind: url_for(
            "reports_api.recap_download",
            kind=kind,
            process=process,
            **{"from": period["start"], "to": period["end"]},
        )
        for kind in ("csv", "xlsx", "pdf")
    }


def page_helpers(ctx) -> dict:
    """Formatting helpers the recap templates use."""
    from datetime import datetime

    lang = current_language()

    def when(value: str | None) -> str:
        if not value:
            return "—"
        local = datetime.fromisoformat(value).astimezone(ctx.calendar.tz)
        return f"{local:%d-%m-%Y %H:%M}"

    def day(value: str | None) -> str:
        return long_date(date.fromisoformat(value)) if value else "—"

    return {
        "number": number,
        "percent": percent,
        "when": when,
        "day": day,
        "label": _label,
        "office_time": lambda seconds: "—" if seconds is None else duration_text(max(seconds, 60.0), lang),
        "role_names": role_names(),
        "period_text": period_text,
        "scope_text": scope_text,
        "change_text": change_text,
        "short": short_name,
        "snapshot_scope": snapshot_scope,
        "known_texts": UI_TEXT,
    }


def period_text(period: dict) -> str:
    """``Maret 2026``, ``Semester 1 2026`` or ``1 Mar 2026 – 15 Mar 2026`` in the page language."""
    start, end = date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
    key = period.get("key") or recap_engine.period_key(start, end)
    if "-S" in key:
        return f"Semester {key[-1]} {start.year}"
    if ".." not in key:
        return month_name(start)
    return f"{short_date(start)} {start.year} – {short_date(end)} {end.year}"


def scope_text(scope: dict) -> str:
    """Which complaint processes the recap covers."""
    names = scope.get("process_names", {})
    keys = scope.get("processes", [])
    if not keys:
        return t("recap_no_process")
    return "; ".join(short_name(names.get(key, key)) for key in keys)


def snapshot_scope(snapshot) -> str:
    """The complaint processes of a stored recap, by name."""
    return scope_text((snapshot.data or {}).get("scope", {"processes": snapshot.scope.split(",")}))


def change_text(change: float | None, ratio: bool = False) -> str:
    """``+3``, ``−2``, ``0`` (``+4,5 poin`` for a share)."""
    if change is None:
        return "—"
    value = change * 100 if ratio else change
    text = number(abs(value), 1 if ratio else 0)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{text}" + (f" {t('recap_points')}" if ratio else "")


#: List entries shown per screen page; a printout lists up to PRINT_LIST_LIMIT, as the PDF does (the CSV and
#: XLSX hold every one).
LIST_PAGE_SIZE = 100


def list_page(complaints: list[dict], printable: bool) -> dict:
    """The part of the recap's complaint list this page shows (``?hal=N`` on screen, 1-based; a page past
    the end shows the last one), so a year of a province's complaints is not one page of 100,000 rows."""
    total = len(complaints)
    size = exports.PRINT_LIST_LIMIT if printable else LIST_PAGE_SIZE
    pages = max(1, -(-total // size))
    try:
        page = 1 if printable else min(max(int(request.args.get("hal", "1")), 1), pages)
    except ValueError:
        page = 1
    first = (page - 1) * size
    rows = complaints[first:first + size]
    return {"rows": rows, "total": total, "page": page, "pages": pages, "first": first + 1 if rows else 0,
            "last": first + len(rows), "partial": len(rows) < total}


def _render(
    report: dict | None,
    form: dict,
    errors: dict,
    *,
    printable: bool = False,
    snapshot=None,
    status: int = 200,
):
    ctx = engine_context()
    context = {
        "report": report,
        "form": form,
        "errors": errors,
        "printable": printable,
        "snapshot": snapshot,
        "processes": complaint_processes(),
        "kinds": PERIOD_KINDS,
        "snapshots": recap_runs.list_snapshots(db.session, limit=24) if not printable else [],
        "recap_processes": recap_processes(),
        "may_start": "kasi" in current_user.roles,
        **page_helpers(ctx),
    }
    args = {k: v for k, v in request.args.items() if k not in ("cetak", "hal")}
    if snapshot is not None:
        context["print_url"] = url_for("reports.snapshot", snapshot_id=snapshot.id, cetak="1")
        context["back_url"] = url_for("reports.snapshot", snapshot_id=snapshot.id)
        context["list_url"] = lambda page: url_for("reports.snapshot", snapshot_id=snapshot.id, hal=page)
    else:
        context["print_url"] = url_for("reports.recap_print", **args)
        context["back_url"] = url_for("reports.recap", **args)
        context["list_url"] = lambda page: url_for("reports.recap", **args, hal=page)
    if report is not None:
        context["charts"] = charts(report)
        context["listing"] = list_page(report["complaints"], printable)
        context["downloads"] = (
            _download_links(report)
            if snapshot is None
            else {
                kind: url_for("reports_api.snapshot_download", snapshot_id=snapshot.id, kind=kind)
                for kind in ("csv", "xlsx", "pdf")
            }
        )
    return render_template("reports/recap.html", **context), status


@bp.route("/rekap", endpoint="recap")
@roles_required(*REPORT_ROLES)
def recap_page():
    """The recap of a process (or all) for a month, a semester or a date range."""
    return _recap(printable=False)


@bp.route("/rekap/cetak", endpoint="recap_print")
@roles_required(*REPORT_ROLES)
def recap_print():
    """The same recap laid out for printing (no navigation or form)."""
    return _recap(printable=True)


def _recap(printable: bool):
    ctx = engine_context()
    form = period_form(ctx.calendar.local_date(ctx.clock.now()))
    try:
        start, end = chosen_period(form)
        if form["process"] and form["process"] not in complaint_processes():
            raise _invalid("process", "recap_bad_process", value=form["process"])
        report = recap_engine.compute_recap(
            db.session,
            ctx,
            process_keys=form["process"] or None,
            period_start=start,
            period_end=end,
            viewer=current_actor(),
        )
    except InvalidData as error:
        db.session.rollback()
        return _render(None, form, _field_errors(error, form), printable=printable, status=422)
    db.session.rollback()  # reading only
    return _render(report, form, {}, printable=printable)


@bp.route("/rekap/arsip/<int:snapshot_id>", endpoint="snapshot")
@roles_required(*REPORT_ROLES)
def snapshot_page(snapshot_id: int):
    """A stored recap (draft or frozen) exactly as it was generated."""
    ctx = engine_context()
    snapshot = recap_runs.get_snapshot(db.session, snapshot_id)
    report = recap_runs.snapshot_report(snapshot, current_actor())
    form = period_form(ctx.calendar.local_date(ctx.clock.now()))
    return _render(report, form, {}, printable=request.args.get("cetak") == "1", snapshot=snapshot)


def recap_processes() -> dict[str, dict]:
    """Recap process key → its name and period kind (``month``/``semester``), for the on-demand start."""
    names = all_process_names()
    return {
        key: {"name": names.get(key, key), "period": config["period"]}
        for key, config in recap_runs.recap_config().items()
        if key in names
    }


@bp.route("/rekap/mulai", methods=["POST"], endpoint="start_run")
@roles_required("kasi")
def start_run():
    """Start the recap process for a chosen period on demand; the kasi goes on to the preparing step."""
    run = recap_runs.start_recap(
        db.session,
        engine_context(),
        request.form.get("process", ""),
        request.form.get("period", ""),
        actor=current_actor(),
    )
    step = db.session.scalars(
        select(HumanTask.id).where(
            HumanTask.instance_id == run.instance_id, HumanTask.task_guid == run.task_guid
        )
    ).first()
    flash(t("recap_run_started", period=run.period_key))
    if step is not None:
        return redirect(url_for("inbox.task_page", task_id=step), 303)
    return redirect(url_for("reports.snapshot", snapshot_id=run.snapshot_id), 303)
