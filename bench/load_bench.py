"""Load over real HTTP against ``alur serve --workers N`` (gunicorn), loopback only, bounded in time.

1. **HTTP task completion** on SQLite and on PostgreSQL: ``POST /api/v1/tasks/{id}/complete`` from
   ``ALUR_LOAD_CLIENTS`` threads (default 8) over keep-alive connections, each on its own complaint
   (``ALUR_LOAD_COMPLETIONS`` per round, default 1,000; ``ALUR_LOAD_ROUNDS`` rounds, default 3, against the
   same server) — throughput as the median of the rounds (a shared machine's noise moves one round by ±20 %),
   p50/p95 over all of them. Beside it, on the same database: one client completing steps one after
   another (``http_op``) and the same operation in process (``engine_op``, ``runtime.complete_task``),
   so ``http_op / engine_op`` is what HTTP, gunicorn, routing, token lookup and JSON add.
2. **Day in the life** on PostgreSQL for ``ALUR_LOAD_SECONDS`` (default 60): citizens submitting
   complaints, ``ALUR_LOAD_OFFICIALS`` officials (default 200: petugas, kasi, kabid) working their inboxes
   (list, claim, complete), an ``alur timers`` worker firing due timers — throughput, p50/p95 per kind,
   errors (any answer other than the expected 2xx, and 409 races shown apart).
3. **Worker RSS** with ``ALUR_LOAD_RSS_INSTANCES`` (default 100,000) complaints in PostgreSQL, after
   inbox pages, task views and completions in every worker.

Set-up shortcuts (not measured): officials and their API tokens are inserted as rows (a scrypt password
hash per user costs ~1 s on a loaded machine), and the 100,000 complaints are copies of one made by the
engine (``INSERT … SELECT generate_series``). PostgreSQL: ``ALUR_BENCH_POSTGRES_URL`` or
``ALUR_TEST_POSTGRES_URL`` (a throw-away schema is created and dropped); without it only SQLite runs.

Run alone: ``.venv/bin/python bench/load_bench.py`` (``ALUR_BENCH_SCALE=0.2`` for a quick run). On a busy
2-core machine the whole run takes 10–15 minutes (mostly set-up through the engine): under ``make bench``
raise ``ALUR_BENCH_TIMEOUT`` (default 600 s per file) or lower the scale.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import percentile, print_table, row, scale
from sqlalchemy import select, text

from engine import runtime
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock, SystemClock
from engine.context import EngineContext
from engine.db import create_schema, make_engine, make_session_factory
from engine.models import ApiToken, HumanTask, ProcessInstance, Timer, User, UserRole
from tests.conftest import deploy_shipped
from tests.engine_helpers import ready_task
from tests.scale_fixtures import ALUR, Server, alur_env, varied_intake
from tests.timer_fixtures import clone_instances, deploy_timer_process, start_timer_instances

BENCH = "load"
WORKERS = int(os.environ.get("ALUR_LOAD_WORKERS", 2))  # gunicorn workers (2 cores)
THREADS = int(os.environ.get("ALUR_LOAD_THREADS", 4))
CLIENTS = int(os.environ.get("ALUR_LOAD_CLIENTS", 8))
STEP = {"lengkap": True, "nomor_buku_pengaduan": "BP-001/2026"}
STEP_DATA = {
    "verifikasi_formulir": STEP,
    "periksa_laporan": {"hasil_pemeriksaan": "benar", "catatan_solusi": "Buku dipindah ke rak khusus."},
    "beri_solusi": {"bentuk_jawaban": "tertulis", "jawaban": "Buku sudah kembali ke rak referensi."},
}


# -- set-up ------------------------------------------------------------------------------------------

def pg_base_url() -> str | None:
    return os.environ.get("ALUR_BENCH_POSTGRES_URL") or os.environ.get("ALUR_TEST_POSTGRES_URL")


class PgSchema:
    """A throw-away schema on the PostgreSQL server (dropped on exit)."""

    def __init__(self, base: str):
        self.base, self.name = base, f"alur_bench_{uuid.uuid4().hex[:8]}"
        self.admin = make_engine(base)
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        sep = "&" if "?" in base else "?"
        # application_name: this run's backends can be told apart from other work on the same server
        self.url = f"{base}{sep}options=-csearch_path%3D{self.name}&application_name={self.name}"

    def drop(self) -> None:
        with self.admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


def system_ctx() -> EngineContext:
    return EngineContext(clock=SystemClock(), calendar=OfficeCalendar())


def prepare(url: str, complaints: int) -> list[int]:
    """Schema, shipped processes, ``complaints`` complaints waiting at verifikasi_formulir; their task ids."""
    sa_engine = make_engine(url)
    create_schema(sa_engine)
    ctx = system_ctx()
    ids = []
    with make_session_factory(sa_engine)() as session:
        deploy_shipped(session, ctx)
        for n in range(complaints):
            sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", varied_intake(n))
            ids.append(ready_task(session, sub.instance.id, "verifikasi_formulir").id)
    sa_engine.dispose()
    return ids


def add_officials(url: str, roles: dict[str, int]) -> dict[str, list[str]]:
    """Officials per role with API tokens, as rows (set-up shortcut); role → tokens."""
    from werkzeug.security import generate_password_hash

    sa_engine = make_engine(url)
    now = datetime.now(UTC)
    password_hash = generate_password_hash(secrets.token_urlsafe(12))
    tokens: dict[str, list[str]] = defaultdict(list)
    with make_session_factory(sa_engine)() as session:
        for role, count in roles.items():
            for i in range(count):
                user = User(username=f"bench_{role}_{i}", display_name=f"{role} {i}", password_hash=password_hash,
                            active=True, created_at=now)
                session.add(user)
                session.flush()
                session.add(UserRole(user_id=user.id, role_key=role))
                token = secrets.token_urlsafe(24)
                import hashlib

                session.add(ApiToken(token_hash=hashlib.sha256(token.encode()).hexdigest(), user_id=user.id,
                                     created_at=now, expires_at=now + timedelta(hours=6)))
                tokens[role].append(token)
        session.commit()
    sa_engine.dispose()
    return tokens


# -- HTTP client -------------------------------------------------------------------------------------

class Client:
    """One keep-alive connection; ``request`` returns (status, body, seconds)."""

    def __init__(self, base_url: str):
        host, port = base_url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    return 0, None, time.perf_counter() - started
        elapsed = time.perf_counter() - started
        try:
            return response.status, json.loads(raw or b"null"), elapsed
        except json.JSONDecodeError:
            return response.status, raw.decode(errors="replace"), elapsed


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes ``pids`` have used so far (gone processes count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / tick


def postgres_backend_pids(url: str) -> list[int]:
    """Server processes of this run's PostgreSQL backends (same application_name; the server is local)."""
    sa_engine = make_engine(url)
    try:
        with sa_engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND application_name = current_setting('application_name')")).scalars())
    finally:
        sa_engine.dispose()


