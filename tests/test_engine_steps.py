"""runtime._run_engine: one engine pass, and a second one only when the final timer refresh made work ready.

SpiffWorkflow's ``do_engine_steps`` ends with ``refresh_timers``; a timer that refresh finds due becomes
READY and must still run in the same operation. When nothing became ready, another refresh and pass change
nothing (fixed clock) and are skipped — except for specs whose refresh is not repeatable (cycle timers).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import runtime, spiff
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock, using_clock
from engine.periodic import _has_cycle_timer, align_cycle_starts, refresh_repeatable, spec_timers
from tests.bpmn_factory import process, user_task
from tests.walk_fixtures import PROCESSES, SEEDS, specs_of, walk

START = datetime(2026, 3, 13, 2, 0, tzinfo=UTC)


def _two_branches() -> bytes:
    """start → split → (a | b with a non-interrupting one-hour boundary timer → end2) → join → end."""
    body = ('<bpmn:parallelGateway id="bagi" /><bpmn:parallelGateway id="gabung" />'
            + user_task("a", "A") + user_task("b", "B") +
            '<bpmn:boundaryEvent id="batas" name="Batas" attachedToRef="b" cancelActivity="false">'
            '<bpmn:timerEventDefinition id="td"><bpmn:timeDuration>"PT1H"</bpmn:timeDuration>'
            '</bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="end2" />')
    return process(body, nodes=("start", "bagi", "a", "b", "gabung", "end", "batas", "end2"),
                   flows=[("start", "bagi"), ("bagi", "a"), ("bagi", "b"), ("a", "gabung"), ("b", "gabung"),
                          ("gabung", "end"), ("batas", "end2")])


def _workflow(xml: bytes, key: str = "tiny") -> BpmnWorkflow:
    parser = spiff.new_parser()
    parser.add_bpmn_str(xml)
    return BpmnWorkflow(parser.get_spec(key), parser.get_subprocess_specs(key),
                        script_engine=runtime.script_engine_for(OfficeCalendar()))


def _ready(workflow, bpmn_id):
    (task,) = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == bpmn_id]
    return task


def _states(workflow, bpmn_id) -> list:
    return [t.state for t in workflow.tasks.values() if t.task_spec.bpmn_id == bpmn_id]


def _counting_refreshes(workflow) -> list:
    calls = []
    original = workflow.refresh_timers

    def refresh_timers():
        calls.append(1)
        original()

    workflow.refresh_timers = refresh_timers  # on this one workflow object only
    return calls


def test_a_timer_the_final_refresh_finds_due_still_runs_in_that_operation():
    clock = FixedClock(START)
    with using_clock(clock):
        workflow = _workflow(_two_branches())
        runtime._run_engine(workflow)
        clock.advance(minutes=59)
        runtime._run_engine(workflow)  # the timer worker's sweep: no step
        assert _states(workflow, "batas") == [TaskState.WAITING]
        clock.advance(minutes=2)
        # a sweep runs no task, so only do_engine_steps' final refresh finds the timer due: one plain pass
        # leaves it READY, and it is the second pass that runs it
        twin = spiff.load_state(spiff.dump_state(workflow), workflow.spec, workflow.subprocess_specs,
                                workflow.script_engine)
        twin.do_engine_steps()
        assert _states(twin, "batas") == [TaskState.READY]

        calls = _counting_refreshes(workflow)
        runtime._run_engine(workflow)
        assert _states(workflow, "batas") == [TaskState.COMPLETED]
        assert _states(workflow, "end2") == [TaskState.COMPLETED]
        assert _ready(workflow, "a") and _ready(workflow, "b")  # non-interrupting: both still wait
        assert len(calls) == 3  # the full tail ran: pass + refresh, refresh, pass + refresh


def test_a_timer_due_at_a_step_fires_in_that_step():
    clock = FixedClock(START)
    with using_clock(clock):
        workflow = _workflow(_two_branches())
        runtime._run_engine(workflow)
        clock.advance(hours=2)
        calls = _counting_refreshes(workflow)
        runtime._run_engine(workflow, _ready(workflow, "a").run)
        # SpiffWorkflow updates waiting tasks whenever a task completes: the timer fired inside the first pass
        assert _states(workflow, "batas") == [TaskState.COMPLETED] and _ready(workflow, "b")
        assert len(calls) == 1


def test_a_step_with_nothing_due_refreshes_the_timers_once():
    clock = FixedClock(START)
    with using_clock(clock):
        workflow = _workflow(_two_branches())
        runtime._run_engine(workflow)
        calls = _counting_refreshes(workflow)
        runtime._run_engine(workflow, _ready(workflow, "a").run)
        assert len(calls) == 1
        assert _states(workflow, "batas") == [TaskState.WAITING] and _ready(workflow, "b")


def test_cycle_timers_keep_the_full_tail():
    spec, subprocess_specs = specs_of(PROCESSES / "muba_rekap_bulanan.bpmn", "muba_rekap_bulanan")
    assert spec_timers(spec) == (True, False)
    with using_clock(FixedClock(START)):
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=runtime.script_engine_for(OfficeCalendar()))
        assert not refresh_repeatable(workflow)
        calls = _counting_refreshes(workflow)
        runtime._run_engine(workflow)
        assert len(calls) == 3


def test_spec_timers_look_inside_multiple_events_and_are_cached():
    cycle = CycleTimerEventDefinition("c", '"R/2026-01-01T00:00:00+07:00/P1M"')
    assert _has_cycle_timer(MultipleEventDefinition([MultipleEventDefinition([cycle])]))
    assert not _has_cycle_timer(MultipleEventDefinition([]))
    spec, _ = specs_of(PROCESSES / "muba_pengaduan.bpmn", "muba_pengaduan")
    assert spec_timers(spec) == (False, True) and spec_timers(spec) is spec_timers(spec)


def _run_engine_before(workflow, step=None):
    """_run_engine as it was: the second refresh and pass always."""
    cycles = align_cycle_starts(workflow)
    if step is not None:
        step()
    workflow.do_engine_steps()
    workflow.refresh_timers()
    workflow.do_engine_steps()
    if cycles:
        align_cycle_starts(workflow, cycles)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STAMP = re.compile(r'"last_state_change": [0-9.e+-]+')


def _normalized(state_json: str) -> str:
    """A saved state with task ids numbered by first appearance and state-change timestamps left out."""
    numbers: dict[str, str] = {}
    text = _UUID.sub(lambda m: numbers.setdefault(m.group(0), f"id{len(numbers)}"), state_json)
    return _STAMP.sub('"last_state_change": 0', text)


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*.bpmn")), ids=lambda p: p.stem)
def test_every_path_saves_what_the_always_twice_tail_saved(path):
    spec, subprocess_specs = specs_of(path, path.stem)
    for seed in SEEDS:
        now: list[str] = []
        before: list[str] = []
        walk(spec, subprocess_specs, seed, lambda wf, saves=now: saves.append(_normalized(spiff.dump_state(wf))))
        walk(spec, subprocess_specs, seed, lambda wf, saves=before: saves.append(_normalized(spiff.dump_state(wf))),
             run_engine=_run_engine_before)
        assert now == before and len(now) > 1
