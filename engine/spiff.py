"""SpiffWorkflow wiring: the parser family, the serializer (spec stored once per version and injected
on load), and helpers to save and restore a workflow.

Parser family and serializer configuration must match (``SpiffBpmnParser`` with ``SPIFF_CONFIG``),
otherwise loading fails silently; both are fixed here and nowhere else.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections import OrderedDict
from copy import deepcopy
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

from .state_converters import StateSubWorkflowConverter, StateTaskConverter, tasks_from_dict

#: Stored beside every instance state; loading refuses a state written by another format.
SERIALIZER_VERSION = "alur-1/spiff-3.2/1.5"


class InjectedSpecWorkflowConverter(BpmnWorkflowConverter):
    """Writes a workflow without its spec; restores it around a spec the caller already parsed."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if spec is None:
            raise ValueError("a workflow state is restored around its version's parsed spec")
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = tasks_from_dict(self, dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _state_config():
    config = deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = InjectedSpecWorkflowConverter
    config[BpmnSubWorkflow] = StateSubWorkflowConverter
    config[Task] = StateTaskConverter
    return config


#: Serializer for whole specs (stored once per process version).
SPEC_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
#: Serializer for instance state (without the spec).
STATE_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_state_config()))


def new_parser() -> SpiffBpmnParser:
    """A parser of the family the serializers are configured for, validating against the BPMN XSD."""
    return SpiffBpmnParser(validator=VALIDATOR)


def dump_specs(spec, subprocess_specs) -> str:
    """JSON of a process spec and its subprocess specs."""
    registry = SPEC_SERIALIZER.registry
    return json.dumps({
        "spec": registry.convert(spec),
        "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items()},
    })


@functools.lru_cache(maxsize=256)
def load_specs(spec_json: str):
    """Parsed (spec, subprocess_specs) from :func:`dump_specs` output; cached, specs are immutable."""
    registry = SPEC_SERIALIZER.registry
    dct = json.loads(spec_json)
    spec = registry.restore(dct["spec"])
    subprocess_specs = {name: registry.restore(s) for name, s in dct["subprocess_specs"].items()}
    return spec, subprocess_specs


_VERSION_SPECS: dict[tuple[str, str], tuple] = {}


def version_specs(version):
    """Parsed specs of a process version, cached by (process key, sha256 of its XML).

    Versions are immutable and the spec is a function of the XML, so the stored ``spec_json`` (a
    deferred column) is read only the first time a process sees the version.
    """
    key = (version.process_key, version.sha256)
    specs = _VERSION_SPECS.get(key)
    if specs is None:
        specs = _VERSION_SPECS[key] = load_specs(version.spec_json)
    return specs


def dump_state(workflow: BpmnWorkflow) -> str:
    """JSON of a workflow's running state, without its spec."""
    registry = STATE_SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = registry.convert(workflow)
        return json.dumps(dct, cls=STATE_SERIALIZER._encoder_cls)
    finally:
        registry._encoder_mode = False


def load_state(state_json: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    """Restore a workflow from :func:`dump_state` output around its (cached) parsed spec."""
    dct = json.loads(state_json)
    workflow = STATE_SERIALIZER.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow


class SavedWorkflows:
    """Workflows this process saved, by the exact state text they were saved as (bounded, oldest dropped).

    Restoring a state costs about as much as running a step; the next step of an instance often comes to
    the process that saved its last one. An entry is found only by the very text an instance's row holds
    now, so it can never stand for another state: a row changed elsewhere (another worker, a migration,
    an edit by hand) holds other text and misses. An entry is taken out when used (one operation owns a
    workflow at a time; an operation that fails leaves nothing behind) and put back only for a committed
    save (:func:`engine.runtime.operation`).
    """

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[str, BpmnWorkflow] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, state_json: str, spec, subprocess_specs) -> BpmnWorkflow | None:
        """The workflow saved as ``state_json`` around these specs, removed from the cache; else None."""
        with self._lock:
            workflow = self._entries.pop(state_json, None)
        if workflow is None or workflow.spec is not spec or not _same_specs(workflow.subprocess_specs,
                                                                           subprocess_specs or {}):
            return None
        return workflow

    def put(self, state_json: str, workflow: BpmnWorkflow) -> None:
        """Keep ``workflow`` as the one saved as ``state_json`` (its save committed)."""
        if self.size <= 0:
            return
        with self._lock:
            self._entries[state_json] = workflow
            self._entries.move_to_end(state_json)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _same_specs(held: dict, wanted: dict) -> bool:
    return len(held) == len(wanted) and all(held.get(name) is spec for name, spec in wanted.items())


#: Per process: ``ALUR_WORKFLOW_CACHE`` entries (0 turns it off).
SAVED_WORKFLOWS = SavedWorkflows(int(os.environ.get("ALUR_WORKFLOW_CACHE", "64")))
