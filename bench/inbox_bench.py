"""Inbox latency for a kasi at two database sizes: ``GET /api/v1/tasks`` and the HTML inbox page.

Sizes: 1,000 and 100,000 open complaints (``ALUR_INBOX_BENCH_SIZES``, comma-separated), each in its own
SQLite file. Requests per endpoint and size: ``ALUR_INBOX_BENCH_REQUESTS`` (default 200, after 20 warm-up
requests). Requests go through the whole Flask stack (test client: routing, token or session login, the
inbox queries, JSON or template rendering), without a network. Both sizes' apps are up at once and their
requests alternate, so a busy moment of the machine hits both sizes and not only one side of the ratio.

Seeding bypasses the engine on purpose: the inbox reads only ``process_instance``/``human_task`` rows, so
the rows are bulk-inserted with SQLAlchemy core (the same columns the engine writes; ``state_json`` is a
stub the inbox never reads). Each complaint has one or two completed steps and one ready step, spread over
the roles (petugas, kasi, kabid, kepala_dinas, pelapor) and over the last four weeks, so the kasi sees about
a third of the open complaints with every timer state.

Run alone: ``.venv/bin/python bench/inbox_bench.py`` (``ALUR_BENCH_SCALE=0.1`` shrinks the sizes).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import ROOT, percentile, print_table, row, timed
from sqlalchemy import insert, select

from engine import deploy, users
from engine.actors import SYSTEM_INIT
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock
from engine.context import EngineContext
from engine.db import create_schema, make_engine, make_session_factory
from engine.models import HumanTask, ProcessInstance, ProcessVersion

BENCH = "inbox"
PROCESSES = ROOT / "processes"
#: Monday 30 March 2026, 10:00 WIB (after the Idul Fitri holidays): the moment of every request.
NOW = datetime(2026, 3, 30, 3, 0, tzinfo=UTC)
PASSWORD = "sandi-bench-123"
#: The ready step of the i-th complaint cycles through these (process, bpmn id, name, role, form, minutes).
READY_STEPS = [
    ("muba_pengaduan", "verifikasi_formulir", "Verifikasi Formulir Pengaduan", "petugas",
     "muba-verifikasi-formulir.schema.json", 10),
    ("muba_pengaduan", "periksa_laporan", "Periksa Kebenaran Laporan", "kasi", "muba-periksa-laporan.schema.json", 10),
    ("muba_pengaduan", "beri_solusi", "Beri Solusi dan Informasi", "kabid", "muba-beri-solusi.schema.json", 15),
    ("sanggau_pengaduan", "distribusikan_aduan", "Distribusikan Aduan ke Tim Penjawab", "kasi",
     "sanggau-distribusikan-aduan.schema.json", 60),
    ("sanggau_pengaduan", "setujui_jawaban", "Tinjau dan Setujui Jawaban", "kepala_dinas",
     "sanggau-setujui-jawaban.schema.json", 120),
    ("muba_pengaduan", "lengkapi_pengaduan", "Lengkapi Pengaduan", "pelapor", "lengkapi-pengaduan.schema.json", 0),
]
CHUNK = 5000


def _instance_row(i: int, version_ids: dict, ready_at: datetime, process: str) -> dict:
    return {
        "id": i, "process_key": process, "version_id": version_ids[process], "status": "running",
        "serializer_version": "bench-stub", "state_json": "{}", "lock_version": 1, "started_at": ready_at,
        "started_by": f"pelapor:PGD-B{i:07d}", "completed_at": None, "updated_at": ready_at,
        "stage": "", "tracking_code": f"PGD-B{i:07d}", "reporter_key_hash": "0" * 64, "channel": "website",
        "subject": f"Pengaduan nomor {i}: AC ruang baca mati", "anonymity": "none", "received_at": ready_at,
        "answer": None,
    }


def _deadlines(calendar: OfficeCalendar, ready_at: datetime, minutes: int, sla: bool) -> tuple:
    """(due, warn, sla_due, urgent) as the engine computes them: office time from ``ready_at``."""
    key = (ready_at, minutes, sla)
    if key not in _DEADLINES:
        due = calendar.add_office_time(ready_at, timedelta(minutes=minutes)) if minutes else None
        warn = calendar.add_office_time(ready_at, timedelta(minutes=minutes * 0.75)) if minutes else None
        sla_due = calendar.add_office_time(ready_at, timedelta(hours=7 * 8.5)) if sla else None
        urgent = min(d for d in (due, sla_due, datetime(9999, 12, 31, tzinfo=UTC)) if d)
        _DEADLINES[key] = (due, warn, sla_due, urgent)
    return _DEADLINES[key]


_DEADLINES: dict = {}
#: Distinct moments at which steps became ready (complaints share them; deadlines are computed once each).
READY_MOMENTS = 5000


def _task_row(i: int, n: int, step: tuple, ready_at: datetime, state: str, calendar: OfficeCalendar) -> dict:
    process, bpmn_id, name, role, form, minutes = step
    standard = minutes * 60.0 if minutes else None
    due, warn, sla, urgent = _deadlines(calendar, ready_at, minutes, process == "sanggau_pengaduan")
    return {
        "instance_id": i, "task_guid": f"{i:08d}-0000-4000-8000-{n:012d}", "process_key": process,
        "bpmn_id": bpmn_id, "name": name, "role": role, "form_name": form, "state": state, "ready_at": ready_at,
        "standard_seconds": standard, "due_at": due, "sla_due_at": sla, "warn_at": warn, "urgent_at": urgent,
        "is_escalation": False, "claimed_by": "kasi_bench" if state == "ready" and role == "kasi" and i % 50 == 0
        else None, "claimed_at": None, "completed_by": f"{role}_lain" if state == "completed" else None,
        "completed_at": ready_at + timedelta(minutes=5) if state == "completed" else None,
        "tracking_code": f"PGD-B{i:07d}", "subject": f"Pengaduan nomor {i}: AC ruang baca mati",
        "channel": "website",
    }


def seed(path: Path, complaints: int) -> float:
    """A SQLite file with the shipped processes, a kasi and ``complaints`` open complaints; seconds taken."""
    started = time.perf_counter()
    sa_engine = make_engine(f"sqlite:///{path}")
    create_schema(sa_engine)
    ctx = EngineContext(clock=FixedClock(NOW - timedelta(days=40)), calendar=OfficeCalendar())
    forms = {p.name: p.read_text(encoding="utf-8") for p in sorted((PROCESSES / "forms").glob("*.json"))}
    with make_session_factory(sa_engine)() as session:
        users.load_roles(session, ctx, PROCESSES / "roles.json")
        for bpmn in sorted(PROCESSES.glob("*.bpmn")):
            deploy.deploy_process(session, ctx, bpmn.read_bytes(), forms, actor=SYSTEM_INIT, filename=bpmn.name)
        users.create_user(session, ctx, "kasi_bench", PASSWORD, ["kasi"], actor=SYSTEM_INIT)
        version_ids = dict(session.execute(select(ProcessVersion.process_key, ProcessVersion.id)).all())
    calendar = ctx.calendar
    span = 28 * 24 * 3600  # ready times spread over the four weeks before NOW
    instances, tasks = [], []
    with sa_engine.begin() as conn:
        for i in range(1, complaints + 1):
            step = READY_STEPS[i % len(READY_STEPS)]
            ready_at = NOW - timedelta(seconds=((i * 7919) % READY_MOMENTS) * span // READY_MOMENTS + 60)
            instances.append(_instance_row(i, version_ids, ready_at - timedelta(hours=1), step[0]))
            intake = ("muba_pengaduan", "isi_formulir", "Isi Formulir Pengaduan Masyarakat", "pelapor",
                      "pengaduan.schema.json", 0)
            tasks.append(_task_row(i, 1, intake, ready_at - timedelta(hours=1), "completed", calendar))
            tasks.append(_task_row(i, 2, step, ready_at, "ready", calendar))
            if len(instances) >= CHUNK:
                conn.execute(insert(ProcessInstance.__table__), instances)
                conn.execute(insert(HumanTask.__table__), tasks)
                instances, tasks = [], []
        if instances:
            conn.execute(insert(ProcessInstance.__table__), instances)
            conn.execute(insert(HumanTask.__table__), tasks)
    with sa_engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    sa_engine.dispose()
    return time.perf_counter() - started


def _app(path: Path):
    from tasks_ui import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench",
                       "ALUR_CLOCK": FixedClock(NOW), "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False})


def _clients(app):
    """A bearer header for the API and a session-logged-in client for the page, both as the kasi."""
    api = app.test_client()
    token = api.post("/api/v1/tokens", json={"username": "kasi_bench", "password": PASSWORD}).get_json()["token"]
    page = app.test_client()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get("/login").get_data(as_text=True)).group(1)
    login = page.post("/login", data={"username": "kasi_bench", "password": PASSWORD, "csrf_token": csrf})
    assert login.status_code == 302, login.status_code
    return api, {"Authorization": f"Bearer {token}"}, page


def _endpoints(path: Path):
    """The app over ``path`` and its two measured requests, each asserting a full answer."""
    app = _app(path)
    api, headers, page = _clients(app)

    def get_api():
        response = api.get("/api/v1/tasks", headers=headers)
        assert response.status_code == 200 and response.get_json(), response.status_code

    def get_page():
        response = page.get("/inbox")
        assert response.status_code == 200 and b"PGD-B" in response.data, response.status_code

    return app, {"GET /api/v1/tasks": get_api, "GET /inbox (HTML)": get_page}


def measure(paths: dict[int, Path], requests: int) -> dict[int, dict[str, list[float]]]:
    """Seconds (and CPU seconds) per request of each endpoint at each size, interleaved request by request
    so that the machine's noise hits every size alike (the sizes' ratio is the goal)."""
    built = {size: _endpoints(path) for size, path in paths.items()}
    endpoints = {size: fns for size, (_app, fns) in built.items()}
    for _ in range(20):
        for fns in endpoints.values():
            for fn in fns.values():
                fn()
    samples = {size: {key: [] for name in fns for key in (name, f"{name} cpu")} for size, fns in endpoints.items()}
    for _ in range(requests):
        for size, fns in endpoints.items():
            for name, fn in fns.items():
                cpu = time.process_time()
                samples[size][name].append(timed(fn))
                samples[size][f"{name} cpu"].append(time.process_time() - cpu)
    from tasks_ui.extensions import db

    for app, _fns in built.values():
        with app.app_context():
            db.engine.dispose()
    return samples


def kasi_share(path: Path) -> int:
    """How many ready steps the kasi's inbox holds."""
    sa_engine = make_engine(f"sqlite:///{path}")
    with sa_engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM human_task WHERE state='ready' AND role='kasi'").scalar()
    sa_engine.dispose()
    return int(count)


