"""Both SOPs driven through the engine on every path, and every refusal leaves the database as it was."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import func, select, update

from engine import runtime
from engine.audit import verify_chain
from engine.db import make_engine, make_session_factory
from engine.errors import ConcurrentUpdate, InvalidData, NotYourRole, TaskClaimedByOther, TaskNotReady
from engine.models import AuditEvent, HumanTask, ProcessInstance
from tests.engine_helpers import MUBA_INTAKE, ready_task, step, step_ids

SANGGAU_INTAKE = {
    "channel": "whatsapp",
    "reporter": {"name": "Siti Aminah", "address": "Jl. Sudirman 5, Sanggau", "email": "siti@example.id"},
    "anonymity": "anonim",
    "subject": "Peminjaman buku lambat dilayani",
    "description": "Antrean peminjaman di loket sangat lambat pada hari Sabtu.",
    "received_at": "2026-03-13T08:30:00+07:00",
}


def snapshot(session):
    """Everything a refusal must leave untouched."""
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(AuditEvent)),
        [(r.id, r.state, r.claimed_by, r.completed_by)
         for r in session.scalars(select(HumanTask).order_by(HumanTask.id))],
        [(i.id, i.lock_version, i.state_json, i.status) for i in session.scalars(select(ProcessInstance))],
    )


def test_muba_happy_path(deployed, ctx, clock, roles):
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    iid = sub.instance.id
    assert sub.tracking_code.startswith("PGD-") and len(sub.reporter_key) > 20
    clock.advance(minutes=5)
    step(deployed, ctx, iid, "verifikasi_formulir", roles["petugas"],
         {"lengkap": True, "nomor_buku_pengaduan": "BP-017/2026"})
    step(deployed, ctx, iid, "periksa_laporan", roles["kasi"],
         {"hasil_pemeriksaan": "benar", "catatan_solusi": "Buku dipindah ke rak koleksi khusus."})
    result = step(deployed, ctx, iid, "beri_solusi", roles["kabid"],
                  {"bentuk_jawaban": "tertulis", "jawaban": "Buku sudah kembali ke rak referensi."})
    assert result.instance_status == "completed" and result.next_tasks == []
    instance = deployed.get(ProcessInstance, iid)
    assert instance.status == "completed" and instance.answer == "Buku sudah kembali ke rak referensi."
    assert step_ids(deployed, iid) == ["isi_formulir", "verifikasi_formulir", "periksa_laporan", "beri_solusi"]
    assert verify_chain(deployed).ok


def test_muba_incomplete_loop_back_to_pelapor(deployed, ctx, roles):
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    iid = sub.instance.id
    step(deployed, ctx, iid, "verifikasi_formulir", roles["petugas"],
         {"lengkap": False, "kekurangan": "Sebutkan judul buku.", "nomor_buku_pengaduan": "BP-018/2026"})
    assert ready_task(deployed, iid, "lengkapi_pengaduan").role == "pelapor"
    with pytest.raises(NotYourRole):
        runtime.complete_reporter_task(deployed, ctx, sub.tracking_code, "wrong-key", {"tambahan": "x"})
    runtime.complete_reporter_task(deployed, ctx, sub.tracking_code, sub.reporter_key,
                                   {"tambahan": "Judulnya: Kimia Dasar jilid 2."})
    step(deployed, ctx, iid, "verifikasi_formulir", roles["petugas"],
         {"lengkap": True, "nomor_buku_pengaduan": "BP-018/2026"})
    assert ready_task(deployed, iid).bpmn_id == "periksa_laporan"
    assert step_ids(deployed, iid)[:4] == ["isi_formulir", "verifikasi_formulir", "lengkapi_pengaduan",
                                           "verifikasi_formulir"]


def test_petugas_completes_pelapor_step_on_behalf_audited(deployed, ctx, roles):
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    step(deployed, ctx, sub.instance.id, "verifikasi_formulir", roles["petugas"],
         {"lengkap": False, "kekurangan": "Nomor anggota.", "nomor_buku_pengaduan": "BP-1"})
    step(deployed, ctx, sub.instance.id, "lengkapi_pengaduan", roles["petugas"], {"tambahan": "Anggota 12345."})
    event = deployed.scalars(select(AuditEvent).where(AuditEvent.bpmn_id == "lengkapi_pengaduan",
                                                      AuditEvent.type == "TASK_COMPLETED")).one()
    assert event.actor == "petugas1" and event.payload["on_behalf_of"] == "pelapor"
    with pytest.raises(NotYourRole):
        step(deployed, ctx, sub.instance.id, "verifikasi_formulir", roles["kasi"], {"lengkap": True})


def _sanggau_to_coordination(session, ctx, roles, kepala_dinas: bool):
    sub = runtime.submit_complaint(session, ctx, "sanggau_pengaduan", SANGGAU_INTAKE)
    iid = sub.instance.id
    step(session, ctx, iid, "catat_buku_pengaduan", roles["petugas"], {"nomor_buku_pengaduan": "BP-3/2026"})
    distribute = ready_task(session, iid, "distribusikan_aduan")
    schema = session.get(ProcessInstance, iid).version.forms[distribute.form_name]
    member = schema["properties"]["penjawab_utama"]["oneOf"][0]["const"]
    step(session, ctx, iid, "distribusikan_aduan", roles["kasi"],
         {"penjawab_utama": member, "libatkan_kepala_dinas": kepala_dinas})
    step(session, ctx, iid, "tanggapi_kelengkapan", roles["kabid"],
         {"lengkap": True, "tanggapan": "Materi aduan lengkap, sedang ditindaklanjuti."})
    return sub


@pytest.mark.parametrize("meeting", [True, False])
@pytest.mark.parametrize("kepala_dinas", [True, False])
def test_sanggau_paths(deployed, ctx, roles, meeting, kepala_dinas):
    sub = _sanggau_to_coordination(deployed, ctx, roles, kepala_dinas)
    iid = sub.instance.id
    step(deployed, ctx, iid, "koordinasi_tim", roles["kasi"], {"perlu_rapat": meeting})
    if meeting:
        step(deployed, ctx, iid, "jadwalkan_rapat", roles["kasi"],
             {"tanggal_rapat": "2026-03-16", "notulen_rapat": "Disepakati menambah petugas loket."})
    step(deployed, ctx, iid, "susun_jawaban", roles["kabid"], {"jawaban": "Petugas loket ditambah mulai April."})
    if kepala_dinas:
        step(deployed, ctx, iid, "setujui_jawaban", roles["kepala_dinas"],
             {"jawaban": "Petugas loket Sabtu ditambah mulai April 2026."})
    step(deployed, ctx, iid, "sampaikan_jawaban", roles["kasi"],
         {"cara_penyampaian": "whatsapp", "disampaikan_at": "2026-03-17T10:00:00+07:00"})
    instance = deployed.get(ProcessInstance, iid)
    assert instance.status == "completed"
    ids = step_ids(deployed, iid)
    assert ("jadwalkan_rapat" in ids) is meeting and ("setujui_jawaban" in ids) is kepala_dinas
    # the kepala dinas, when asked, approves an amended answer
    expected = ("Petugas loket Sabtu ditambah mulai April 2026." if kepala_dinas
                else "Petugas loket ditambah mulai April.")
    assert instance.answer == expected


def test_sanggau_incomplete_loop(deployed, ctx, roles):
    sub = runtime.submit_complaint(deployed, ctx, "sanggau_pengaduan", SANGGAU_INTAKE)
    iid = sub.instance.id
    step(deployed, ctx, iid, "catat_buku_pengaduan", roles["petugas"], {"nomor_buku_pengaduan": "BP-4/2026"})
    row = ready_task(deployed, iid, "distribusikan_aduan")
    member = deployed.get(ProcessInstance, iid).version.forms[row.form_name]["properties"]["penjawab_utama"][
        "oneOf"][0]["const"]
    step(deployed, ctx, iid, "distribusikan_aduan", roles["kasi"],
         {"penjawab_utama": member, "libatkan_kepala_dinas": False})
    step(deployed, ctx, iid, "tanggapi_kelengkapan", roles["kabid"],
         {"lengkap": False, "kekurangan": "Tanggal kejadian.", "tanggapan": "Materi belum lengkap."})
    runtime.complete_reporter_task(deployed, ctx, sub.tracking_code, sub.reporter_key,
                                   {"tambahan": "Kejadian Sabtu 7 Maret 2026."})
    assert ready_task(deployed, iid).bpmn_id == "tanggapi_kelengkapan"


def test_sanggau_deadline_timer_fires_only_after_seven_working_days(deployed, session_factory, ctx, clock, roles):
    from datetime import datetime

    from engine.timers import sweep_due_timers

    sub = runtime.submit_complaint(deployed, ctx, "sanggau_pengaduan", SANGGAU_INTAKE)
    row = ready_task(deployed, sub.instance.id, "catat_buku_pengaduan")
    # received Fri 13 Mar 2026; Idul Fitri 1447 H and cuti bersama 18–24 Mar → Tue 31 Mar 16:00 WIB
    assert row.sla_due_at == datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
    deployed.rollback()  # end the read transaction: the sweep writes through its own sessions
    clock.set(datetime(2026, 3, 31, 8, 59, tzinfo=UTC))
    assert sweep_due_timers(session_factory, ctx).fired == 0
    clock.set(datetime(2026, 3, 31, 9, 1, tzinfo=UTC))
    assert sweep_due_timers(session_factory, ctx).fired == 1
    escalation = deployed.scalars(select(HumanTask).where(HumanTask.is_escalation.is_(True))).one()
    assert escalation.role == "kepala_dinas" and escalation.bpmn_id == "eskalasi_tenggat_7_hari"
    assert ready_task(deployed, sub.instance.id).bpmn_id == "catat_buku_pengaduan"  # stays with its owner
    fired = deployed.scalars(select(AuditEvent).where(AuditEvent.type == "TIMER_FIRED")).one()
    assert fired.actor == "system:timer" and fired.bpmn_id == "tenggat_catat"
    raised = deployed.scalars(select(AuditEvent).where(AuditEvent.type == "ESCALATION_RAISED")).one()
    assert raised.actor == "system:timer" and raised.payload["role"] == "kepala_dinas"
    assert raised.payload["overdue_steps"] == ["catat_buku_pengaduan"]


def test_refusals_change_nothing(deployed, ctx, roles):
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    row = ready_task(deployed, sub.instance.id, "verifikasi_formulir")
    before = snapshot(deployed)
    with pytest.raises(NotYourRole):
        runtime.complete_task(deployed, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "1"},
                              actor=roles["kasi"])
    with pytest.raises(InvalidData) as invalid:
        runtime.complete_task(deployed, ctx, row.id, {"lengkap": "ya"}, actor=roles["petugas"])
    assert set(invalid.value.fields("id")) >= {"lengkap", "nomor_buku_pengaduan"}
    assert snapshot(deployed) == before
    runtime.claim_task(deployed, ctx, row.id, actor=roles["petugas"])
    other = type(roles["petugas"])("petugas2", frozenset({"petugas"}))
    with pytest.raises(TaskClaimedByOther):
        runtime.complete_task(deployed, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "1"}, actor=other)
    with pytest.raises(TaskClaimedByOther):
        runtime.claim_task(deployed, ctx, row.id, actor=other)
    runtime.complete_task(deployed, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "1"},
                          actor=roles["petugas"])
    after_first = snapshot(deployed)
    with pytest.raises(TaskNotReady):
        runtime.complete_task(deployed, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "1"},
                              actor=roles["petugas"])
    assert snapshot(deployed) == after_first


def test_a_completion_decides_on_the_stored_step_and_keeps_the_sessions_object_in_line(deployed, session_factory,
                                                                                       ctx, roles):
    from sqlalchemy import inspect as sa_inspect

    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    row = ready_task(deployed, sub.instance.id, "verifikasi_formulir")  # the session's object of the step
    other = type(roles["petugas"])("petugas2", frozenset({"petugas"}))
    data = {"lengkap": True, "nomor_buku_pengaduan": "1"}
    with session_factory() as elsewhere:
        runtime.claim_task(elsewhere, ctx, row.id, actor=other)
    assert row.claimed_by is None  # stale: the completion reads the step as stored
    with pytest.raises(TaskClaimedByOther):
        runtime.complete_task(deployed, ctx, row.id, data, actor=roles["petugas"])
    with session_factory() as elsewhere:
        runtime.release_task(elsewhere, ctx, row.id, actor=other)
    runtime.complete_task(deployed, ctx, row.id, data, actor=roles["petugas"])
    assert (row.state, row.completed_by) == ("completed", roles["petugas"].name)
    assert not sa_inspect(row).modified  # held as written, nothing left for a flush


def test_an_instance_changed_after_it_was_read_is_refused_by_its_version_counter(deployed, ctx, roles,
                                                                               sa_engine, monkeypatch):
    """The save writes the instance with a Core update that checks the version counter as the ORM did: if
    another writer moved it after the operation read it, the operation is a 409 and writes nothing."""
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    iid = sub.instance.id
    row = ready_task(deployed, iid, "verifikasi_formulir")
    loaded = runtime.load_workflow

    def load_then_someone_else_writes(instance, ctx):
        workflow = loaded(instance, ctx)
        with sa_engine.begin() as other:  # a writer the operation's lock did not hold back
            other.execute(update(ProcessInstance).where(ProcessInstance.id == iid)
                          .values(lock_version=ProcessInstance.lock_version + 1))
        return workflow

    monkeypatch.setattr(runtime, "_begin_write", lambda session: None)  # SQLite's write lock would queue it
    monkeypatch.setattr(runtime, "load_workflow", load_then_someone_else_writes)
    before = snapshot(deployed)
    with pytest.raises(ConcurrentUpdate):
        runtime.complete_task(deployed, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "1"},
                              actor=roles["petugas"])
    after = snapshot(deployed)
    assert after[:2] == before[:2], "no event and no step row written"
    assert [(i, state, status) for i, _, state, status in after[2]] == \
        [(i, state, status) for i, _, state, status in before[2]]
    assert [v for _, v, _, _ in after[2]] == [v + (i == iid) for i, v, _, _ in before[2]], "only the other's write"
    monkeypatch.setattr(runtime, "load_workflow", loaded)
    version = deployed.get(ProcessInstance, iid).lock_version
    done = runtime.complete_task(deployed, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "1"},
                                 actor=roles["petugas"])
    assert done.next_tasks and done.next_tasks[0].id is not None
    deployed.expire_all()
    assert deployed.get(ProcessInstance, iid).lock_version == version + 1, "one update of the instance per save"


def test_the_locked_read_gives_the_instance_as_the_row_holds_it(deployed, session_factory, ctx, roles):
    """A completion reads its instance with the version under the lock as plain columns and makes the objects from
    them: the session's own object of the instance takes the row's values (a change made on it and not written is
    dropped, as the ORM's populate_existing did); else a new object, whose version's large columns load when read."""
    from sqlalchemy import inspect as sa_inspect

    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    iid = sub.instance.id
    row = ready_task(deployed, iid, "verifikasi_formulir")
    with session_factory() as other:  # a session holding nothing
        step_row, instance = runtime._task_and_locked_instance(other, row.id)
        assert (step_row.id, step_row.state, instance.id, instance.version.process_key) == \
            (row.id, "ready", iid, "muba_pengaduan")
        assert other.identity_map.get(sa_inspect(instance).key) is instance and not sa_inspect(instance).modified
        assert "spec_json" not in sa_inspect(instance.version).dict and instance.version.spec_json
        other.rollback()
    held = deployed.get(ProcessInstance, iid)
    written_stage = held.stage
    held.stage = "changed, not written"
    done = runtime.complete_task(deployed, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "1"},
                                 actor=roles["petugas"])
    assert deployed.get(ProcessInstance, iid) is held and not sa_inspect(held).modified
    assert held.stage == done.next_tasks[0].name != written_stage
    deployed.expire_all()
    assert deployed.get(ProcessInstance, iid).stage == done.next_tasks[0].name


def test_a_step_row_of_a_refused_completion_does_not_block_the_next(deployed, ctx, roles, sa_engine, monkeypatch):
    """The save inserts new step rows itself and hands them to the session as persistent objects. A
    completion refused after that insert is rolled back; SQLite then gives the same id to the next insert,
    while the refused attempt's object may still be alive (here: held) — the retry must not fail on it."""
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    iid = sub.instance.id
    row = ready_task(deployed, iid, "verifikasi_formulir")
    inserted, insert_steps, loaded = [], runtime._insert_steps, runtime.load_workflow

    def keep_inserted(session, new):
        rows = insert_steps(session, new)
        inserted.append((rows, [r.id for r in rows]))
        return rows

    def load_then_someone_else_writes(instance, ctx):
        workflow = loaded(instance, ctx)
        with sa_engine.begin() as other:
            other.execute(update(ProcessInstance).where(ProcessInstance.id == iid)
                          .values(lock_version=ProcessInstance.lock_version + 1))
        return workflow

    monkeypatch.setattr(runtime, "_begin_write", lambda session: None)
    monkeypatch.setattr(runtime, "_insert_steps", keep_inserted)
    monkeypatch.setattr(runtime, "load_workflow", load_then_someone_else_writes)
    with pytest.raises(ConcurrentUpdate):
        runtime.complete_task(deployed, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "1"},
                              actor=roles["petugas"])
    assert inserted, "the refused completion inserted the next step before its version check"
    monkeypatch.setattr(runtime, "load_workflow", loaded)
    done = runtime.complete_task(deployed, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "1"},
                                 actor=roles["petugas"])
    (_, refused_ids), (rows, ids) = inserted
    assert done.next_tasks == rows and all(r in deployed for r in rows)
    if sa_engine.dialect.name == "sqlite":
        assert ids == refused_ids, "SQLite gave the refused attempt's ids out again"
    deployed.expire_all()
    assert [deployed.get(HumanTask, i).state for i in ids] == ["ready"] * len(ids)


