"""The recap of a seeded month, checked number by number against counts made from the seeding script's
own log (tests/recap_fixtures.py), not by calling the recap code; plus exports read back."""

from __future__ import annotations

import io
import json
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from engine.actors import Actor
from engine.recap import compute_recap, period_key, previous_period
from engine.recap_stats import OfficeTimeline
from engine.repository import latest_version
from tests.conftest import ROOT, actor
from tests.recap_fixtures import SANGGAU_SLA_STEPS, WIB, seed

PERIOD = (date(2026, 4, 1), date(2026, 4, 30))
SINCE = datetime(2026, 4, 1, tzinfo=WIB)
CUTOFF = datetime(2026, 5, 1, tzinfo=WIB)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def month(request, tmp_path_factory):
    """The seeded database (seeded once per backend: it drives a few hundred engine operations)."""
    import os
    import uuid

    from sqlalchemy import text

    from engine.calendar import OfficeCalendar
    from engine.clock import FixedClock
    from engine.context import EngineContext
    from engine.db import create_schema, make_engine, make_session_factory
    from tests.conftest import START, deploy_shipped

    schema = None
    if request.param == "postgres":
        url = os.environ.get("ALUR_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("no PostgreSQL: set ALUR_TEST_POSTGRES_URL")
        schema = f"alur_recap_{uuid.uuid4().hex[:10]}"
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
    else:
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('recap') / 'alur.sqlite'}")
    create_schema(engine)
    factory = make_session_factory(engine)
    clock = FixedClock(START)
    ctx = EngineContext(clock=clock, calendar=OfficeCalendar())
    session = factory()
    deploy_shipped(session, ctx)
    seeded = seed(session, factory, ctx, clock)
    clock.set(datetime(2026, 5, 10, 12, tzinfo=WIB))
    yield session, ctx, seeded
    session.close()
    engine.dispose()
    if schema is not None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _received_in(seeded, start: datetime, end: datetime):
    return [c for c in seeded.complaints if start <= c.received_at < end]


def _expected_status(c, cutoff: datetime) -> str:
    if c.merged:
        return "merged"
    if c.closed_at is not None and c.closed_at <= cutoff:
        return "closed_no_response"
    if c.completed_at is not None and c.completed_at <= cutoff:
        return "answered"
    done_before = [d for d in c.done if d.completed_at <= cutoff]
    # the step open at the cut-off: the one after the last step done by then
    last = done_before[-1] if done_before else None
    waiting_reporter = last is not None and last.bpmn_id in ("verifikasi_formulir", "tanggapi_kelengkapan") and (
        len(c.done) > len(done_before) and c.done[len(done_before)].bpmn_id == "lengkapi_pengaduan"
        or len(c.done) == len(done_before) and c.open_steps and c.open_steps[0][1] == "pelapor")
    return "incomplete" if waiting_reporter else "in_progress"


def _step_intervals(c, cutoff: datetime):
    """(bpmn_id, role, ready_at, completed_at or None) of the official steps that existed at the cut-off."""
    out = [(d.bpmn_id, d.role, d.ready_at, d.completed_at if d.completed_at <= cutoff else None)
           for d in c.done if d.ready_at <= cutoff]
    out += [(b, r, ready, None) for b, r, ready in c.open_steps if ready <= cutoff]
    return [s for s in out if s[1] != "pelapor"]


DEADLINE_DAYS = {name: rule["working_days"] for name, rule in
                 json.loads((ROOT / "processes" / "deadlines.json").read_text(encoding="utf-8")).items()}


