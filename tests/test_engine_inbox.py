"""The inbox read side: order, timer states from office time, counts, and masking of the task view."""

from __future__ import annotations

from engine import inbox, runtime
from engine.actors import Actor
from engine.visibility import MASK
from tests.engine_helpers import MUBA_INTAKE, ready_task


def test_timer_turns_amber_then_red_in_office_time(deployed, ctx, clock, roles):
    # Friday 13 March 2026 09:00 WIB; verifikasi_formulir has a 10-minute standard time
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    petugas = roles["petugas"]
    [entry] = [e for e in inbox.ready_tasks(deployed, ctx, petugas) if e.task.instance_id == sub.instance.id]
    assert entry.timer_state == "on_time" and entry.elapsed_seconds == 0
    clock.advance(minutes=8)
    [entry] = inbox.ready_tasks(deployed, ctx, petugas)
    assert entry.timer_state == "warning" and entry.elapsed_seconds == 480
    assert inbox.inbox_counts(deployed, ctx, petugas)["timer_state"] == {"on_time": 0, "warning": 1, "overdue": 0}
    clock.advance(minutes=3)
    assert inbox.ready_tasks(deployed, ctx, petugas, state="overdue")[0].task.id == entry.task.id
    assert inbox.ready_tasks(deployed, ctx, petugas, state="on_time") == []


def test_most_urgent_first_and_roles(deployed, ctx, clock, roles):
    first = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    clock.advance(minutes=2)
    second = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    ids = [e.task.instance_id for e in inbox.ready_tasks(deployed, ctx, roles["petugas"])]
    assert ids == [first.instance.id, second.instance.id]
    assert inbox.ready_tasks(deployed, ctx, roles["kasi"]) == []
    assert inbox.inbox_counts(deployed, ctx, roles["petugas"])["total"] == 2


def test_anonim_identity_hidden_from_kasi_but_not_petugas(deployed, ctx, roles):
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", {**MUBA_INTAKE, "anonymity": "anonim"})
    row = ready_task(deployed, sub.instance.id)
    seen_by_petugas = inbox.task_view(deployed, ctx, row.id, roles["petugas"]).data
    assert seen_by_petugas["reporter"]["name"] == "Budi Santoso"
    runtime.complete_task(deployed, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "1"},
                          actor=roles["petugas"])
    kasi_row = ready_task(deployed, sub.instance.id)
    seen_by_kasi = inbox.task_view(deployed, ctx, kasi_row.id, roles["kasi"]).data
    assert seen_by_kasi["reporter"]["name"] == MASK and seen_by_kasi["subject"] == MUBA_INTAKE["subject"]
    outsider = Actor("kabid1", frozenset({"kabid"}))
    import pytest

    from engine.errors import NotYourRole

    with pytest.raises(NotYourRole):
        inbox.task_view(deployed, ctx, kasi_row.id, outsider)
