"""Audit log costs: verifying the hash chain per 1,000,000 events, and replaying one instance.

- ``verify``: a SQLite file gets a valid chain of ``ALUR_BENCH_AUDIT_EVENTS`` events (default 200,000;
  a realistic mix: steps completed with data before/after, steps activated, timers, claims) written by
  bulk insert into the ``audit_event`` table (stored as the app stores them), hashes computed
  with ``engine.audit.event_hash``. ``engine.audit.verify_chain`` then checks it; the time is reported
  per 1,000,000 events. Beside it, in the same run and file: the *floor* — a raw sqlite3 cursor reading
  the same rows, ``json.loads`` of the JSON columns, canonical JSON and SHA-256 (what any verifier must
  do) — and the ratio verify / floor. Verify is also checked to catch a tampered event.
- ``chain_check_job``: the auditor page's background check (``engine.chain_checks.run_check``) on the same
  chain: verify plus its progress rows and the recorded outcome, beside the plain verify.
- ``replay``: ``ALUR_BENCH_REPLAY_INSTANCES`` (default 30) complaints driven to completion through the
  engine (submit + three officials' steps); median ``replay_instance`` time per instance, beside the
  median time the engine took to run the same instance (ratio replay / run), and the median
  ``diagram_states`` time (what the replay page computes).

Run alone: ``.venv/bin/python bench/audit_bench.py`` (``ALUR_BENCH_SCALE=0.1`` for a quick run).
"""

from __future__ import annotations

import cProfile
import functools
import hashlib
import io
import json
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import ROOT, median_ms, print_table, row, scale, timed
from sqlalchemy import select, text

from engine import deploy, runtime, users
from engine.actors import SYSTEM_INIT, Actor
from engine.audit import canonical_json, event_hash, verify_chain
from engine.calendar import OfficeCalendar
from engine.chain_checks import request_check, run_check
from engine.clock import FixedClock
from engine.context import EngineContext
from engine.db import GENESIS_HASH, create_schema, make_engine, make_session_factory
from engine.history import diagram_states
from engine.models import HumanTask
from engine.replay import replay_instance
from tests.engine_helpers import MUBA_INTAKE as INTAKE
from tests.engine_helpers import MUBA_STEPS as STEPS

BENCH = "audit"
#: Events verified by default: 200,000 keeps ``make bench`` inside its per-file time limit on a shared
#: 2-core machine; the per-1M figure is then extrapolated (labelled). ``ALUR_BENCH_AUDIT_EVENTS=1000000``
#: measures a real million.
DEFAULT_EVENTS = 200_000
PROCESSES = ROOT / "processes"
START = datetime(2026, 3, 13, 2, 0, tzinfo=UTC)


class _Event:
    """The attributes ``event_body`` reads."""

    __slots__ = ("seq", "at", "actor", "type", "instance_id", "task_guid", "bpmn_id", "data_before",
                 "data_after", "payload")

    def __init__(self, **values):
        for key, value in values.items():
            setattr(self, key, value)


def _event(seq: int) -> _Event:
    """Event number ``seq`` of a plausible mix (one instance every 8 events)."""
    instance_id, kind = divmod(seq, 8)
    at = START + timedelta(seconds=seq * 7, microseconds=seq % 1000)
    guid = f"00000000-0000-4000-8000-{seq:012d}"
    if kind in (1, 4):
        data = {**INTAKE, "nomor_buku_pengaduan": f"BP-{instance_id}/2026", "lengkap": True}
        after = {**data, "hasil_pemeriksaan": "benar", "catatan_solusi": f"Dicek {seq}."}
        return _Event(seq=seq, at=at, actor="kasi1", type="TASK_COMPLETED", instance_id=instance_id,
                      task_guid=guid, bpmn_id="periksa_laporan", data_before=data, data_after=after,
                      payload={"input": {"hasil_pemeriksaan": "benar", "catatan_solusi": f"Dicek {seq}."},
                               "role": "kasi", "on_behalf_of": None})
    if kind == 6:
        return _Event(seq=seq, at=at, actor="system:timer", type="TIMER_FIRED", instance_id=instance_id,
                      task_guid=guid, bpmn_id="tenggat_7_hari", data_before=None, data_after=None,
                      payload={"due_at": at.isoformat()})
    if kind == 7:
        return _Event(seq=seq, at=at, actor="petugas1", type="TASK_CLAIMED", instance_id=instance_id,
                      task_guid=guid, bpmn_id="verifikasi_formulir", data_before=None, data_after=None,
                      payload={})
    return _Event(seq=seq, at=at, actor="system:engine", type="TASK_ACTIVATED", instance_id=instance_id,
                  task_guid=guid, bpmn_id="periksa_laporan", data_before=None, data_after=None,
                  payload={"role": "kasi", "name": "Periksa Kebenaran Laporan"})