def _sanggau_deadline(c, bpmn_id: str, ready: datetime, ctx) -> datetime:
    """Sanggau's boundary-timer deadline, from the seeded facts: 7 working days from receipt (SP4N-LAPOR!
    reports: 3 for recording and distribution, 5 for the answer); the answer's window restarts when the
    reporter supplied missing material before the step became ready."""
    lapor = c.channel == "sp4n_lapor"
    if bpmn_id != "tanggapi_kelengkapan":
        days = DEADLINE_DAYS["lapor_verifikasi" if lapor else "sanggau_kelengkapan"]
        return ctx.calendar.add_working_days(c.received_at, days)
    supplied = [d.completed_at for d in c.done if d.bpmn_id == "lengkapi_pengaduan" and d.completed_at <= ready]
    since = max(supplied) if supplied else c.received_at
    days = DEADLINE_DAYS["lapor_tindak_lanjut" if lapor else "sanggau_kelengkapan"]
    return ctx.calendar.add_working_days(since, days)


def _step_deadline(c, bpmn_id: str, ready: datetime, ctx, standards) -> datetime | None:
    """The deadline a step runs against: Sanggau's working-day rules on its first steps, Muba's standard
    time of each official step (its escalation boundary timers); None for a step without one."""
    if c.process == "sanggau_pengaduan":
        return _sanggau_deadline(c, bpmn_id, ready, ctx) if bpmn_id in SANGGAU_SLA_STEPS else None
    seconds = standards[c.process].get(bpmn_id)
    return ctx.calendar.add_office_time(ready, timedelta(seconds=seconds)) if seconds else None


def _expected_sla(c, cutoff: datetime, ctx, standards) -> str:
    if c.merged:
        return "not_applicable"
    late = False
    for bpmn_id, _, ready, completed in _step_intervals(c, cutoff):
        deadline = _step_deadline(c, bpmn_id, ready, ctx, standards)
        if deadline is None:
            continue
        if deadline < cutoff and (completed is None or completed > deadline):
            late = True
    if late:
        return "late"
    return "on_time" if c.completed_at is not None and c.completed_at <= cutoff else "pending"


def _expected_escalated(c, cutoff: datetime, ctx, sweeps, standards) -> bool:
    """A morning sweep found a step open past its deadline: Sanggau's 7 working days on the first steps,
    Muba's standard time of each official step (its escalation boundary timers)."""
    if c.merged:
        return False
    for bpmn_id, _, ready, completed in _step_intervals(c, cutoff):
        deadline = _step_deadline(c, bpmn_id, ready, ctx, standards)
        if deadline is None:
            continue
        if any(deadline < s <= cutoff and ready <= s and (completed is None or s < completed) for s in sweeps):
            return True
    return False


def _standards(session):
    return {key: {bpmn_id: info.get("standard_seconds") for bpmn_id, info in
                  latest_version(session, key).summary["user_tasks"].items()}
            for key in ("muba_pengaduan", "sanggau_pengaduan")}


def test_seeded_month_has_the_variety_the_recap_must_count(month):
    session, ctx, seeded = month
    april = _received_in(seeded, SINCE, CUTOFF)
    statuses = Counter(_expected_status(c, CUTOFF) for c in april)
    slas = Counter(_expected_sla(c, CUTOFF, ctx, _standards(session)) for c in april)
    assert {"answered", "in_progress", "incomplete", "merged", "closed_no_response"} <= set(statuses)
    assert {"on_time", "late", "pending"} <= set(slas)
    assert len({c.channel for c in april}) >= 5 and {c.process for c in april} == {"muba_pengaduan",
                                                                                    "sanggau_pengaduan"}
    assert any(_expected_escalated(c, CUTOFF, ctx, seeded.sweeps, _standards(session)) for c in april)


