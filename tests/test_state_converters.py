"""engine.state_converters write and read exactly what SpiffWorkflow's own converters do.

Every shipped process (and a tiny one with a subprocess) is walked along many seeded paths in memory: user
tasks completed with data drawn from their forms, the clock moved so boundary, closing and cycle timers
fire. After every engine run the state is saved with our converters and with SpiffWorkflow's stock ones
(the same JSON, byte for byte), then restored with both (the same workflow: task ids, tree, states,
timestamps, data, internal data, waiting events, subprocesses, and which mutable values tasks share).
The last test shows the check does catch a converter that writes or restores something else.
"""

from __future__ import annotations

import json
from copy import deepcopy
from functools import partial
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine import spiff
from engine.state_converters import StateTaskConverter
from tests.bpmn_factory import HEADER, user_task
from tests.walk_fixtures import PROCESSES, SEEDS, specs_of, walk, workflows


class StockInjectedSpecConverter(BpmnWorkflowConverter):
    """engine.spiff's workflow converter as it was before its task converters were replaced (stock maps)."""

    def to_dict(self, workflow):
        return spiff.InjectedSpecWorkflowConverter.to_dict(self, workflow)

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _stock_config():
    config = deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = StockInjectedSpecConverter
    return config


STOCK = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_stock_config()))


def stock_dump(workflow) -> str:
    registry = STOCK.registry
    registry._encoder_mode = True
    try:
        return json.dumps(registry.convert(workflow), cls=STOCK._encoder_cls)
    finally:
        registry._encoder_mode = False


def stock_load(state_json: str, workflow) -> BpmnWorkflow:
    restored = STOCK.registry.restore(json.loads(state_json), spec=workflow.spec,
                                      subprocess_specs=workflow.subprocess_specs)
    restored.script_engine = workflow.script_engine
    return restored


# -- comparing two restored workflows ----------------------------------------------------------------

