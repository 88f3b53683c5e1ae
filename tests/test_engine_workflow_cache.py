"""The workflows a process saved are reused by the next operation on the instance only when the row holds
exactly the state they were saved as, and only after their save committed (engine.spiff.SavedWorkflows)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from engine import runtime, spiff
from engine.audit import verify_chain
from engine.errors import InvalidData
from engine.models import AuditEvent, ProcessInstance
from tests.engine_helpers import MUBA_INTAKE, MUBA_STEPS, ready_task, step


@pytest.fixture
def saved(monkeypatch):
    """A fresh cache for the test, and a count of the states restored from their text."""
    cache = spiff.SavedWorkflows(64)
    monkeypatch.setattr(spiff, "SAVED_WORKFLOWS", cache)
    restored = []
    load_state = spiff.load_state

    def counting(state_json, *args):
        restored.append(state_json)
        return load_state(state_json, *args)

    monkeypatch.setattr(spiff, "load_state", counting)
    return cache, restored


def _state(session, instance_id: int) -> str:
    return session.scalar(select(ProcessInstance.state_json).where(ProcessInstance.id == instance_id))


def test_the_next_step_reuses_the_workflow_saved_as_the_rows_state(deployed, ctx, roles, saved):
    cache, restored = saved
    instance_id = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE).instance.id
    for bpmn_id, role, data in MUBA_STEPS:
        state = _state(deployed, instance_id)
        if bpmn_id != MUBA_STEPS[-1][0]:
            # what the cache holds serialises to exactly the stored state
            held = cache.take(state, *spiff.version_specs(deployed.get(ProcessInstance, instance_id).version))
            assert held is not None and spiff.dump_state(held) == state
            cache.put(state, held)
        step(deployed, ctx, instance_id, bpmn_id, roles[role], data)
    assert restored == []
    assert deployed.get(ProcessInstance, instance_id).status == "completed"
    assert len(cache) == 0  # a finished instance is not kept
    assert verify_chain(deployed).ok


def test_a_state_changed_elsewhere_is_restored_from_the_row(deployed, ctx, roles, saved):
    cache, restored = saved
    instance_id = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE).instance.id
    state = _state(deployed, instance_id)
    other = json.dumps(json.loads(state), indent=1)  # the same state written by someone else: other text
    deployed.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(state_json=other))
    deployed.commit()
    bpmn_id, role, data = MUBA_STEPS[0]
    step(deployed, ctx, instance_id, bpmn_id, roles[role], data)
    assert restored == [other]  # the entry saved as the old text was not served for the new one
    assert ready_task(deployed, instance_id).bpmn_id == MUBA_STEPS[1][0]


def test_a_refused_or_failed_operation_leaves_nothing_to_reuse(deployed, ctx, roles, saved, monkeypatch):
    cache, restored = saved
    instance_id = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE).instance.id
    bpmn_id, role, data = MUBA_STEPS[0]
    row = ready_task(deployed, instance_id, bpmn_id)
    with pytest.raises(InvalidData):  # the taken workflow may have been changed: it is not put back
        runtime.complete_task(deployed, ctx, row.id, {"lengkap": "bukan boolean"}, actor=roles[role])
    assert len(cache) == 0

    dumped = []
    dump_state = spiff.dump_state
    monkeypatch.setattr(spiff, "dump_state", lambda workflow: dumped.append(dump_state(workflow)) or dumped[-1])
    commit = deployed.commit

    def failing_commit():
        monkeypatch.setattr(deployed, "commit", commit)
        raise RuntimeError("the database went away at commit")

    monkeypatch.setattr(deployed, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        runtime.complete_task(deployed, ctx, row.id, data, actor=roles[role])
    assert dumped and len(cache) == 0  # saved, not committed: not offered to the next operation

    step(deployed, ctx, instance_id, bpmn_id, roles[role], data)  # restored from the row, as before
    assert len(restored) == 2
    assert deployed.scalar(select(AuditEvent.type).order_by(AuditEvent.seq.desc()).limit(1)) == "TASK_ACTIVATED"


def test_reused_and_restored_workflows_run_the_same(deployed, ctx, roles, monkeypatch):
    runs = []
    for size in (0, 64):
        monkeypatch.setattr(spiff, "SAVED_WORKFLOWS", spiff.SavedWorkflows(size))
        instance_id = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE).instance.id
        for bpmn_id, role, data in MUBA_STEPS:
            step(deployed, ctx, instance_id, bpmn_id, roles[role], data)
        instance = deployed.get(ProcessInstance, instance_id)
        # (the second complaint is flagged as a duplicate of the first: not the workflow's doing)
        events = deployed.execute(select(AuditEvent.type, AuditEvent.bpmn_id, AuditEvent.data_after)
                                  .where(AuditEvent.instance_id == instance_id, AuditEvent.type != "DUPLICATE_FLAGGED")
                                  .order_by(AuditEvent.seq)).all()
        runs.append(([(t, b, {k: v for k, v in (d or {}).items() if k != "tracking_code"}) for t, b, d in events],
                     instance.status, instance.stage, instance.answer))
    assert runs[0] == runs[1]
