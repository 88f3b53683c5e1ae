"""Cost of a timer sweep: it must grow with the number of *due* timers, not with the number of waiting instances.

Two SQLite databases hold real Muba complaints (``muba_pengaduan``: the petugas's ``verifikasi_formulir``
is ready and its boundary timer ``batas_verifikasi`` waits 10 office minutes). One complaint is submitted
through the engine; the others are bulk copies of it (state, timer row, ready step row), so a copy whose
timer row is due fires through the engine exactly like the original — escalation step for the kasi,
``TIMER_FIRED`` and ``ESCALATION_RAISED`` events by ``system:timer``. Copies that are not due wait a year.

- ``small``: 1,000 waiting complaints, sweeps of 100 due timers.
- ``big``: 100,000 waiting complaints, sweeps of 100 due timers, then one sweep of 1,000 due timers.
- empty sweeps (nothing due) on both: the cost of finding nothing among many waiting rows.

Sweeps of the same size alternate between the databases (machine noise hits both alike); medians.
Sizes: ``ALUR_TIMER_BENCH_WAITING`` (100000), ``ALUR_TIMER_BENCH_SMALL`` (1000), ``ALUR_TIMER_BENCH_DUE`` (100),
``ALUR_TIMER_BENCH_MANY_DUE`` (1000), ``ALUR_TIMER_BENCH_ROUNDS`` (3). Run alone:
``.venv/bin/python bench/timer_bench.py`` (``ALUR_TIMER_BENCH_WAITING=20000`` for a quick run).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import ROOT, print_table, row
from sqlalchemy import func, insert, select, update

from engine import deploy, runtime, users
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock
from engine.context import EngineContext
from engine.db import create_schema, make_engine, make_session_factory
from engine.models import HumanTask, ProcessInstance, Timer
from engine.timers import due_instance_ids, sweep_due_timers
from tests.engine_helpers import MUBA_INTAKE as INTAKE

BENCH = "timer"
PROCESSES = ROOT / "processes"
#: Monday 16 March 2026, 08:00 WIB: the template complaint arrives; its timer is due at 08:10 WIB.
T0 = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)
FAR = T0 + timedelta(days=365)
CHUNK = 5000


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Office:
    """One database of ``waiting`` complaints, each with one waiting timer; ``due()`` makes some due."""

    def __init__(self, path: Path, waiting: int):
        from engine.actors import SYSTEM_INIT

        self.engine = make_engine(f"sqlite:///{path}")
        create_schema(self.engine)
        self.factory = make_session_factory(self.engine)
        self.clock = FixedClock(T0)
        self.ctx = EngineContext(clock=self.clock, calendar=OfficeCalendar())
        with self.factory() as session:
            users.load_roles(session, self.ctx, PROCESSES / "roles.json")
            forms = {p.name: p.read_text(encoding="utf-8") for p in (PROCESSES / "forms").glob("*.json")}
            deploy.deploy_process(session, self.ctx, (PROCESSES / "muba_pengaduan.bpmn").read_bytes(), forms,
                                  actor=SYSTEM_INIT, filename="muba_pengaduan.bpmn")
            template = runtime.submit_complaint(session, self.ctx, "muba_pengaduan", INTAKE).instance.id
            self.due_at = session.scalars(select(Timer.due_at).where(Timer.instance_id == template)).one()
            started = time.perf_counter()
            self.ids = [template] + self._clone(session, template, waiting - 1)
            self.seed_seconds = time.perf_counter() - started
        self.cpu: list[float] = []
        self.unused = list(reversed(self.ids))  # instances whose timer was not made due yet
        self.clock.set(self.due_at + timedelta(seconds=1))

    def _clone(self, session, template_id: int, count: int) -> list[int]:
        template = session.get(ProcessInstance, template_id)
        timer = session.scalars(select(Timer).where(Timer.instance_id == template_id)).one()
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == template_id,
                                                       HumanTask.state == "ready")).one()
        columns = {c.key: getattr(template, c.key) for c in ProcessInstance.__table__.columns
                   if c.key not in ("id", "tracking_code")}
        timer_columns = {c.key: getattr(timer, c.key) for c in Timer.__table__.columns if c.key != "id"}
        task_columns = {c.key: getattr(task, c.key) for c in HumanTask.__table__.columns if c.key != "id"}
        ids: list[int] = []
        for start in range(0, count, CHUNK):
            n = min(CHUNK, count - start)
            new = list(session.scalars(insert(ProcessInstance).returning(ProcessInstance.id,
                                                                         sort_by_parameter_order=True),
                                       [columns] * n))
            session.execute(insert(Timer), [{**timer_columns, "instance_id": i, "due_at": FAR} for i in new])
            session.execute(insert(HumanTask), [{**task_columns, "instance_id": i} for i in new])
            session.commit()
            ids += new
        # the template's own timer waits a year too until a sweep round picks it
        session.execute(update(Timer).where(Timer.instance_id == template_id).values(due_at=FAR))
        session.commit()
        return ids

    def due(self, count: int) -> None:
        """Make the timers of ``count`` not yet used instances due (as if their 10 minutes had passed)."""
        chosen, self.unused = self.unused[:count], self.unused[count:]
        with self.factory() as session:
            for start in range(0, len(chosen), 500):
                session.execute(update(Timer).where(Timer.instance_id.in_(chosen[start:start + 500]))
                                .values(due_at=self.due_at))
            session.commit()

    def sweep(self, expected: int) -> float:
        """Seconds of one sweep; checks it fired exactly ``expected`` timers (CPU seconds kept in ``cpu``)."""
        started, cpu = time.perf_counter(), time.process_time()
        result = sweep_due_timers(self.factory, self.ctx)
        seconds = time.perf_counter() - started
        self.cpu.append(time.process_time() - cpu)
        if (result.fired, result.failed) != (expected, 0):
            raise SystemExit(f"sweep fired {result.fired} (failed {result.failed}), expected {expected}")
        return seconds

    def waiting(self) -> int:
        """Waiting timer rows."""
        with self.factory() as session:
            return session.scalar(select(func.count()).select_from(Timer).where(Timer.state == "waiting"))

    def escalations(self) -> int:
        """Escalation steps the sweeps created."""
        with self.factory() as session:
            return session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.is_escalation))

    def empty_sweep(self) -> float:
        """Seconds of the due-row query when nothing is due (median of 20)."""
        samples = []
        with self.factory() as session:
            for _ in range(20):
                started = time.perf_counter()
                due_instance_ids(session, self.clock.now(), 200)
                samples.append(time.perf_counter() - started)
        return statistics.median(samples)


def main() -> int:
    big_n, small_n = _env("ALUR_TIMER_BENCH_WAITING", 100_000), _env("ALUR_TIMER_BENCH_SMALL", 1000)
    due_n, many_n = _env("ALUR_TIMER_BENCH_DUE", 100), _env("ALUR_TIMER_BENCH_MANY_DUE", 1000)
    rounds = _env("ALUR_TIMER_BENCH_ROUNDS", 3)
    if small_n < due_n * rounds or big_n < due_n * rounds + many_n:
        raise SystemExit("not enough waiting instances for the due timers asked")
    with tempfile.TemporaryDirectory(prefix="alur-timer-bench-") as tmp:
        small = Office(Path(tmp) / "small.sqlite", small_n)
        big = Office(Path(tmp) / "big.sqlite", big_n)
        print(f"seeded {small_n:,} and {big_n:,} waiting complaints in {small.seed_seconds:.1f} s / "
              f"{big.seed_seconds:.1f} s", file=sys.stderr)
        empty_small, empty_big = small.empty_sweep(), big.empty_sweep()
        small_s, big_s = [], []
        for _ in range(rounds):
            small.due(due_n)
            small_s.append(small.sweep(due_n))
            big.due(due_n)
            big_s.append(big.sweep(due_n))
        big.due(many_n)
        many_s = big.sweep(many_n)
        cpu_small, cpu_big, cpu_many = statistics.median(small.cpu), statistics.median(big.cpu[:-1]), big.cpu[-1]
        escalations = big.escalations()
        waiting_left = big.waiting()
        small.engine.dispose()
        big.engine.dispose()
    t_small, t_big = statistics.median(small_s), statistics.median(big_s)
    row(BENCH, f"sweep_{small_n}_waiting_{due_n}_due", t_small * 1000, "ms",
        note=f"median of {rounds}; {t_small / due_n * 1000:.2f} ms per timer ({cpu_small / due_n * 1000:.1f} ms CPU)")
    row(BENCH, f"sweep_{big_n}_waiting_{due_n}_due", t_big * 1000, "ms",
        note=f"median of {rounds}; {t_big / due_n * 1000:.2f} ms per timer "
             f"({cpu_big / due_n * 1000:.1f} ms CPU); SQLite")
    row(BENCH, f"sweep_{big_n}_waiting_{many_n}_due", many_s * 1000, "ms",
        note=f"one sweep; {many_s / many_n * 1000:.2f} ms per timer ({cpu_many / many_n * 1000:.1f} ms CPU)")
    row(BENCH, "waiting_ratio", t_big / t_small, "x", goal=f"≤ 1.5 ({big_n // small_n}× waiting, same due)",
        ok=t_big / t_small <= 1.5, note=f"{big_n // small_n}× the waiting instances, {due_n} due each")
    row(BENCH, "due_ratio", many_s / t_big, "x", goal=f"≈ {many_n // due_n} (grows with due timers)",
        ok=0.5 * many_n / due_n <= many_s / t_big <= 1.5 * many_n / due_n,
        note=f"{many_n} vs {due_n} due timers among {big_n:,} waiting; CPU ratio {cpu_many / cpu_big:.1f}")
    row(BENCH, "empty_sweep_query", empty_big * 1000, "ms", goal="≈ small db",
        note=f"nothing due: {empty_small * 1000:.3f} ms with {small_n:,} waiting, "
             f"{empty_big * 1000:.3f} ms with {big_n:,}")
    expected = rounds * due_n + many_n
    row(BENCH, "fired_through_engine", escalations, "escalations", goal=f"= {expected}", ok=escalations == expected,
        note=f"{waiting_left:,} timers still waiting in the big database")
    print_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