def main() -> int:
    """Seed each size, measure, print the rows and the ratios."""
    factor = float(os.environ.get("ALUR_BENCH_SCALE", "1"))
    sizes = [max(10, int(int(s) * factor)) for s in
             os.environ.get("ALUR_INBOX_BENCH_SIZES", "1000,100000").split(",") if s.strip()]
    requests = int(os.environ.get("ALUR_INBOX_BENCH_REQUESTS", "200"))
    with tempfile.TemporaryDirectory(dir=os.environ.get("ALUR_BENCH_DIR")) as tmp:
        paths = {}
        for size in sizes:
            path = paths[size] = Path(tmp) / f"inbox-{size}.sqlite"
            seconds = seed(path, size)
            row(BENCH, f"seed {size:,} open complaints", seconds, "s",
                note=f"bulk insert, kasi holds {kasi_share(path):,} ready steps")
        results = measure(paths, requests)
    small, large = min(sizes), max(sizes)
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count() or 0} cores"
    for name in [n for n in results[small] if not n.endswith(" cpu")]:
        for size in sizes:
            samples = results[size][name]
            p50, p95 = percentile(samples, 0.5) * 1000, percentile(samples, 0.95) * 1000
            cpu95 = percentile(results[size][f"{name} cpu"], 0.95) * 1000
            row(BENCH, f"{name} p50 @ {size:,}", p50, "ms", note=f"{len(samples)} requests")
            goal = size == large and large >= 100_000
            row(BENCH, f"{name} p95 @ {size:,}", p95, "ms", goal="<= 30 ms" if goal else "",
                ok=(p95 <= 30) if goal else None, note=f"{len(samples)} requests, {load}")
            row(BENCH, f"{name} p95 CPU time @ {size:,}", cpu95, "ms",
                note="this process's CPU per request (less sensitive to a busy machine)")
        if large != small:
            p95_small = percentile(results[small][name], 0.95) * 1000
            p95_large = percentile(results[large][name], 0.95) * 1000
            row(BENCH, f"{name} p95 ratio {large:,} / {small:,}", p95_large / p95_small, "x", goal="<= 1.5",
                ok=p95_large / p95_small <= 1.5, note=f"{p95_large:.2f} ms / {p95_small:.2f} ms")
    print()
    print_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