def test_every_number_of_the_recap_matches_an_independent_count(month):
    session, ctx, seeded = month
    report = compute_recap(session, ctx, period_start=PERIOD[0], period_end=PERIOD[1], viewer=actor("kabid"))
    standards = _standards(session)
    april = _received_in(seeded, SINCE, CUTOFF)
    status = {c.tracking_code: _expected_status(c, CUTOFF) for c in april}
    sla = {c.tracking_code: _expected_sla(c, CUTOFF, ctx, standards) for c in april}

    assert report["scope"]["period"]["key"] == "2026-04"
    assert report["scope"]["cutoff"] == CUTOFF.astimezone(UTC).isoformat()
    totals = report["totals"]
    assert totals["received"] == len(april)
    for name, count in Counter(status.values()).items():
        assert totals[name] == count, name
    assert totals["forwarded"] == 0
    for name in ("on_time", "late", "pending", "not_applicable"):
        assert totals[name] == Counter(sla.values())[name], name
    assert totals["escalated"] == sum(_expected_escalated(c, CUTOFF, ctx, seeded.sweeps, standards) for c in april)
    decided = Counter(sla.values())["on_time"] + Counter(sla.values())["late"]
    assert totals["sla_rate"] == round(Counter(sla.values())["on_time"] / decided, 4)

    assert {r["key"]: r["count"] for r in report["by_channel"]} == dict(Counter(c.channel for c in april))
    assert {r["key"]: r["count"] for r in report["by_category"]} == dict(
        Counter(c.category or "tanpa_kategori" for c in april))
    by_process = {r["key"]: r for r in report["by_process"]}
    for key in ("muba_pengaduan", "sanggau_pengaduan"):
        mine = [c for c in april if c.process == key]
        assert by_process[key]["received"] == len(mine)
        assert by_process[key]["answered"] == sum(status[c.tracking_code] == "answered" for c in mine)
        assert by_process[key]["late"] == sum(sla[c.tracking_code] == "late" for c in mine)
    assert sum(d["received"] for d in report["daily"]) == len(april) and len(report["daily"]) == 30
    assert {d["date"]: d["received"] for d in report["daily"] if d["received"]} == dict(
        Counter(c.received_at.date().isoformat() for c in april))

    # the list: every complaint once, with its status, deadline state and dates
    listed = {row["tracking_code"]: row for row in report["complaints"]}
    assert set(listed) == set(status)
    for c in april:
        row = listed[c.tracking_code]
        assert (row["status"], row["sla"]) == (status[c.tracking_code], sla[c.tracking_code]), c.number
        assert datetime.fromisoformat(row["received_at"]) == c.received_at
        assert row["channel"] == c.channel and row["process"] == c.process

    # backlog at the cut-off: received by then (any month), neither finished nor merged by then
    backlog = [c for c in seeded.complaints if c.received_at <= CUTOFF and not c.merged
               and not (c.completed_at is not None and c.completed_at <= CUTOFF)]
    assert report["backlog"]["total"] == len(backlog)
    assert {r["key"]: r["count"] for r in report["backlog"]["by_process"]} == dict(Counter(c.process for c in backlog))
    assert datetime.fromisoformat(report["backlog"]["oldest_received_at"]) == min(c.received_at for c in backlog)

    # previous period (March)
    march = _received_in(seeded, datetime(2026, 3, 1, tzinfo=WIB), SINCE)
    assert report["previous"]["period"]["key"] == "2026-03"
    assert report["previous"]["totals"]["received"] == len(march) == 4
    assert report["previous"]["totals"]["answered"] == sum(_expected_status(c, SINCE) == "answered" for c in march)
    march_backlog = [c for c in seeded.complaints if c.received_at <= SINCE and not c.merged
                     and not (c.completed_at is not None and c.completed_at <= SINCE)]
    assert report["previous"]["backlog"] == len(march_backlog)
    comparison = {r["metric"]: r for r in report["comparison"]}
    assert comparison["received"] == {"metric": "received", "current": len(april), "previous": 4,
                                      "change": len(april) - 4}
    assert comparison["backlog"]["change"] == len(backlog) - len(march_backlog)


def _expected_steps(seeded, ctx, standards):
    per_step, per_official = defaultdict(list), defaultdict(list)
    for c in seeded.complaints:
        for d in c.done:
            if d.role != "pelapor" and SINCE <= d.completed_at <= CUTOFF:
                seconds = ctx.calendar.office_seconds_between(d.ready_at, d.completed_at)
                per_step[(c.process, d.bpmn_id)].append(seconds)
                per_official[d.official].append((seconds, standards[c.process].get(d.bpmn_id)))
    return per_step, per_official


