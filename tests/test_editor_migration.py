"""Migration of running instances: dry run, refusal, success (rows re-synced, audit), revert."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engine import runtime
from engine.actors import Actor
from engine.audit import verify_chain
from engine.deploy import deploy_process
from engine.editor_models import InstanceMigration
from engine.migration import MigrationRefused, dry_run, migrate_instance, migrate_instances, revert_migration
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from tests.editor_fixtures import muba_variant
from tests.engine_helpers import MUBA_INTAKE, ready_task, step

OWNER = Actor("pemilik", frozenset({"process_owner"}))
VERIFIED = {"nomor_buku_pengaduan": "12/2026", "lengkap": True}


def _submit(session, ctx):
    return runtime.submit_complaint(session, ctx, "muba_pengaduan", dict(MUBA_INTAKE)).instance.id


def deploy_variants(session, ctx):
    """v1 (shipped), v2 (verification 15 min, kabid lane → kepala_dinas), v3 (verification removed)."""
    v1 = runtime.latest_version(session, "muba_pengaduan")
    v2, _ = deploy_process(session, ctx, muba_variant(duration="PT15M", kabid_lane_role="kepala_dinas"), actor=OWNER)
    v3, _ = deploy_process(session, ctx, muba_variant(drop_verification=True), actor=OWNER)
    return v1, v2, v3


def test_dry_run_lists_who_can_move_and_why_not(deployed, ctx, roles):
    waiting = _submit(deployed, ctx)  # at verifikasi_formulir (petugas)
    further = _submit(deployed, ctx)
    step(deployed, ctx, further, "verifikasi_formulir", roles["petugas"], VERIFIED)  # now at periksa_laporan
    v1, v2, v3 = deploy_variants(deployed, ctx)
    checks = {c.instance_id: c for c in dry_run(deployed, ctx, v1.id, v3.id)}
    assert checks[waiting].can_move is False
    assert checks[waiting].reasons == [
        "langkah 'Verifikasi Formulir Pengaduan' belum selesai dan tidak ada lagi di versi 3",
        "langkah 'Waktu standar 10 menit (jam kerja)' belum selesai dan tidak ada lagi di versi 3"]  # its timer
    assert checks[further].can_move is False and "sudah dikerjakan" in checks[further].reasons[0]
    to_v2 = {c.instance_id: c for c in dry_run(deployed, ctx, v1.id, v2.id)}
    assert to_v2[waiting].can_move and to_v2[waiting].changed_steps == ["Verifikasi Formulir Pengaduan"]
    assert deployed.get(ProcessInstance, waiting).version_id == v1.id  # a dry run changes nothing


def test_refusal_changes_nothing(deployed, ctx):
    instance_id = _submit(deployed, ctx)
    v1, _, v3 = deploy_variants(deployed, ctx)
    before = deployed.get(ProcessInstance, instance_id).state_json
    events = deployed.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    with pytest.raises(MigrationRefused) as refused:
        migrate_instance(deployed, ctx, instance_id, v3.id, actor=OWNER)
    assert "Verifikasi Formulir Pengaduan" in refused.value.message("id")
    instance = deployed.get(ProcessInstance, instance_id)
    assert instance.version_id == v1.id and instance.state_json == before
    assert deployed.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) == events
    assert deployed.scalars(select(InstanceMigration)).all() == []


def test_migrate_then_run_on_the_new_version(deployed, ctx, roles, clock):
    instance_id = _submit(deployed, ctx)
    v1, v2, _ = deploy_variants(deployed, ctx)
    row = ready_task(deployed, instance_id, "verifikasi_formulir")
    ready_at, guid = row.ready_at, row.task_guid
    results = migrate_instances(deployed, ctx, [instance_id], v2.id, actor=OWNER)
    assert results == {instance_id: None}
    instance = deployed.get(ProcessInstance, instance_id)
    assert instance.version_id == v2.id
    row = ready_task(deployed, instance_id, "verifikasi_formulir")
    assert row.task_guid == guid and row.ready_at == ready_at and row.standard_seconds == 15 * 60
    event = deployed.scalars(select(AuditEvent).where(AuditEvent.type == "INSTANCE_MIGRATED")).one()
    assert event.instance_id == instance_id and event.payload["from_version"] == 1 and event.payload["to_version"] == 2
    step(deployed, ctx, instance_id, "verifikasi_formulir", roles["petugas"], VERIFIED)
    step(deployed, ctx, instance_id, "periksa_laporan", roles["kasi"],
         {"hasil_pemeriksaan": "benar", "catatan_solusi": "Buku dicari di gudang."})
    solution = ready_task(deployed, instance_id, "beri_solusi")
    assert solution.role == "kepala_dinas"  # the new version's lane
    assert verify_chain(deployed).ok


def test_revert_restores_version_state_and_rows(deployed, ctx, roles):
    instance_id = _submit(deployed, ctx)
    v1, v2, _ = deploy_variants(deployed, ctx)
    before = deployed.get(ProcessInstance, instance_id).state_json
    record = migrate_instance(deployed, ctx, instance_id, v2.id, actor=OWNER)
    revert_migration(deployed, ctx, record.id, actor=OWNER)
    instance = deployed.get(ProcessInstance, instance_id)
    assert instance.version_id == v1.id and instance.state_json == before
    row = ready_task(deployed, instance_id, "verifikasi_formulir")
    assert row.standard_seconds == 10 * 60
    assert deployed.scalars(select(AuditEvent.type).where(AuditEvent.type == "INSTANCE_MIGRATION_REVERTED")).one()
    with pytest.raises(Exception, match="sudah dibatalkan"):
        revert_migration(deployed, ctx, record.id, actor=OWNER)
    step(deployed, ctx, instance_id, "verifikasi_formulir", roles["petugas"], VERIFIED)
    step(deployed, ctx, instance_id, "periksa_laporan", roles["kasi"],
         {"hasil_pemeriksaan": "benar", "catatan_solusi": "Buku dicari di gudang."})
    assert ready_task(deployed, instance_id, "beri_solusi").role == "kabid"  # back on v1's lanes
    assert verify_chain(deployed).ok


def test_revert_revives_a_cancelled_timer_row_instead_of_adding_a_second(deployed, ctx, roles):
    """A timer row the move had cancelled waits again after the revert — the same row (task_guid is unique per
    instance): before, the save did not see it revived and inserted another, and the revert failed as a 409."""
    instance_id = _submit(deployed, ctx)
    v1, v2, _ = deploy_variants(deployed, ctx)
    waiting = deployed.scalars(select(Timer).where(Timer.instance_id == instance_id)).all()
    assert [t.state for t in waiting] == ["waiting"]
    record = migrate_instance(deployed, ctx, instance_id, v2.id, actor=OWNER)
    deployed.execute(update(Timer).where(Timer.instance_id == instance_id).values(state="cancelled"))
    deployed.commit()
    deployed.expire_all()
    revert_migration(deployed, ctx, record.id, actor=OWNER)
    rows = deployed.execute(select(Timer.id, Timer.state).where(Timer.instance_id == instance_id)).all()
    assert rows == [(waiting[0].id, "waiting")]
    assert verify_chain(deployed).ok


def test_revert_refused_once_the_instance_moved_on(deployed, ctx, roles):
    instance_id = _submit(deployed, ctx)
    _, v2, _ = deploy_variants(deployed, ctx)
    record = migrate_instance(deployed, ctx, instance_id, v2.id, actor=OWNER)
    step(deployed, ctx, instance_id, "verifikasi_formulir", roles["petugas"], VERIFIED)
    with pytest.raises(MigrationRefused, match="sudah berlanjut"):
        revert_migration(deployed, ctx, record.id, actor=OWNER)
    assert deployed.get(ProcessInstance, instance_id).version_id == v2.id
    assert deployed.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                    HumanTask.state == "ready")).one().bpmn_id == "periksa_laporan"


def test_waiting_timer_keeps_its_deadline_across_a_migration(deployed, ctx, clock):
    """Migration must not restart the step's standard-time clock (nor record a firing that did not happen)."""
    instance_id = _submit(deployed, ctx)
    _, v2, _ = deploy_variants(deployed, ctx)
    waiting = select(Timer).where(Timer.instance_id == instance_id, Timer.state == "waiting")
    before = deployed.scalars(waiting).one()
    due, guid = before.due_at, before.task_guid
    clock.advance(minutes=4)
    migrate_instance(deployed, ctx, instance_id, v2.id, actor=OWNER)
    after = deployed.scalars(waiting).one()
    assert (after.task_guid, after.due_at) == (guid, due)
    assert deployed.scalars(select(AuditEvent.type).where(AuditEvent.instance_id == instance_id,
                                                          AuditEvent.type.like("TIMER_%"))).all() == []
