"""Converters for instance state that write and read exactly what SpiffWorkflow's own do, with less work.

Registered in ``engine.spiff``'s serializer configuration (SpiffWorkflow's documented way to choose how a
class is converted). Restoring a state walks every task; SpiffWorkflow's ``TaskConverter`` looks a task's
parent up by UUID four times per task on save and twice on restore, and parses every task UUID about four
times on restore (as a key, an id, a parent and a child). These converters look the parent up once and
parse each UUID once per state (UUIDs are immutable, so tasks may share them).

What they produce is the stock output, byte for byte on save and attribute for attribute on restore:
``tests/test_state_converters.py`` checks both ways on every shipped process, so a state written by either
converter reads the same with the other and ``SERIALIZER_VERSION`` does not change.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, TaskConverter
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState


class ParsedIds(dict):
    """UUIDs of one state by their text, each parsed once."""

    def __missing__(self, text: str) -> UUID:
        value = self[text] = UUID(text)
        return value


class StateTaskConverter(TaskConverter):
    """``TaskConverter`` with the same output (see the module docstring)."""

    def to_dict(self, task):
        parent = task.parent
        if parent is None:
            data = task.data
            delta = {}
        else:
            data = {}
            parent_data, task_data = parent.data, task.data
            delta = {  # = DeepMerge.get_updated_keys / get_deleted_keys(parent_data, task_data)
                "updates": {key: task_data[key] for key in task_data
                            if key not in parent_data or task_data[key] != parent_data[key]},
                "deletions": [key for key in parent_data if key not in task_data],
            }
        return {
            "id": str(task.id),
            "parent": str(task._parent) if parent is not None else None,
            "children": [str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct, workflow, ids=None):
        ids = ParsedIds() if ids is None else ids
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=ids[dct["id"]])
        task._parent = ids[dct["parent"]] if dct["parent"] is not None else None
        task._children = [ids[child] for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            workflow.top_workflow.event_manager.add_task(task)

        delta = dct.get("delta")
        parent = task.parent if delta else None
        if parent is not None:
            data = DeepMerge.merge({}, parent.data)
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                if key in data:
                    del data[key]
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


def tasks_from_dict(converter, tasks: dict, workflow) -> dict:
    """A workflow's task map restored through the registry, every UUID parsed once."""
    ids = ParsedIds()
    restore = converter.registry.restore
    return {ids[key]: restore(value, workflow=workflow, ids=ids) for key, value in tasks.items()}


class StateSubWorkflowConverter(BpmnSubWorkflowConverter):
    """``BpmnSubWorkflowConverter`` restoring its task map with :func:`tasks_from_dict`."""

    def from_dict(self, dct, task, top_workflow):
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = tasks_from_dict(self, dct["tasks"], subprocess)
        subprocess.task_tree = subprocess.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess
