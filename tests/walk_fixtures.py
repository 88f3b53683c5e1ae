"""Seeded walks through a process in memory: user tasks completed with data drawn from their forms, the clock
moved so timers fire, a callback after every engine run (tests/test_state_converters.py, test_engine_steps.py).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import spiff
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock, using_clock
from engine.errors import ScriptRefused
from engine.runtime import _run_engine, script_engine_for

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = ROOT / "processes"
FORMS = PROCESSES / "forms"
START = datetime(2026, 3, 13, 2, 0, tzinfo=UTC)
SEEDS = range(10)


def workflows(workflow) -> list:
    return [workflow, *workflow.subprocesses.values()]


def fake(schema: dict, rng: random.Random, now: datetime):
    """A value of the shape ``schema`` asks for (not necessarily valid: gateways only need the types)."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return fake(rng.choice(schema[key]), rng, now)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = rng.choice([k for k in kind if k != "null"] or kind)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("integer", "number"):
        return rng.randint(int(schema.get("minimum", 0)), int(schema.get("minimum", 0)) + 3)
    if kind == "object":
        return {name: fake(sub, rng, now) for name, sub in schema.get("properties", {}).items()
                if name in schema.get("required", ()) or rng.random() < 0.8}
    if kind == "array":
        return [fake(schema.get("items", {}), rng, now) for _ in range(rng.randint(0, 2))]
    if schema.get("format") == "date-time":
        return now.isoformat()
    if schema.get("format") == "date":
        return now.date().isoformat()
    return rng.choice(["teks uji", "Buku hilang dari rak referensi", "Jl. Merdeka 1"])


def _form(task) -> dict:
    name = task.task_spec.extensions.get("properties", {}).get("formJsonSchemaFilename")
    if not name or not (FORMS / name).exists():
        return {"type": "object", "properties": {"catatan": {"type": "string"}}}
    return json.loads((FORMS / name).read_text(encoding="utf-8"))


def specs_of(path: Path, key: str | None = None):
    parser = spiff.new_parser()
    parser.add_bpmn_file(str(path))
    key = key or parser.get_process_ids()[0]
    return parser.get_spec(key), parser.get_subprocess_specs(key)


def _task_states(workflow) -> list:
    return [(task.id, task.state) for wf in workflows(workflow) for task in wf.tasks.values()]


def walk(spec, subprocess_specs, seed: int, on_save, steps: int = 40, run_engine=_run_engine) -> dict:
    """One seeded path through a process; ``on_save(workflow)`` after every engine run. Returns counts."""
    rng = random.Random(seed)
    clock = FixedClock(START + timedelta(hours=seed))
    seen = {"steps": 0, "timers_fired": 0, "completed": False}
    with using_clock(clock):
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine_for(OfficeCalendar()))
        intake = fake(json.loads((FORMS / "pengaduan.schema.json").read_text(encoding="utf-8")), rng, clock.now())
        channel = rng.choice(["sp4n_lapor", "sp4n_lapor", "whatsapp", "kotak_pengaduan"])
        data = {**intake, "received_at": clock.now().isoformat(), "channel": channel}
        workflow.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        if not _run(workflow, None, run_engine):
            return seen
        on_save(workflow)
        for _ in range(steps):
            if workflow.is_completed():
                seen["completed"] = True
                break
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            waiting = workflow.waiting_events()
            if not ready or rng.random() < (0.5 if waiting else 0.2):  # time passes, the sweep runs
                if not waiting and not ready:
                    break
                before = _task_states(workflow)
                clock.advance(hours=rng.choice([1, 20, 24 * 8, 24 * 40]))
                if not _run(workflow, None, run_engine):
                    break
                seen["timers_fired"] += _task_states(workflow) != before
            else:
                task = rng.choice(ready)
                task.data.update(fake(_form(task), rng, clock.now()))
                if not _run(workflow, task.run, run_engine):
                    break
                seen["steps"] += 1
            on_save(workflow)
    return seen


def _run(workflow, step, run_engine) -> bool:
    try:
        run_engine(workflow, step)
    except (ScriptRefused, WorkflowException, TypeError, KeyError, ValueError):
        return False  # a made-up value a script or condition refuses ends this path
    return True
