"""SpiffWorkflow wiring: the parser family, the serializer (spec stored once per version and injected
on load), and helpers to save and restore a workflow.

Parser family and serializer configuration must match (``SpiffBpmnParser`` with ``SPIFF_CONFIG``),
otherwise loading fails silently; both are fixed here and nowhere else.
"""

from __future__ import annotations

import functools
import json
from copy import deepcopy
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

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
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _state_config():
    config = deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = InjectedSpecWorkflowConverter
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
