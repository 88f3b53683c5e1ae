"""Recap time over 100,000 complaints (goal ≤ 2 s), with the rows bulk-inserted (not driven through the
engine: only the recap's queries are measured).

A year (2026) of complaints of both offices is written straight into ``process_instance``, ``human_task``
(intake, official steps with ready/completed/due/deadline times, some open, some late, some escalated)
and ``audit_event`` (the intake input with its category), on a fresh SQLite file; then the recap's
per-complaint facts are derived from those rows as migration ``0004_complaint_facts`` does for an existing
database (``rebuild_complaint_facts``; the runtime writes them as it goes). Measured, each as the median
of a few runs in the same process (wall and CPU time; the machine is shared, the load average is noted):

- ``floor_read_rows``: a raw DB-API read of every complaint and step row (what a row-by-row recap pays);
- ``floor_read_list``: a raw read of the year's ``complaint_summary`` rows (what listing them pays);
- ``recap_all``: the recap of the whole year — every one of the N complaints in the period (the goal),
  with its ratios to both floors;
- ``recap_month``: one month (about N/12 complaints) with the whole year in the database;
- ``dashboard``: the leaders' dashboard on 20 December (this month's deadline figures are the recap's);
- ``recap_page_year``: the recap page of the whole year as a kabid opens it (test client: the whole Flask
  stack, template and charts; the list shows its first page);
- ``backfill_0004``: deriving the facts of every complaint from its rows (information: a one-time upgrade);
- ``export_xlsx_month``: building the XLSX of that month's recap (information).

Sizes: ``ALUR_BENCH_RECAP_COMPLAINTS`` (default 100000, scaled by ``ALUR_BENCH_SCALE``). Run alone:
``.venv/bin/python bench/report_bench.py``.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from common import ROOT, print_table, row, scale
from sqlalchemy import func, insert, select

from engine import deploy, users
from engine.actors import SYSTEM_INIT, Actor
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock
from engine.context import EngineContext
from engine.dashboard import dashboard
from engine.db import create_schema, make_engine, make_session_factory
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.recap import compute_recap
from engine.recap_facts import rebuild_complaint_facts
from engine.repository import latest_version

BENCH = "report"
PROCESSES = ROOT / "processes"
WIB = timezone(timedelta(hours=7))
CHANNELS = ["tatap_muka", "whatsapp", "email", "website", "telepon", "kotak_pengaduan", "sp4n_lapor"]
CATEGORIES = ["layanan_sirkulasi", "layanan_referensi", "fasilitas", "keanggotaan", "petugas", None]
MUBA_STEPS = [("verifikasi_formulir", "petugas", 600.0), ("periksa_laporan", "kasi", 600.0),
              ("beri_solusi", "kabid", 900.0)]
SANGGAU_STEPS = [("catat_buku_pengaduan", "petugas", None), ("distribusikan_aduan", "kasi", None),
                 ("tanggapi_kelengkapan", "kabid", None), ("koordinasi_tim", "kasi", None),
                 ("susun_jawaban", "kabid", None), ("sampaikan_jawaban", "kasi", None)]
PAGE_USER, PAGE_PASSWORD = "kabid_bench", "bench-kabid-password"
OFFICIALS = {"petugas": ["petugas1", "petugas2", "petugas3"], "kasi": ["kasi1"], "kabid": ["kabid1", "kabid2"]}


def _deploy(session, ctx) -> dict[str, int]:
    users.load_roles(session, ctx, PROCESSES / "roles.json")
    forms = {p.name: p.read_text(encoding="utf-8") for p in sorted((PROCESSES / "forms").glob("*.json"))}
    for name in ("muba_pengaduan.bpmn", "sanggau_pengaduan.bpmn"):
        deploy.deploy_process(session, ctx, (PROCESSES / name).read_bytes(), forms, actor=SYSTEM_INIT, filename=name)
    users.create_user(session, ctx, PAGE_USER, PAGE_PASSWORD, ["kabid"], actor=SYSTEM_INIT)
    return {key: latest_version(session, key).id for key in ("muba_pengaduan", "sanggau_pengaduan")}


def _page_client(url: str, clock: FixedClock):
    """A test client of the app over the bench database, logged in as the kabid (the whole Flask stack)."""
    import re

    sys.path.insert(0, str(ROOT))
    from tasks_ui import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "ALUR_CLOCK": clock,
                      "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    login = client.post("/login", data={"username": PAGE_USER, "password": PAGE_PASSWORD, "csrf_token": csrf})
    assert login.status_code == 302, login.status_code
    return app, client


def populate(sa_engine, versions: dict[str, int], count: int, seed: int = 11) -> int:
    """Bulk-insert ``count`` complaints of 2026 with their step rows and intake events; the step rows."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
    year = 364 * 86400
    instances, tasks, events = [], [], []
    task_rows = 0
    with sa_engine.connect() as connection:  # after the deployment's own events
        seq = (connection.execute(select(func.max(AuditEvent.seq))).scalar() or 0) + 1
    for n in range(1, count + 1):
        process = "muba_pengaduan" if n % 2 else "sanggau_pengaduan"
        received = start + timedelta(seconds=rng.randrange(0, year))
        steps = MUBA_STEPS if process == "muba_pengaduan" else SANGGAU_STEPS
        finished = rng.random() < 0.85
        done = len(steps) if finished else rng.randrange(0, len(steps))
        at = received
        deadline = received + timedelta(days=9) if process == "sanggau_pengaduan" else None
        guid = 0
        tasks.append({"instance_id": n, "task_guid": f"{n}-{guid}", "process_key": process, "bpmn_id": "isi_formulir",
                      "name": "Isi formulir", "role": "pelapor", "state": "completed", "ready_at": at,
                      "standard_seconds": None, "due_at": None, "sla_due_at": None, "warn_at": None,
                      "urgent_at": at, "is_escalation": False, "completed_by": f"pelapor:{n}", "completed_at": at})
        for index, (bpmn_id, role, standard) in enumerate(steps[:done + 1]):
            guid += 1
            ready = at
            took = timedelta(minutes=rng.choice([3, 5, 8, 12, 20, 45, 90, 300]))
            completed = ready + took if index < done else None
            due = ready + timedelta(seconds=standard) if standard else None
            sla = deadline if index < 3 and deadline else None
            tasks.append({"instance_id": n, "task_guid": f"{n}-{guid}", "process_key": process, "bpmn_id": bpmn_id,
                          "name": bpmn_id.replace("_", " ").title(), "role": role,
                          "state": "completed" if completed else "ready", "ready_at": ready,
                          "standard_seconds": standard, "due_at": due, "sla_due_at": sla, "warn_at": None,
                          "urgent_at": due or sla or ready, "is_escalation": False,
                          "completed_by": rng.choice(OFFICIALS[role]) if completed else None,
                          "completed_at": completed})
            if completed:
                at = completed
        completed_at = at if finished else None
        instances.append({
            "id": n, "process_key": process, "version_id": versions[process],
            "status": "completed" if finished else "running", "serializer_version": "bench", "state_json": "{}",
            "lock_version": 1, "started_at": received, "started_by": "petugas1" if n % 3 else f"pelapor:{n}",
            "completed_at": completed_at, "updated_at": completed_at or received,
            "stage": "Selesai" if finished else "Dalam proses", "tracking_code": f"PGD-{n:08d}",
            "channel": CHANNELS[n % len(CHANNELS)], "subject": f"Pengaduan {n}",
            "anonymity": ("none", "anonim", "rahasia", "none")[n % 4], "received_at": received,
            "answer": f"Jawaban {n}" if finished else None})
        category = CATEGORIES[n % len(CATEGORIES)]
        events.append({"seq": seq, "at": received, "actor": f"pelapor:{n}", "type": "TASK_COMPLETED", "instance_id": n,
                       "task_guid": f"{n}-0", "bpmn_id": "isi_formulir", "data_before": {}, "data_after": {},
                       "payload": {"input": {"category": category} if category else {}, "role": "pelapor"},
                       "prev_hash": "0" * 64, "hash": "0" * 64})
        seq += 1
        if len(instances) >= 5000:
            task_rows += _flush(sa_engine, instances, tasks, events)
    task_rows += _flush(sa_engine, instances, tasks, events)
    return task_rows


def _flush(sa_engine, instances: list, tasks: list, events: list) -> int:
    written = len(tasks)
    with sa_engine.begin() as connection:
        if instances:
            connection.execute(insert(ProcessInstance.__table__), instances)
        if tasks:
            connection.execute(insert(HumanTask.__table__), tasks)
        if events:
            connection.execute(insert(AuditEvent.__table__), events)
    instances.clear()
    tasks.clear()
    events.clear()
    return written


def _median_seconds(fn, runs: int) -> tuple[float, float, list[float]]:
    """Median wall and CPU seconds of ``runs`` calls, and the wall samples."""
    samples, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return statistics.median(samples), statistics.median(cpu), samples


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count() or 0} cores"


def main() -> None:
    count = scale(int(os.environ.get("ALUR_BENCH_RECAP_COMPLAINTS", 100_000)))
    runs = int(os.environ.get("ALUR_BENCH_RECAP_RUNS", 3))
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("ALUR_BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'report.sqlite'}"
        sa_engine = make_engine(url)
        create_schema(sa_engine)
        factory = make_session_factory(sa_engine)
        ctx = EngineContext(clock=FixedClock(datetime(2027, 1, 15, 3, tzinfo=UTC)), calendar=OfficeCalendar())
        with factory() as session:
            versions = _deploy(session, ctx)
        started = time.perf_counter()
        task_rows = populate(sa_engine, versions, count)
        seeding = time.perf_counter() - started
        print(f"seeded {count:,} complaints, {task_rows:,} step rows in {seeding:.1f} s", file=sys.stderr)
        started = time.perf_counter()
        with sa_engine.begin() as connection:
            rebuild_complaint_facts(connection, ctx.calendar)
        backfill = time.perf_counter() - started
        viewer = Actor("kabid1", frozenset({"kabid"}))
        results = {}

        def recap(first: date, last: date):
            with factory() as session:
                return compute_recap(session, ctx, period_start=first, period_end=last, viewer=viewer)

        def floor_rows():  # reading every complaint and step row raw: what any row-based recap pays
            with sa_engine.connect() as connection:
                cursor = connection.connection.cursor()
                cursor.execute("SELECT id, received_at, completed_at, channel FROM process_instance")
                cursor.fetchall()
                cursor.execute("SELECT instance_id, ready_at, completed_at, due_at, sla_due_at, role FROM human_task")
                cursor.fetchall()

        def floor_list():  # reading the year's summary rows raw, in receipt order: what listing them pays
            with sa_engine.connect() as connection:
                cursor = connection.connection.cursor()
                cursor.execute("SELECT tracking_code, process_key, channel, category, anonymity, received_at, "
                               "finished_at, state, stage, subject, answer, started_by FROM complaint_summary "
                               "WHERE received_at >= '2025-12-31' ORDER BY received_at, instance_id")
                cursor.fetchall()

        rows_seconds, rows_cpu, _ = _median_seconds(floor_rows, runs)
        row(BENCH, "floor_read_rows", rows_seconds, "s",
            note=f"raw DB-API fetch of every complaint and step row (same run, for the ratios); cpu {rows_cpu:.2f} s")
        list_seconds, list_cpu, _ = _median_seconds(floor_list, runs)
        row(BENCH, "floor_read_list", list_seconds, "s",
            note=f"raw DB-API fetch of the year's complaint_summary rows in receipt order; cpu {list_cpu:.2f} s")
        whole, whole_cpu, samples = _median_seconds(
            lambda: results.__setitem__("all", recap(date(2026, 1, 1), date(2026, 12, 31))), runs)
        received = results["all"]["totals"]["received"]
        row(BENCH, "recap_all", whole, "s", goal="≤ 2 s", ok=whole <= 2.0,
            note=f"{received:,} complaints in the period, {task_rows:,} step rows; "
                 f"runs {[round(s, 2) for s in samples]}, cpu {whole_cpu:.2f} s; "
                 f"{whole / rows_seconds:.2f}× the raw row read, "
                 f"{whole / list_seconds:.1f}× the raw summary read; {_load()}")
        month, month_cpu, samples = _median_seconds(
            lambda: results.__setitem__("month", recap(date(2026, 6, 1), date(2026, 6, 30))), runs)
        row(BENCH, "recap_month", month, "s", goal="≤ 2 s", ok=month <= 2.0,
            note=f"{results['month']['totals']['received']:,} complaints in June of {count:,}; runs "
                 f"{[round(s, 2) for s in samples]}, cpu {month_cpu:.2f} s; "
                 f"ratio to the whole year {month / whole:.2f}")
        december = EngineContext(clock=FixedClock(datetime(2026, 12, 20, 3, tzinfo=UTC)),
                                 calendar=ctx.calendar)

        def board():
            with factory() as session:
                results["dashboard"] = dashboard(session, december)

        board_seconds, board_cpu, _ = _median_seconds(board, runs)
        row(BENCH, "dashboard", board_seconds, "s",
            note=f"20 Dec: {results['dashboard'].received_month:,} received this month; cpu {board_cpu:.2f} s; "
                 f"ratio to the month recap {board_seconds / month:.2f}")
        app, client = _page_client(url, ctx.clock)
        pages = {}

        def year_page():
            pages["year"] = client.get("/rekap?kind=range&from=2026-01-01&to=2026-12-31")
            assert pages["year"].status_code == 200, pages["year"].status_code

        page_seconds, page_cpu, samples = _median_seconds(year_page, runs)
        row(BENCH, "recap_page_year", page_seconds, "s",
            note=f"the recap page of the whole year through Flask (figures, 5 charts, first 100 of the list): "
                 f"{len(pages['year'].data) / 1e6:.2f} MB; runs {[round(s, 2) for s in samples]}, "
                 f"cpu {page_cpu:.2f} s; ratio to the recap {page_seconds / whole:.2f}")
        with app.app_context():
            from tasks_ui.extensions import db

            db.engine.dispose()
        row(BENCH, "backfill_0004", backfill, "s",
            note=f"complaint facts derived from the rows of {count:,} complaints (migration 0004, once)")
        sys.path.insert(0, str(ROOT))
        from tasks_ui.reports.exports import recap_xlsx

        xlsx, _, _ = _median_seconds(lambda: recap_xlsx(results["month"]), 1)
        row(BENCH, "export_xlsx_month", xlsx, "s", note="XLSX of the June recap (information)")
        sa_engine.dispose()
    print_table()


if __name__ == "__main__":
    main()
