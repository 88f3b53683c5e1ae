"""Per-task cost of ``runtime.complete_task`` beside the raw SpiffWorkflow step and the durable floor.

Three measurements on the same process (muba_pengaduan), the same states and the same SQLite file,
interleaved per instance so machine noise hits them alike:

- ``in_memory_step``: run one user task of a loaded workflow + ``do_engine_steps()``; nothing saved.
- ``floor``: read the stored state from one row, deserialize it (spec injected), run the task,
  serialize, write the bytes back to that row and commit.
- ``engine_op``: the whole ``complete_task`` operation in a fresh session (checks, form validation,
  task rows, audit event with its hash, commit).

Run alone: ``.venv/bin/python bench/engine_bench.py`` (``ALUR_BENCH_SCALE=0.2`` for a quick run).
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

from common import ROOT, median_ms, print_table, row, scale, timed
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Column, Integer, MetaData, Table, Text, select, update

from engine import deploy, runtime, spiff, users
from engine.actors import SYSTEM_INIT, Actor
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock, using_clock
from engine.context import EngineContext
from engine.db import create_schema, make_engine, make_session_factory
from engine.models import HumanTask, ProcessInstance
from tests.engine_helpers import MUBA_STEPS as STEPS
from tests.scale_fixtures import varied_intake

BENCH = "engine"
PROCESSES = ROOT / "processes"


def prepare(directory: Path, instances: int):
    """A SQLite file with the shipped processes and ``instances`` submitted complaints."""
    from datetime import datetime

    sa_engine = make_engine(f"sqlite:///{directory / 'bench.sqlite'}")
    create_schema(sa_engine)
    factory = make_session_factory(sa_engine)
    ctx = EngineContext(clock=FixedClock(datetime(2026, 3, 13, 2, 0, tzinfo=UTC)), calendar=OfficeCalendar())
    forms = {p.name: p.read_text(encoding="utf-8") for p in sorted((PROCESSES / "forms").glob("*.json"))}
    with factory() as session:
        users.load_roles(session, ctx, PROCESSES / "roles.json")
        for path in sorted(PROCESSES.glob("*.bpmn")):
            deploy.deploy_process(session, ctx, path.read_bytes(), forms, actor=SYSTEM_INIT, filename=path.name)
        # distinct complaints (own reporter, phone, wording), as citizens send them: the same intake again and
        # again would flag every earlier one as a duplicate, a cost that grows with the run's length
        submit = [timed(lambda n=n: runtime.submit_complaint(session, ctx, "muba_pengaduan", varied_intake(n)))
                  for n in range(instances)]
        ids = list(session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)))
    return sa_engine, factory, ctx, ids, submit


def floor_table(sa_engine, factory, ids):
    """A plain (id, state) table holding a copy of every instance's state."""
    metadata = MetaData()
    table = Table("bench_floor_state", metadata, Column("id", Integer, primary_key=True), Column("state", Text))
    metadata.create_all(sa_engine)
    with factory() as session, sa_engine.begin() as conn:
        for instance_id in ids:
            state = session.get(ProcessInstance, instance_id).state_json
            conn.execute(table.insert().values(id=instance_id, state=state))
    return table


def ready(workflow, bpmn_id):
    """The ready user task ``bpmn_id`` of a workflow."""
    return next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == bpmn_id)


def run(instances: int) -> None:
    """Measure and print the rows."""
    with tempfile.TemporaryDirectory(dir=os.environ.get("ALUR_BENCH_DIR")) as tmp:
        sa_engine, factory, ctx, ids, submit = prepare(Path(tmp), instances)
        table = floor_table(sa_engine, factory, ids)
        with factory() as session:
            version = session.get(ProcessInstance, ids[0]).version
            spec, subprocess_specs = spiff.load_specs(version.spec_json)
        script_engine = runtime.script_engine_for(ctx.calendar)
        actors = {role: Actor(f"{role}1", frozenset({role})) for _, role, _ in STEPS}
        in_memory, floor, engine_op = [], [], []
        conn = sa_engine.connect()
        gc.collect()
        for instance_id in ids:
            # raw SpiffWorkflow, nothing saved (the state is loaded untimed)
            with factory() as session:
                state = session.get(ProcessInstance, instance_id).state_json
            workflow = spiff.load_state(state, spec, subprocess_specs, script_engine)
            with using_clock(ctx.clock):
                for bpmn_id, _role, data in STEPS:
                    task = ready(workflow, bpmn_id)

                    def raw_step(task=task, data=data, workflow=workflow):
                        task.data.update(data)
                        task.run()
                        workflow.do_engine_steps()

                    in_memory.append(timed(raw_step))
                # the floor: one row read, deserialize with the spec injected, run, serialize, write, commit
                for bpmn_id, _role, data in STEPS:

                    def floor_step(bpmn_id=bpmn_id, data=data, instance_id=instance_id):
                        stored = conn.execute(select(table.c.state).where(table.c.id == instance_id)).scalar_one()
                        wf = spiff.load_state(stored, spec, subprocess_specs, script_engine)
                        task = ready(wf, bpmn_id)
                        task.data.update(data)
                        task.run()
                        wf.do_engine_steps()
                        conn.execute(update(table).where(table.c.id == instance_id).values(state=spiff.dump_state(wf)))
                        conn.commit()

                    floor.append(timed(floor_step))
            # the engine operation, a fresh session each time as in a request
            for bpmn_id, role, data in STEPS:
                with factory() as session:
                    task_id = session.scalars(select(HumanTask.id).where(
                        HumanTask.instance_id == instance_id, HumanTask.bpmn_id == bpmn_id,
                        HumanTask.state == "ready")).one()
                with factory() as session:
                    engine_op.append(timed(lambda s=session, t=task_id, d=data, a=actors[role]:
                                           runtime.complete_task(s, ctx, t, d, actor=a)))
        conn.close()
        with factory() as session:
            done = session.scalar(select(ProcessInstance.id).where(ProcessInstance.status != "completed").limit(1))
            assert done is None, "an instance did not complete"
        sa_engine.dispose()

    n = len(engine_op)
    mem, flo, eng = median_ms(in_memory), median_ms(floor), median_ms(engine_op)
    row(BENCH, "in_memory_step per task", mem, "ms", note=f"median of {n}, muba_pengaduan")
    row(BENCH, "floor per task (SQLite)", flo, "ms", note=f"median of {n}")
    row(BENCH, "engine_op complete_task per task (SQLite)", eng, "ms", note=f"median of {n}")
    row(BENCH, "engine_op / floor", eng / flo, "x", goal="<= 2", ok=eng / flo <= 2,
        note=f"{eng:.2f} ms / {flo:.2f} ms")
    row(BENCH, "engine_op / in_memory_step", eng / mem, "x", goal="<= 3 (issue 9)", ok=eng / mem <= 3,
        note=f"{eng:.2f} ms / {mem:.3f} ms")
    row(BENCH, "submit_complaint (start + intake)", median_ms(submit), "ms",
        note=f"median of {len(submit)} distinct complaints")


def main() -> int:
    """Entry point."""
    instances = scale(150)
    started = time.perf_counter()
    run(instances)
    print()
    print_table()
    print(f"({instances} instances x {len(STEPS)} steps, {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