def worker_rss_mb(server: Server) -> list[float]:
    out = []
    for pid in server.worker_pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        out.append(kb / 1024)
    return out


# -- 1. HTTP task completion -------------------------------------------------------------------------

def completion_run(label: str, url: str, instance: Path) -> None:
    concurrent_n = scale(int(os.environ.get("ALUR_LOAD_COMPLETIONS", 1000)))
    rounds = int(os.environ.get("ALUR_LOAD_ROUNDS", 3))
    sequential_n = scale(40)
    task_ids = prepare(url, rounds * concurrent_n + 2 * sequential_n)
    tokens = add_officials(url, {"petugas": CLIENTS})["petugas"]
    engine_ids = task_ids[:sequential_n]
    http_ids = task_ids[sequential_n:2 * sequential_n]
    load_ids = task_ids[2 * sequential_n:]

    # engine_op: the operation in process, one after another
    sa_engine = make_engine(url)
    factory = make_session_factory(sa_engine)
    ctx = system_ctx()
    from engine.actors import Actor

    official = Actor("bench_petugas_0", frozenset({"petugas"}))
    engine_times = []
    for task_id in engine_ids:
        with factory() as session:
            started = time.perf_counter()
            runtime.complete_task(session, ctx, task_id, STEP, actor=official)
            engine_times.append(time.perf_counter() - started)
    sa_engine.dispose()

    server = Server(alur_env(instance, url, ALUR_RATELIMIT="0"), workers=WORKERS, threads=THREADS).start()
    try:
        client = Client(server.url)
        for _ in range(5):
            client.request("GET", "/api/v1/tasks?limit=20", token=tokens[0])  # warm every code path once
        http_times = []
        for task_id in http_ids:
            status, body, seconds = client.request("POST", f"/api/v1/tasks/{task_id}/complete", {"data": STEP},
                                                   tokens[0])
            assert status == 200, body
            http_times.append(seconds)

        latencies: list[float] = []
        errors = [0]
        kinds: dict[str, int] = defaultdict(int)
        lock = threading.Lock()

        def run(i: int, pending: list[int]) -> None:
            c = Client(server.url)
            while True:
                with lock:
                    if not pending:
                        return
                    task_id = pending.pop()
                status, body, seconds = c.request("POST", f"/api/v1/tasks/{task_id}/complete", {"data": STEP},
                                                  tokens[i])
                with lock:
                    latencies.append(seconds)
                    if status != 200:
                        errors[0] += 1
                        kinds[f"{status} {body['error']['code'] if isinstance(body, dict) else body}"[:60]] += 1

        # CPU the server side spends (gunicorn workers + their database backends): what 2 idle cores could
        # carry, whatever else runs on this machine meanwhile
        on_pg = url.startswith("postgresql")
        app_pids = server.worker_pids()
        db_pids = postgres_backend_pids(url) if on_pg else []
        app_before, db_before = cpu_seconds(app_pids), cpu_seconds(db_pids)
        rates = []  # completions per second of each round
        for start in range(0, len(load_ids), concurrent_n):
            pending = load_ids[start:start + concurrent_n]
            done_before = len(latencies)
            threads = [threading.Thread(target=run, args=(i, pending)) for i in range(CLIENTS)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rates.append((len(latencies) - done_before) / (time.perf_counter() - started))
        # backends the workers connected during the run count whole (they did not exist before)
        db_pids += [pid for pid in (postgres_backend_pids(url) if on_pg else []) if pid not in db_pids]
        app_cpu, db_cpu = cpu_seconds(app_pids) - app_before, cpu_seconds(db_pids) - db_before
    finally:
        server.stop()
    throughput = statistics.median(rates)
    p95 = percentile(latencies, 0.95) * 1000
    pg = label == "PostgreSQL"
    row(BENCH, f"HTTP complete throughput ({label})", throughput, "/s",
        goal=">= 300/s (PostgreSQL, 2 cores)" if pg else "", ok=(throughput >= 300) if pg else None,
        note=f"median of {len(rates)} rounds of {concurrent_n} completions ("
             + ", ".join(f"{rate:.0f}" for rate in rates)
             + f"/s), {CLIENTS} clients, gunicorn {WORKERS}x{THREADS}, {errors[0]} errors"
             + (f" {dict(kinds)}" if kinds else ""))
    row(BENCH, f"HTTP complete p50 ({label})", percentile(latencies, 0.5) * 1000, "ms",
        note=f"all {len(latencies)} completions of the rounds")
    row(BENCH, f"HTTP complete p95 ({label})", p95, "ms", goal="<= 50 ms (PostgreSQL)" if pg else "",
        ok=(p95 <= 50) if pg else None)
    done = max(1, len(latencies))
    cpu_ms = (app_cpu + db_cpu) / done * 1000
    split = f"app workers {app_cpu / done * 1000:.1f} ms"
    if pg:
        split += f" + PostgreSQL {db_cpu / done * 1000:.1f} ms"
    row(BENCH, f"HTTP complete CPU per completion ({label})", cpu_ms, "ms",
        note=f"{split}; {os.cpu_count()} idle cores would carry {os.cpu_count() * 1000 / cpu_ms:.0f}/s "
             f"(load average {os.getloadavg()[0]:.1f} during the run)")
    http_op = percentile(http_times, 0.5) * 1000
    engine_op = percentile(engine_times, 0.5) * 1000
    row(BENCH, f"http_op / engine_op ({label})", http_op / engine_op, "x", goal="<= 1.5 (DESIGN.md)",
        ok=http_op / engine_op <= 1.5,
        note=f"one client: HTTP {http_op:.1f} ms vs in-process {engine_op:.1f} ms (medians of {sequential_n})")


# -- 2. day in the life -------------------------------------------------------------------------------

def day_in_the_life(url: str, instance: Path) -> None:
    seconds = float(os.environ.get("ALUR_LOAD_SECONDS", 60)) * min(1.0, float(os.environ.get("ALUR_BENCH_SCALE", 1)))
    officials = scale(int(os.environ.get("ALUR_LOAD_OFFICIALS", 200)))
    backlog = scale(300)
    timers = scale(1500)
    print(f"# day: set-up ({backlog} complaints, {timers} timers)", file=sys.stderr, flush=True)
    prepare(url, backlog)
    split = {"petugas": officials // 2, "kasi": officials // 4, "kabid": officials - officials // 2 - officials // 4}
    tokens = add_officials(url, split)
    # timers: a tiny process whose boundary timers fell due over the last hours (the worker catches up)
    sa_engine = make_engine(url)
    factory = make_session_factory(sa_engine)
    now = datetime.now(UTC)
    ctx = EngineContext(clock=FixedClock(now - timedelta(hours=3)), calendar=OfficeCalendar())
    with factory() as session:
        deploy_timer_process(session, ctx)
        template = start_timer_instances(session, ctx, 1)[0]
        due = session.scalar(select(Timer.due_at).where(Timer.instance_id == template))
        clone_instances(session, template, [due + timedelta(seconds=i % 3600) for i in range(timers - 1)],
                        ready_task=False)
    env = alur_env(instance, url, ALUR_RATELIMIT="0")
    server = Server(env, workers=WORKERS, threads=THREADS).start()
    log = open(instance / "timers.log", "ab")  # noqa: SIM115
    worker = subprocess.Popen([str(ALUR), "timers", "--interval", "1"], env=env, stdout=log,
                              stderr=subprocess.STDOUT, cwd=str(instance.parent), start_new_session=True)
    stats: dict[str, list[float]] = defaultdict(list)
    answers: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()
    stop = threading.Event()

    def record(kind: str, status: int, seconds: float) -> None:
        with lock:
            stats[kind].append(seconds)
            answers[kind][status] += 1

    def official(i: int) -> None:
        rng = random.Random(i)
        c = Client(server.url)
        roles = [r for r, n in split.items() for _ in range(n)]
        while not stop.is_set():
            role = rng.choice(roles)
            token = rng.choice(tokens[role])
            status, page, s = c.request("GET", f"/api/v1/tasks?limit=20&role={role}", token=token)
            record("inbox list", status, s)
            if status != 200 or not page:
                time.sleep(0.2)
                continue
            task = rng.choice([t for t in page if t["bpmn_id"] in STEP_DATA] or page)
            if task["bpmn_id"] not in STEP_DATA:
                continue
            status, _b, s = c.request("POST", f"/api/v1/tasks/{task['id']}/claim", {}, token)
            record("claim", status, s)
            if status != 200:
                continue
            status, _b, s = c.request("POST", f"/api/v1/tasks/{task['id']}/complete",
                                      {"data": STEP_DATA[task["bpmn_id"]]}, token)
            record("complete", status, s)

    def citizen(i: int) -> None:
        c = Client(server.url)
        n = 1_000_000 + i * 100_000
        while not stop.is_set():
            n += 1
            status, _b, s = c.request("POST", "/api/v1/complaints", {"process": "muba_pengaduan", **varied_intake(n)})
            record("submit", status, s)
            time.sleep(0.5)

    threads = [threading.Thread(target=official, args=(i,)) for i in range(CLIENTS)]
    threads += [threading.Thread(target=citizen, args=(i,)) for i in range(2)]
    with factory() as session:
        fired_before = session.scalar(text("SELECT count(*) FROM audit_event WHERE type = 'TIMER_FIRED'"))
    started = time.perf_counter()
    print(f"# day: {seconds:.0f} s of load", file=sys.stderr, flush=True)
    try:
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join(60)
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
        log.close()
        server.stop()
    with factory() as session:
        fired = session.scalar(text("SELECT count(*) FROM audit_event WHERE type = 'TIMER_FIRED'")) - fired_before
    sa_engine.dispose()
    total = sum(len(v) for v in stats.values())
    expected = {"inbox list": {200}, "claim": {200}, "complete": {200}, "submit": {201}}
    errors = sum(n for kind, per in answers.items() for status, n in per.items()
                 if status not in expected[kind] and status != 409)
    races = sum(per.get(409, 0) for per in answers.values())
    row(BENCH, "day: requests/s (PostgreSQL)", total / elapsed, "/s",
        note=f"{total} requests in {elapsed:.0f} s; {officials} officials over {CLIENTS} client threads, "
             f"2 citizens, gunicorn {WORKERS}x{THREADS}")
    for kind in ("inbox list", "claim", "complete", "submit"):
        if stats[kind]:
            row(BENCH, f"day: {kind} p50 / p95", percentile(stats[kind], 0.5) * 1000, "ms",
                note=f"p95 {percentile(stats[kind], 0.95) * 1000:.0f} ms, n={len(stats[kind])}, "
                     f"{len(stats[kind]) / elapsed:.1f}/s")
    row(BENCH, "day: errors", errors, "", goal="0", ok=errors == 0,
        note=f"{races} × 409 (two officials on one step: expected); "
             f"answers {json.dumps({k: dict(v) for k, v in answers.items()})}")
    row(BENCH, "day: timers fired", fired, "", note=f"{fired / elapsed:.1f}/s by one alur timers worker, "
                                                    f"{timers} due at the start")


# -- 3. worker RSS with 100k instances ------------------------------------------------------------------

def rss_with_instances(url: str, instance: Path) -> None:
    count = scale(int(os.environ.get("ALUR_LOAD_RSS_INSTANCES", 100_000)))
    task_ids = prepare(url, 40)
    tokens = add_officials(url, {"petugas": 2})["petugas"]
    sa_engine = make_engine(url)
    with sa_engine.begin() as conn:
        template = conn.execute(select(HumanTask).where(HumanTask.id == task_ids[-1])).mappings().one()
        columns = [c.name for c in ProcessInstance.__table__.columns if c.name not in ("id", "tracking_code")]
        listed = ", ".join(columns)
        conn.execute(text(f"INSERT INTO process_instance ({listed}) SELECT {listed} FROM process_instance "
                          f"CROSS JOIN generate_series(1, :n) WHERE id = :id"),
                     {"n": count, "id": template["instance_id"]})
        task_cols = [c.name for c in HumanTask.__table__.columns if c.name not in ("id", "instance_id", "task_guid")]
        tl = ", ".join(task_cols)
        conn.execute(text(f"INSERT INTO human_task (instance_id, task_guid, {tl}) SELECT p.id, md5(p.id::text), "
                          f"{', '.join('t.' + c for c in task_cols)} FROM process_instance p, human_task t "
                          f"WHERE t.id = :task AND p.id > :last"),
                     {"task": template["id"], "last": template["instance_id"]})
        total = conn.execute(text("SELECT count(*) FROM process_instance")).scalar()
    sa_engine.dispose()
    server = Server(alur_env(instance, url, ALUR_RATELIMIT="0"), workers=WORKERS, threads=THREADS).start()
    try:
        c = Client(server.url)
        for i in range(60):
            c.request("GET", f"/api/v1/tasks?limit=100&offset={i * 100}", token=tokens[i % 2])
            c.request("GET", f"/api/v1/tasks/{task_ids[i % 30]}", token=tokens[i % 2])
            c.conn.close()  # a new connection: the next request may land on the other worker
        for i in range(30):
            c.request("POST", f"/api/v1/tasks/{task_ids[i]}/complete", {"data": STEP}, tokens[i % 2])
            c.conn.close()
        rss = worker_rss_mb(server)
    finally:
        server.stop()
    worst = max(rss)
    row(BENCH, "worker RSS with 100k instances (PostgreSQL)", worst, "MB", goal="<= 150 MB", ok=worst <= 150,
        note=f"{total:,} instances; workers {', '.join(f'{r:.0f}' for r in rss)} MB "
             "after inbox pages, views, completions")


def main() -> int:
    print(f"# {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start: other work on this "
          "machine makes latencies pessimistic; the CPU-per-completion rows are not affected by it.")
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        parts = [p for p in os.environ.get("ALUR_LOAD_PARTS", "").split(",") if p]
        if not parts or "sqlite" in parts:
            completion_run("SQLite", f"sqlite:///{base / 'load.sqlite'}", base / "sqlite" / "instance")
        pg = pg_base_url()
        if not pg:
            row(BENCH, "PostgreSQL parts", 0, "", note="skipped: set ALUR_BENCH_POSTGRES_URL or ALUR_TEST_POSTGRES_URL")
        else:
            for part, func in (("completion", None), ("day", day_in_the_life), ("rss", rss_with_instances)):
                if parts and part not in parts:
                    continue
                print(f"# {part} …", file=sys.stderr, flush=True)
                schema = PgSchema(pg)
                try:
                    if func is None:
                        completion_run("PostgreSQL", schema.url, base / f"pg-{part}" / "instance")
                    else:
                        func(schema.url, base / f"pg-{part}" / "instance")
                finally:
                    schema.drop()
    print()
    print_table()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