def test_a_submissions_instance_and_intake_record_are_written_without_the_unit_of_work(deployed, ctx, roles):
    """The new instance and its intake record are Core inserts handed to the session (attach_inserted): no flush
    writes them; they are its persistent objects with every column (the version counter at 1, the version object
    set) and the next operation on the complaint checks that counter as before."""
    from sqlalchemy import event, inspect

    from engine.channels import intake_of
    from engine.channels_models import ComplaintIntake

    flushed: list[str] = []
    event.listen(deployed, "before_flush", lambda session, *_: flushed.extend(type(o).__name__ for o in session.new))
    submission = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    assert not {"ProcessInstance", "ComplaintIntake"} & set(flushed), flushed
    instance = submission.instance
    iid = instance.id
    assert deployed.get(ProcessInstance, iid) is instance
    assert (instance.lock_version, instance.version.process_key, instance.tracking_code) == (
        3, "muba_pengaduan", submission.tracking_code)  # 1 on insert, 2 and 3 after the two saves
    intake = intake_of(deployed, iid)
    assert isinstance(intake, ComplaintIntake) and not inspect(intake).expired_attributes - {"merged_into"}
    assert (intake.reporter_phone, intake.source_kind, intake.merged_into) == ("081234567890", "form", None)
    step(deployed, ctx, iid, "verifikasi_formulir", roles["petugas"],
         {"lengkap": True, "di_luar_wewenang": False, "nomor_buku_pengaduan": "BP-1/2026"})
    assert deployed.get(ProcessInstance, iid).lock_version == 4