def _typed(value):
    """A value with the type of every part spelled out (so 1 == 1.0 == True do not pass for each other)."""
    if isinstance(value, dict):
        return ("dict", type(value).__name__, [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(map(repr, value)) if isinstance(value, (set, frozenset)) else [_typed(v) for v in value]
        return (type(value).__name__, items)
    return (type(value).__name__, repr(value))


def _sharing(workflow) -> list:
    """Which places hold the very same mutable object (dict, list, set), as a canonical list of groups."""
    places: dict[int, list[str]] = {}
    keep = []  # objects stay alive while ids are compared

    def walk(value, path):
        if isinstance(value, (dict, list, set)):
            keep.append(value)
            places.setdefault(id(value), []).append(path)
            items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
            for key, item in items:
                walk(item, f"{path}/{key!r}")

    for wf in workflows(workflow):
        tag = str(getattr(wf, "parent_task_id", None))
        walk(wf.data, f"{tag}:data")
        for task_id, task in wf.tasks.items():
            walk(task.data, f"{tag}:{task_id}:data")
            walk(task.internal_data, f"{tag}:{task_id}:internal")
            walk(task._children, f"{tag}:{task_id}:children")
    return sorted(sorted(group) for group in places.values() if len(group) > 1)


def _events(workflow) -> list:
    return [(type(e).__name__, _typed(e.payload), type(e.event_definition).__name__) for e in workflow.bpmn_events]


def assert_same(a: BpmnWorkflow, b: BpmnWorkflow) -> None:
    """``a`` and ``b`` are the same workflow, attribute for attribute (see the module docstring)."""
    assert list(a.subprocesses) == list(b.subprocesses)
    assert list(a.event_manager.tasks) == list(b.event_manager.tasks)
    assert all(task.workflow.top_workflow is a for task in a.event_manager.tasks.values())
    assert all(task.workflow.top_workflow is b for task in b.event_manager.tasks.values())
    assert _events(a) == _events(b)
    for x, y in zip(workflows(a), workflows(b), strict=True):
        assert type(x) is type(y) and x.spec is y.spec
        assert getattr(x, "subprocess_specs", None) == getattr(y, "subprocess_specs", None)
        assert getattr(x, "parent_task_id", None) == getattr(y, "parent_task_id", None)
        assert _typed(x.data) == _typed(y.data)
        assert (x.success, x.completed, x.correlations) == (y.success, y.completed, y.correlations)
        assert (x.last_task.id if x.last_task else None) == (y.last_task.id if y.last_task else None)
        assert x.task_tree.id == y.task_tree.id
        assert list(x.tasks) == list(y.tasks)
        for key, task in x.tasks.items():
            other = y.tasks[key]
            assert type(task) is type(other) and task.workflow is x and other.workflow is y
            assert task.id == other.id == key and type(task.id) is type(other.id) is UUID
            assert task.task_spec is other.task_spec
            assert (task._parent, task._children) == (other._parent, other._children)
            assert (task.state, task.last_state_change, task.triggered, task.thread_id) == (
                other.state, other.last_state_change, other.triggered, other.thread_id)
            assert _typed(task.internal_data) == _typed(other.internal_data)
            assert _typed(task.data) == _typed(other.data)
    assert _sharing(a) == _sharing(b)


def check_converters(workflow) -> str:
    """Save ``workflow`` both ways and restore the text both ways; everything must agree."""
    ours = spiff.dump_state(workflow)
    assert ours == stock_dump(workflow)
    by_stock = stock_load(ours, workflow)
    by_ours = spiff.load_state(ours, workflow.spec, workflow.subprocess_specs, workflow.script_engine)
    assert_same(by_stock, by_ours)
    assert spiff.dump_state(by_stock) == stock_dump(by_ours) == spiff.dump_state(by_ours) == ours
    return ours


SUBPROCESS_BPMN = (HEADER + '<bpmn:process id="sub_uji" name="Subproses uji" isExecutable="true">'
                   '<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="petugas">'
                   '<bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>sp</bpmn:flowNodeRef>'
                   '<bpmn:flowNodeRef>sesudah</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>'
                   '<bpmn:flowNodeRef>batas</bpmn:flowNodeRef><bpmn:flowNodeRef>end2</bpmn:flowNodeRef>'
                   '</bpmn:lane></bpmn:laneSet>'
                   '<bpmn:startEvent id="start" />'
                   '<bpmn:subProcess id="sp" name="Sub"><bpmn:startEvent id="sp_start" />'
                   + user_task("di_dalam", "Di dalam") +
                   '<bpmn:scriptTask id="skrip" name="Skrip"><bpmn:script>hitung = len(catatan)'
                   '</bpmn:script></bpmn:scriptTask><bpmn:endEvent id="sp_end" />'
                   '<bpmn:sequenceFlow id="s1" sourceRef="sp_start" targetRef="di_dalam" />'
                   '<bpmn:sequenceFlow id="s2" sourceRef="di_dalam" targetRef="skrip" />'
                   '<bpmn:sequenceFlow id="s3" sourceRef="skrip" targetRef="sp_end" /></bpmn:subProcess>'
                   '<bpmn:boundaryEvent id="batas" name="Batas" attachedToRef="sp" cancelActivity="false">'
                   '<bpmn:timerEventDefinition id="td"><bpmn:timeDuration>"P2D"</bpmn:timeDuration>'
                   '</bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="end2" />'
                   + user_task("sesudah", "Sesudah") + '<bpmn:endEvent id="end" />'
                   '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sp" />'
                   '<bpmn:sequenceFlow id="f2" sourceRef="sp" targetRef="sesudah" />'
                   '<bpmn:sequenceFlow id="f3" sourceRef="sesudah" targetRef="end" />'
                   '<bpmn:sequenceFlow id="f4" sourceRef="batas" targetRef="end2" />'
                   '</bpmn:process></bpmn:definitions>')


@pytest.fixture(scope="module")
def subprocess_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bpmn") / "sub_uji.bpmn"
    path.write_text(SUBPROCESS_BPMN, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*.bpmn")), ids=lambda p: p.stem)
def test_every_saved_state_is_the_stock_one_both_ways(path):
    spec, subprocess_specs = specs_of(path, path.stem)
    saves, totals = [], {"steps": 0, "timers_fired": 0, "completed": 0}
    for seed in SEEDS:
        seen = walk(spec, subprocess_specs, seed, lambda wf: saves.append(check_converters(wf)))
        for key in totals:
            totals[key] += seen[key]
    # the walks went somewhere: many distinct states, steps taken, and a timer fired where there are timers
    has_timers = any(isinstance(getattr(task_spec, "event_definition", None), TimerEventDefinition)
                     for task_spec in spec.task_specs.values())
    assert len(set(saves)) >= 10 and totals["timers_fired"] >= has_timers, totals
    assert totals["steps"] >= 1 or "rekap" in path.stem or "semester" in path.stem, totals


def test_subprocess_states_are_the_stock_ones_both_ways(subprocess_file):
    spec, subprocess_specs = specs_of(subprocess_file, "sub_uji")
    assert subprocess_specs
    saw = set()

    def on_save(workflow):
        check_converters(workflow)
        saw.update(("running", "done")[sp.completed] for sp in workflow.subprocesses.values())
        saw.update(task.task_spec.bpmn_id for wf in workflows(workflow) for task in wf.tasks.values()
                   if task.state == TaskState.COMPLETED)

    fired = sum(walk(spec, subprocess_specs, seed, on_save)["timers_fired"] for seed in SEEDS)
    assert {"running", "done", "batas", "skrip"} <= saw and fired >= 1, (saw, fired)


def test_the_check_catches_a_converter_that_differs(monkeypatch):
    spec, subprocess_specs = specs_of(PROCESSES / "muba_pengaduan.bpmn", "muba_pengaduan")
    states = []
    walk(spec, subprocess_specs, 1, lambda wf: states.append(wf), steps=3)
    workflow = states[-1]
    check_converters(workflow)

    registry = spiff.STATE_SERIALIZER.registry
    converter = registry.convert_from_dict["Task"].args[0].__self__
    assert isinstance(converter, StateTaskConverter)

    def shares_parent_data(dct, workflow, ids=None):
        task = converter.from_dict(dct, workflow, ids)
        if task.parent is not None and dct.get("delta") and not dct["delta"]["updates"]:
            task.data = task.parent.data  # the same dict as its parent: equal, but shared
        return task

    monkeypatch.setitem(registry.convert_from_dict, "Task", partial(registry._obj_from_dict, shares_parent_data))
    with pytest.raises(AssertionError):
        check_converters(workflow)
    monkeypatch.undo()
    check_converters(workflow)

    def rounds_timestamps(task):
        dct = converter.to_dict(task)
        dct["last_state_change"] = round(dct["last_state_change"], 1)
        return dct

    monkeypatch.setitem(registry.convert_to_dict, "Task", partial(registry._obj_to_dict, "Task", rounds_timestamps))
    with pytest.raises(AssertionError):
        check_converters(workflow)