def _p90(values):
    return values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[8]


def test_step_and_official_times_match_the_calendar(month):
    session, ctx, seeded = month
    report = compute_recap(session, ctx, process_keys="muba,sanggau", period_start=PERIOD[0],
                           period_end=PERIOD[1], viewer=actor("kepala_dinas"))
    standards = _standards(session)
    per_step, per_official = _expected_steps(seeded, ctx, standards)
    steps = {(r["process"], r["bpmn_id"]): r for r in report["steps"]}
    assert set(steps) == set(per_step)
    for key, values in per_step.items():
        row, standard = steps[key], standards[key[0]].get(key[1])
        assert row["count"] == len(values), key
        assert row["median_seconds"] == pytest.approx(statistics.median(values), abs=0.1), key
        assert row["p90_seconds"] == pytest.approx(_p90(values), abs=0.1), key
        assert row["standard_seconds"] == standard
        if standard:
            assert row["within_standard"] == sum(v <= standard for v in values), key
            assert row["over_standard"] == sum(v > standard for v in values), key
        else:
            assert row["within_standard"] is None
    assert steps[("muba_pengaduan", "periksa_laporan")]["over_standard"] >= 1  # the slow ones
    officials = {r["official"]: r for r in report["officials"]}
    assert set(officials) == set(per_official)
    for name, pairs in per_official.items():
        values = [s for s, _ in pairs]
        row = officials[name]
        assert row["count"] == len(values)
        assert row["median_seconds"] == pytest.approx(statistics.median(values), abs=0.1)
        assert row["p90_seconds"] == pytest.approx(_p90(values), abs=0.1)
        assert row["with_standard"] == sum(1 for _, std in pairs if std)
        assert row["within_standard"] == sum(1 for s, std in pairs if std and s <= std)


def test_the_list_is_masked_for_exports_and_carries_no_identity(month):
    session, ctx, seeded = month
    exported = compute_recap(session, ctx, period_start=PERIOD[0], period_end=PERIOD[1], viewer=actor("kasi"),
                             purpose="export")
    rahasia = {c.tracking_code for c in seeded.complaints if c.anonymity == "rahasia"}
    assert rahasia
    for row in exported["complaints"]:
        assert "reporter" not in row and "started_by" not in row
        if row["tracking_code"] in rahasia:
            assert row["subject"] == "•••"
        else:
            assert row["subject"].startswith("Pengaduan nomor")
    worked = compute_recap(session, ctx, period_start=PERIOD[0], period_end=PERIOD[1], viewer=actor("kasi"))
    assert all(r["subject"] != "•••" for r in worked["complaints"])  # officials' report: content shown


def test_a_recap_of_a_past_period_does_not_change_when_computed_later(month):
    session, ctx, _ = month
    first = compute_recap(session, ctx, period_start=PERIOD[0], period_end=PERIOD[1], viewer=actor("kabid"))
    saved = ctx.clock.now()
    ctx.clock.set(saved + timedelta(days=40))
    try:
        later = compute_recap(session, ctx, period_start=PERIOD[0], period_end=PERIOD[1], viewer=actor("kabid"))
    finally:
        ctx.clock.set(saved)
    for key in ("totals", "by_channel", "by_category", "steps", "officials", "backlog", "complaints"):
        assert later[key] == first[key], key


def test_an_empty_period_is_an_empty_report(month):
    session, ctx, _ = month
    report = compute_recap(session, ctx, period_start=date(2025, 1, 1), period_end=date(2025, 1, 31),
                           viewer=Actor("auditor1", frozenset({"auditor"})))
    assert report["totals"]["received"] == 0 and report["totals"]["sla_rate"] is None
    assert report["complaints"] == report["steps"] == report["officials"] == report["by_channel"] == []
    assert report["backlog"]["total"] == 0