def write_chain(path: Path, count: int, batch: int = 20000) -> float:
    """Insert a valid chain of ``count`` events (and set the head) with a raw sqlite3 cursor, stored as
    SQLAlchemy stores them (naive UTC timestamps, ``json.dumps`` text); verify re-reads them through the
    app's types, so a format slip here shows up as a failed verify. Returns the seconds it took."""
    started = time.perf_counter()
    prev = GENESIS_HASH
    dumps = json.dumps
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    sql = ("INSERT INTO audit_event (seq, at, actor, type, instance_id, task_guid, bpmn_id, data_before, "
           "data_after, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    rows = []
    for seq in range(1, count + 1):
        event = _event(seq)
        digest = event_hash(prev, event)
        rows.append((seq, event.at.strftime("%Y-%m-%d %H:%M:%S.%f"), event.actor, event.type, event.instance_id,
                     event.task_guid, event.bpmn_id, None if event.data_before is None else dumps(event.data_before),
                     None if event.data_after is None else dumps(event.data_after), dumps(event.payload), prev,
                     digest))
        prev = digest
        if len(rows) >= batch:
            conn.executemany(sql, rows)
            rows = []
    if rows:
        conn.executemany(sql, rows)
    conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (count, prev))
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def floor_verify(path: Path) -> tuple[float, float]:
    """The least any verifier does: read rows with a raw cursor, parse JSON, canonical JSON, SHA-256.

    Returns (wall seconds, CPU seconds)."""
    started, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(path)
    prev = GENESIS_HASH
    loads = json.loads
    for (seq, at, actor, kind, instance_id, guid, bpmn_id, before, after, payload, prev_hash, digest) in conn.execute(
            "SELECT seq, at, actor, type, instance_id, task_guid, bpmn_id, data_before, data_after, payload, "
            "prev_hash, hash FROM audit_event ORDER BY seq"):
        body = {"seq": seq, "at": at.replace(" ", "T") + "Z", "actor": actor, "type": kind,
                "instance_id": instance_id, "task_guid": guid, "bpmn_id": bpmn_id,
                "data_before": loads(before) if before else None, "data_after": loads(after) if after else None,
                "payload": loads(payload)}
        computed = hashlib.sha256((prev + canonical_json(body)).encode("utf-8")).hexdigest()
        if prev_hash != prev or computed != digest:
            raise AssertionError(f"floor verify disagrees at {seq}")
        prev = digest
    conn.close()
    return time.perf_counter() - started, time.process_time() - cpu


def bench_verify(directory: Path) -> None:
    """Generate, verify (timed, profiled once on a slice), compare with the floor, check tamper detection."""
    count = scale(int(os.environ.get("ALUR_BENCH_AUDIT_EVENTS", DEFAULT_EVENTS)))
    path = directory / "chain.sqlite"
    sa_engine = make_engine(f"sqlite:///{path}")
    create_schema(sa_engine)
    factory = make_session_factory(sa_engine)
    generated = write_chain(path, count)
    print(f"generated {count:,} events in {generated:.1f} s", flush=True)
    with factory() as session:
        cpu = time.process_time()
        started = time.perf_counter()
        report = verify_chain(session)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.ok and report.checked == count, report
    floor, floor_cpu = floor_verify(path)
    per_million = seconds * 1_000_000 / count
    label = "" if count == 1_000_000 else f"; EXTRAPOLATED linearly from {count:,} to 1,000,000"
    row(BENCH, "verify_per_1M_events", per_million, "s",
        note=f"measured on {count:,} events: {seconds:.2f} s wall, {cpu:.2f} s CPU "
             f"({count / seconds:,.0f} events/s){label}")
    row(BENCH, "verify_cpu_per_1M_events", cpu * 1_000_000 / count, "s", goal="< 60 s per 1,000,000 events",
        ok=cpu * 1_000_000 / count < 60, note="process CPU time (stable on a shared machine where wall time is not)")
    row(BENCH, "verify_floor_cpu_per_1M_events", floor_cpu * 1_000_000 / count, "s",
        note=f"raw sqlite3 cursor + json.loads + canonical JSON + sha256, same file ({floor:.2f} s wall)")
    row(BENCH, "verify_vs_floor_cpu", cpu / floor_cpu, "x",
        note=f"verify {cpu:.2f} s / floor {floor_cpu:.2f} s CPU")
    row(BENCH, "chain_generate_per_1M_events", generated * 1_000_000 / count, "s",
        note=f"bulk insert with hashing (the bench's set-up, not an app path){label}")
    bench_check_job(factory, count, cpu, label)
    _profile(factory, min(count, 100_000))
    with sa_engine.begin() as conn:  # an auditor's worst day: an altered event near the end
        conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(text("UPDATE audit_event SET actor = 'penyusup' WHERE seq = :seq"), {"seq": count - 3})
    with factory() as session:
        tampered = verify_chain(session)
    assert not tampered.ok and tampered.broken_seq == count - 3, tampered
    sa_engine.dispose()