def test_an_inserted_row_is_the_sessions_clean_persistent_object_with_every_column(deployed, ctx):
    """attach_inserted: the row a Core insert wrote is handed to the session as if flushed — persistent, every
    column loaded (no statement when read), nothing pending (the next flush writes nothing)."""
    from sqlalchemy import event, inspect

    iid = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE).instance.id
    now = ctx.clock.now()
    [row] = runtime._insert_steps(deployed, [dict(
        instance_id=iid, task_guid="00000000-0000-0000-0000-000000000001", process_key="muba_pengaduan",
        bpmn_id="periksa_laporan", name="Periksa", role="kasi", state="ready", ready_at=now,
        urgent_at=runtime.NO_DEADLINE, is_escalation=False)])
    statements: list[str] = []

    def record(*args):
        statements.append(args[2])

    event.listen(deployed.get_bind(), "before_cursor_execute", record)
    try:
        state = inspect(row)
        assert state.persistent and not state.modified and not state.unloaded
        assert deployed.get(HumanTask, row.id) is row
        assert (row.role, row.ready_at, row.claimed_by) == ("kasi", now, None)
        deployed.flush()
    finally:
        event.remove(deployed.get_bind(), "before_cursor_execute", record)
    assert statements == []
    deployed.rollback()


def test_invalid_intake_writes_nothing(deployed, ctx):
    before = snapshot(deployed)
    with pytest.raises(InvalidData) as invalid:
        runtime.submit_complaint(deployed, ctx, "muba_pengaduan",
                                 {**MUBA_INTAKE, "reporter": {"name": "Budi"}, "subject": ""})
    fields = invalid.value.fields("id")
    assert "reporter.address" in fields and "subject" in fields
    assert "reporter" in fields or any(k.startswith("reporter") for k in fields)
    assert snapshot(deployed) == before