def test_periods_and_previous_periods():
    assert period_key(date(2026, 4, 1), date(2026, 4, 30)) == "2026-04"
    assert period_key(date(2026, 1, 1), date(2026, 6, 30)) == "2026-S1"
    assert period_key(date(2026, 4, 1), date(2026, 4, 15)) == "2026-04-01..2026-04-15"
    assert previous_period(date(2026, 1, 1), date(2026, 1, 31)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert previous_period(date(2026, 7, 1), date(2026, 12, 31)) == (date(2026, 1, 1), date(2026, 6, 30))
    assert previous_period(date(2026, 4, 11), date(2026, 4, 20)) == (date(2026, 4, 1), date(2026, 4, 10))


def test_office_timeline_agrees_with_the_calendar():
    import random

    from engine.calendar import OfficeCalendar

    calendar = OfficeCalendar(overrides={date(2026, 4, 13): False, date(2026, 4, 18): True})
    timeline = OfficeTimeline(calendar, date(2026, 3, 1), date(2026, 6, 1))
    rng = random.Random(5)
    base = datetime(2026, 3, 2, tzinfo=WIB)
    for _ in range(500):
        a = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 80))
        b = a + timedelta(minutes=rng.randrange(0, 60 * 24 * 9))
        assert timeline.seconds_between(a, b) == pytest.approx(calendar.office_seconds_between(a, b), abs=1e-3)


# -- exports read back -----------------------------------------------------------------------------

def test_xlsx_has_a_sheet_per_table_with_typed_cells(month):
    from openpyxl import load_workbook

    from tasks_ui.reports.exports import recap_xlsx

    session, ctx, seeded = month
    report = compute_recap(session, ctx, period_start=PERIOD[0], period_end=PERIOD[1], viewer=actor("kasi"),
                           purpose="export")
    book = load_workbook(io.BytesIO(recap_xlsx(report)))
    assert {"Info", "Ringkasan", "Status", "Kanal", "Kategori", "Proses", "Langkah", "Petugas", "Tunggakan",
            "Perbandingan", "Harian", "Pengaduan"} <= set(book.sheetnames)
    summary = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(min_row=3, values_only=True)}
    assert summary["Pengaduan diterima"] == report["totals"]["received"]
    assert isinstance(summary["Pengaduan diterima"], int)
    complaints = list(book["Pengaduan"].iter_rows(min_row=3, values_only=True))
    assert len(complaints) == report["totals"]["received"]
    by_code = {row[0]: row for row in complaints}
    for c in _received_in(seeded, SINCE, CUTOFF):
        row = by_code[c.tracking_code]
        assert isinstance(row[4], datetime) and row[4] == c.received_at.replace(tzinfo=None)  # office time
        assert row[5] is None or isinstance(row[5], datetime)
    daily = list(book["Harian"].iter_rows(min_row=3, values_only=True))
    assert len(daily) == 30 and isinstance(daily[0][0], datetime) and daily[0][0].date() == date(2026, 4, 1)
    steps = list(book["Langkah"].iter_rows(min_row=3, values_only=True))
    assert all(isinstance(r[3], int) and isinstance(r[4], (int, float)) and not isinstance(r[4], bool) for r in steps)
    names = report["scope"]["process_names"]  # the files name processes, channels, categories as the page does
    muba = names["muba_pengaduan"]
    muba_check = [r for r in steps if muba.startswith(r[0]) and r[1] == "Periksa Kebenaran Laporan"][0]
    assert muba_check[6] == 10.0  # standard 600 s shown in minutes
    channels = {row[0] for row in book["Kanal"].iter_rows(min_row=3, values_only=True)}
    assert {"WhatsApp", "Tatap muka"} <= channels and "tatap_muka" not in channels
    assert {r[1] for r in complaints} <= {name.split(" (")[0] for name in names.values()}
    assert "WhatsApp" in {r[2] for r in complaints}