def bench_check_job(factory, count: int, verify_cpu: float, label: str) -> None:
    """The auditor page's background check on the same chain: verify plus a progress row every 10,000 events
    and the CHAIN_VERIFIED record (``engine.chain_checks.run_check``)."""
    ctx = EngineContext(clock=FixedClock(START), calendar=OfficeCalendar())
    with factory() as session:
        check, _ = request_check(session, ctx, actor=Actor("bench", frozenset({"auditor"})))
    started, cpu = time.perf_counter(), time.process_time()
    done = run_check(factory, ctx, check.id)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert done.ok and done.checked == count, done
    row(BENCH, "chain_check_job_per_1M_events", seconds * 1_000_000 / count, "s",
        note=f"the page's background check: {seconds:.2f} s wall, {cpu:.2f} s CPU = {cpu / verify_cpu:.2f}x plain "
             f"verify's CPU (progress row every 10,000 events, CHAIN_VERIFIED recorded){label}")


def _profile(factory, limit: int) -> None:
    """Where verify spends its time (cProfile over the first ``limit`` events), printed for the reader."""
    profiler = cProfile.Profile()
    with factory() as session:
        profiler.enable()
        verify_chain(session, batch=limit)  # one batch: the rest are the same
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(8)
    print("verify profile (top functions by own time):")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:2500], flush=True)


def bench_replay(directory: Path) -> None:
    """Drive instances to completion through the engine; time replay and diagram states per instance."""
    instances = scale(int(os.environ.get("ALUR_BENCH_REPLAY_INSTANCES", 30)))
    sa_engine = make_engine(f"sqlite:///{directory / 'replay.sqlite'}")
    create_schema(sa_engine)
    factory = make_session_factory(sa_engine)
    clock = FixedClock(START)
    ctx = EngineContext(clock=clock, calendar=OfficeCalendar())
    forms = {p.name: p.read_text(encoding="utf-8") for p in sorted((PROCESSES / "forms").glob("*.json"))}
    officials = {role: Actor(f"{role}1", frozenset({role})) for _, role, _ in STEPS}
    auditor = Actor("auditor1", frozenset({"auditor"}))
    runs, ids = [], []
    with factory() as session:
        users.load_roles(session, ctx, PROCESSES / "roles.json")
        for path in sorted(PROCESSES.glob("*.bpmn")):
            deploy.deploy_process(session, ctx, path.read_bytes(), forms, actor=SYSTEM_INIT, filename=path.name)
        for _ in range(instances):
            started = time.perf_counter()
            instance_id = runtime.submit_complaint(session, ctx, "muba_pengaduan", INTAKE).instance.id
            for bpmn_id, role, data in STEPS:
                clock.advance(minutes=7)
                task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                               HumanTask.bpmn_id == bpmn_id,
                                                               HumanTask.state == "ready")).one()
                runtime.complete_task(session, ctx, task.id, data, actor=officials[role])
            runs.append(time.perf_counter() - started)
            ids.append(instance_id)
    replays, diagrams, checked = [], [], []
    for instance_id in ids:
        with factory() as session:
            started = time.perf_counter()
            result = replay_instance(session, ctx, instance_id)
            replays.append(time.perf_counter() - started)
            assert result.reproduced, result.divergence
            checked.append(result.events_checked)
        with factory() as session:
            diagrams.append(timed(functools.partial(diagram_states, session, ctx, instance_id, auditor)))
    replay_ms, run_ms = median_ms(replays), median_ms(runs)
    row(BENCH, "replay_per_instance", replay_ms, "ms", goal="< 500 ms", ok=replay_ms < 500,
        note=f"median of {instances} completed complaints, {statistics.median(checked):.0f} events each")
    row(BENCH, "engine_run_per_instance", run_ms, "ms", note="submit + 3 steps through the engine (4 commits)")
    row(BENCH, "replay_vs_run", replay_ms / run_ms, "x", note="replay median / engine run median, same instances")
    row(BENCH, "diagram_states_per_instance", median_ms(diagrams), "ms",
        note="what the replay page computes (includes one replay)")
    sa_engine.dispose()


def main() -> int:
    """Run both measurements in a temporary folder and print the table."""
    with tempfile.TemporaryDirectory(prefix="alur-audit-bench-") as folder:
        bench_replay(Path(folder))
        bench_verify(Path(folder))
    print_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