def test_a_second_engine_continues_every_running_instance(deployed, ctx, roles, db_url):
    subs = [runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE) for _ in range(3)]
    step(deployed, ctx, subs[0].instance.id, "verifikasi_formulir", roles["petugas"],
         {"lengkap": True, "nomor_buku_pengaduan": "1"})
    deployed.close()
    runtime.script_engine_for.cache_clear()
    from engine import spiff

    spiff.load_specs.cache_clear()
    other = make_engine(db_url)  # as after a restart: nothing shared in memory
    with make_session_factory(other)() as session:
        step(session, ctx, subs[0].instance.id, "periksa_laporan", roles["kasi"],
             {"hasil_pemeriksaan": "sebagian", "catatan_solusi": "Dicek ke gudang."})
        for sub in subs[1:]:
            step(session, ctx, sub.instance.id, "verifikasi_formulir", roles["petugas"],
                 {"lengkap": True, "nomor_buku_pengaduan": "2"})
            assert ready_task(session, sub.instance.id).bpmn_id == "periksa_laporan"
        assert ready_task(session, subs[0].instance.id).bpmn_id == "beri_solusi"
        assert verify_chain(session).ok
    other.dispose()


def test_instance_state_does_not_embed_the_spec(deployed, ctx):
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    instance = deployed.get(ProcessInstance, sub.instance.id)
    assert '"spec"' not in instance.state_json[:200] and "task_specs" not in instance.state_json
    assert len(instance.state_json) < len(instance.version.spec_json)


def test_serializer_version_is_checked(deployed, ctx):
    from engine.errors import InvalidInput

    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    instance = deployed.get(ProcessInstance, sub.instance.id)
    instance.serializer_version = "other/0"
    deployed.commit()
    with pytest.raises(InvalidInput):
        runtime.load_workflow(instance, ctx)