def test_pdf_text_carries_the_numbers(month):
    from pypdf import PdfReader

    from tasks_ui.reports.exports import recap_pdf

    session, ctx, seeded = month
    report = compute_recap(session, ctx, period_start=PERIOD[0], period_end=PERIOD[1], viewer=actor("kasi"),
                           purpose="export")
    reader = PdfReader(io.BytesIO(recap_pdf(report)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Rekapitulasi Layanan Pengaduan" in text and "April 2026" in text
    assert f"Pengaduan diterima\n{report['totals']['received']}" in text or \
        f"Pengaduan diterima {report['totals']['received']}" in text
    flat = "".join(text.split())  # a long cell may wrap inside a code
    for c in _received_in(seeded, SINCE, CUTOFF):
        assert c.tracking_code in flat
    assert "Periksa Kebenaran Laporan" in text
    assert reader.metadata.title.startswith("Rekapitulasi Layanan Pengaduan")


def test_pdf_lists_the_first_complaints_and_points_to_the_full_files(month, monkeypatch):
    from pypdf import PdfReader

    from tasks_ui.reports import exports

    session, ctx, _ = month
    report = compute_recap(session, ctx, period_start=PERIOD[0], period_end=PERIOD[1], viewer=actor("kasi"),
                           purpose="export")
    codes = [c["tracking_code"] for c in report["complaints"]]
    assert len(codes) > 3
    monkeypatch.setattr(exports, "PRINT_LIST_LIMIT", 3)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(exports.recap_pdf(report))).pages)
    flat = "".join(text.split())
    assert [code for code in codes if code in flat] == codes[:3]  # the first three, in receipt order
    assert f"3 pertama dari {len(codes)} pengaduan" in " ".join(text.split())
    assert "daftar lengkap ada di unduhan CSV dan XLSX" in " ".join(text.split())
    assert len(list(csv_rows_of(exports.recap_csv(report), "Daftar pengaduan"))) == len(codes)  # files: all


def csv_rows_of(data: bytes, title: str):
    import csv

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [r for r in rows[rows.index([title]) + 2:] if r]


def test_pdf_columns_fit_their_text_and_long_ones_share_the_rest():
    from tasks_ui.reports.exports import _column_widths

    def measure(text, bold=False):
        return len(text) * (6 if bold else 5)

    # everything fits: stretched alike to the whole width
    assert _column_widths(["A", "B"], [["xx", "xxxx"]], 100, 0, measure) == pytest.approx([100 / 3, 200 / 3])
    # the short columns keep their text's width, the long one wraps in what is left
    widths = _column_widths(["Kode", "Tanggal", "Perihal"], [["PGD-1", "2026-06-01", "x" * 200]], 200, 4, measure)
    assert widths[:2] == [measure("PGD-1") + 4, measure("2026-06-01") + 4]  # widest of header word and text
    assert sum(widths) == pytest.approx(200) and widths[2] < measure("x" * 200)
    # a header word is never cut
    assert _column_widths(["Kepatuhan", "B"], [["1", "1" * 100]], 120, 0, measure)[0] == measure("Kepatuhan", True)


def test_csv_sections(month):
    import csv

    from tasks_ui.reports.exports import recap_csv

    session, ctx, _ = month
    report = compute_recap(session, ctx, period_start=PERIOD[0], period_end=PERIOD[1], viewer=actor("kasi"),
                           purpose="export")
    rows = list(csv.reader(io.StringIO(recap_csv(report).decode("utf-8-sig"))))
    start = rows.index(["Daftar pengaduan"])
    listed = [r for r in rows[start + 2:] if r]
    assert len(listed) == report["totals"]["received"]
    assert rows[rows.index(["Ringkasan"]) + 2] == ["Pengaduan diterima", str(report["totals"]["received"])]
