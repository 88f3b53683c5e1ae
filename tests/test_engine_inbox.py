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


def test_several_roles_merge_in_deadline_order_page_by_page(deployed, ctx, clock):
    """A kasi who is also kabid: each role's most urgent rows merged into one order, paged without gaps."""
    from tests.engine_helpers import step

    petugas = Actor("petugas1", frozenset({"petugas"}))
    both = Actor("kasi_kabid", frozenset({"kasi", "kabid"}))
    for n in range(3):
        sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
        step(deployed, ctx, sub.instance.id, "verifikasi_formulir", petugas,
             {"lengkap": True, "nomor_buku_pengaduan": f"{n}/III"})
        clock.advance(minutes=1)
        if n < 2:
            step(deployed, ctx, sub.instance.id, "periksa_laporan", both,
                 {"hasil_pemeriksaan": "benar", "catatan_solusi": "Sudah diperbaiki."})
        clock.advance(minutes=1)
    every = inbox.ready_tasks(deployed, ctx, both)
    assert sorted(e.task.role for e in every) == ["kabid", "kabid", "kasi"]
    keys = [(e.task.urgent_at, e.task.ready_at, e.task.id) for e in every]
    assert keys == sorted(keys)
    paged = [e.task.id for offset in range(3) for e in inbox.ready_tasks(deployed, ctx, both, limit=1, offset=offset)]
    assert paged == [e.task.id for e in every]
    assert [e.task.role for e in inbox.ready_tasks(deployed, ctx, both, role="kasi")] == ["kasi"]
    assert inbox.ready_tasks(deployed, ctx, both, held_by="kasi_kabid") == []
    runtime.claim_task(deployed, ctx, every[2].task.id, actor=both)
    assert [e.task.id for e in inbox.ready_tasks(deployed, ctx, both, held_by="kasi_kabid")] == [every[2].task.id]
    counts = inbox.inbox_counts(deployed, ctx, both)
    assert (counts["total"], counts["held_by_me"], counts["role"]) == (3, 1, {"kabid": 2, "kasi": 1})


def test_the_inbox_reads_its_indexes(deployed, ctx):
    """SQLite's plan for the page and the counts: the inbox index, no table scan, no sort of every row."""
    from sqlalchemy import event

    petugas = Actor("petugas1", frozenset({"petugas"}))
    runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    engine = deployed.get_bind()
    event.listen(engine, "before_cursor_execute", remember)
    try:
        inbox.ready_tasks(deployed, ctx, petugas, limit=25)
        inbox.inbox_counts(deployed, ctx, petugas)
        inbox.ready_tasks(deployed, ctx, petugas, held_by="petugas1")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    page, counts, held = statements[-3:]
    connection = deployed.connection()
    plans = [" | ".join(r[3] for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all())
             for sql, params in (page, counts, held)]
    assert "ix_human_task_inbox" in plans[0] and "SCAN human_task" not in plans[0], plans[0]
    assert "COVERING INDEX ix_human_task_inbox" in plans[1], plans[1]
    assert "ix_human_task_held" in plans[2], plans[2]


def test_counts_are_exact_up_to_the_cap_then_bounded(deployed, ctx, clock, roles):
    petugas = roles["petugas"]
    for _ in range(3):
        runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    clock.advance(minutes=11)
    runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    exact = inbox.inbox_counts(deployed, ctx, petugas)
    assert inbox.inbox_counts(deployed, ctx, petugas, cap=4) == {**exact, "cap": 4}
    assert exact["timer_state"] == {"on_time": 1, "warning": 0, "overdue": 3}
    first = inbox.ready_tasks(deployed, ctx, petugas)[0].task
    runtime.claim_task(deployed, ctx, first.id, actor=petugas)
    capped = inbox.inbox_counts(deployed, ctx, petugas, cap=2)
    assert capped["capped"] and capped["total"] == 3 and capped["held_by_me"] == 1
    assert capped["timer_state"] == {"on_time": None, "warning": None, "overdue": 3}
    assert capped["role"] == {"petugas": 3} and capped["process"] is None
