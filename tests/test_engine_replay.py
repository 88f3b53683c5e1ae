"""Re-execution proof: recorded histories reproduce, also across a migration (and its revert); a tampered
input is found at its step; nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from engine import runtime
from engine.actors import SYSTEM_TIMER
from engine.deploy import deploy_process
from engine.editor_models import InstanceMigration
from engine.errors import NotFound, VersionMissing
from engine.migration import migrate_instance, revert_migration
from engine.models import AuditEvent, ProcessInstance
from engine.replay import COMPARED, replay_instance
from engine.timers import sweep_due_timers
from tests.editor_fixtures import muba_variant
from tests.engine_helpers import MUBA_INTAKE, step
from tests.test_editor_migration import OWNER, VERIFIED


@pytest.fixture
def muba_done(deployed, ctx, clock, roles):
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    iid = sub.instance.id
    clock.advance(minutes=20)
    step(deployed, ctx, iid, "verifikasi_formulir", roles["petugas"],
         {"lengkap": True, "nomor_buku_pengaduan": "BP-017/2026"})
    clock.advance(hours=2)
    step(deployed, ctx, iid, "periksa_laporan", roles["kasi"],
         {"hasil_pemeriksaan": "benar", "catatan_solusi": "Buku dipindah."})
    clock.advance(hours=1)
    step(deployed, ctx, iid, "beri_solusi", roles["kabid"],
         {"bentuk_jawaban": "tertulis", "jawaban": "Buku sudah kembali ke rak referensi."})
    return iid


def test_completed_complaint_reproduces(deployed, ctx, muba_done):
    result = replay_instance(deployed, ctx, muba_done)
    assert result.reproduced, result.divergence
    assert result.events_checked == deployed.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.instance_id == muba_done,
                                                           AuditEvent.type.in_(COMPARED)))


def test_replay_writes_nothing(deployed, ctx, muba_done):
    before = (deployed.scalar(select(func.count()).select_from(AuditEvent)),
              deployed.get(ProcessInstance, muba_done).state_json)
    replay_instance(deployed, ctx, muba_done)
    assert not deployed.new and not deployed.dirty
    deployed.expire_all()
    assert before == (deployed.scalar(select(func.count()).select_from(AuditEvent)),
                      deployed.get(ProcessInstance, muba_done).state_json)


def tamper_input(session, instance_id: int, bpmn_id: str, field: str, value) -> int:
    """Alter one field of the recorded input of the step ``bpmn_id`` by SQL (trigger dropped); its seq."""
    seq = session.scalar(select(AuditEvent.seq).where(AuditEvent.instance_id == instance_id,
                                                     AuditEvent.bpmn_id == bpmn_id,
                                                     AuditEvent.type == "TASK_COMPLETED"))
    session.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
    session.execute(text("UPDATE audit_event SET payload = json_set(payload, :path, :value) WHERE seq = :seq"),
                    {"path": f"$.input.{field}", "value": value, "seq": seq})
    session.commit()
    session.expire_all()
    return seq


def test_altered_input_diverges_at_that_step(deployed, ctx, muba_done):
    seq = tamper_input(deployed, muba_done, "periksa_laporan", "hasil_pemeriksaan", "tidak_benar")
    result = replay_instance(deployed, ctx, muba_done)
    assert not result.reproduced
    assert result.divergence["seq"] == seq and result.divergence["bpmn_id"] == "periksa_laporan"
    assert result.divergence["expected"]["data_after"]["hasil_pemeriksaan"] == "benar"
    # a stable code for programs; the reason in Indonesian by default, English on request
    assert (result.divergence["code"], result.divergence["params"]) == ("replay_data_differs",
                                                                        {"fields": "hasil_pemeriksaan"})
    assert result.divergence["reason"] == "data sesudah langkah berbeda pada hasil_pemeriksaan"
    assert result.as_dict("en")["divergence"]["reason"] == "data after the step differs in hasil_pemeriksaan"
    assert result.as_dict()["divergence"]["reason"] == result.divergence["reason"]


def test_sanggau_timer_firing_reproduces(deployed, session_factory, ctx, clock, roles):
    intake = {"channel": "whatsapp", "anonymity": "anonim", "subject": "Antrean lambat",
              "reporter": {"name": "Siti", "address": "Jl. Sudirman 5", "email": "siti@example.id"},
              "description": "Antrean peminjaman lambat.", "received_at": "2026-03-13T08:30:00+07:00"}
    sub = runtime.submit_complaint(deployed, ctx, "sanggau_pengaduan", intake)
    clock.set(datetime(2026, 3, 31, 9, 1, tzinfo=UTC))
    deployed.rollback()  # the sweep writes through its own sessions
    assert sweep_due_timers(session_factory, ctx, actor=SYSTEM_TIMER).fired == 1
    result = replay_instance(deployed, ctx, sub.instance.id)
    assert result.reproduced, result.divergence


def test_unknown_instance_and_missing_version(deployed, ctx, muba_done):
    with pytest.raises(NotFound):
        replay_instance(deployed, ctx, 999)
    deployed.execute(text("PRAGMA foreign_keys=OFF"))
    deployed.execute(text("UPDATE process_version SET spec_json = '' WHERE process_key = 'muba_pengaduan'"))
    deployed.commit()
    deployed.expire_all()
    with pytest.raises(VersionMissing):
        replay_instance(deployed, ctx, muba_done)


# -- across a migration ----------------------------------------------------------------------------

def _migrated_complaint(deployed, ctx, clock, roles, variant: bytes):
    """A Muba complaint waiting at verification, migrated to a v2 built from ``variant`` 3 minutes later."""
    iid = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE).instance.id
    v2, _ = deploy_process(deployed, ctx, variant, actor=OWNER)
    clock.advance(minutes=3)
    migrate_instance(deployed, ctx, iid, v2.id, actor=OWNER)
    return iid, v2


def _finish_on_v2(deployed, ctx, clock, roles, iid):
    clock.advance(minutes=4)
    step(deployed, ctx, iid, "verifikasi_formulir", roles["petugas"], VERIFIED)
    clock.advance(hours=1)
    step(deployed, ctx, iid, "periksa_laporan", roles["kasi"],
         {"hasil_pemeriksaan": "sebagian", "catatan_solusi": "Buku dicari di gudang."})
    clock.advance(hours=1)
    step(deployed, ctx, iid, "beri_solusi", roles["kepala_dinas"],  # v2 moved this lane to kepala_dinas
         {"bentuk_jawaban": "tertulis", "jawaban": "Buku ditemukan di gudang."})


def test_migrated_instance_reproduces_on_the_target_version(deployed, ctx, clock, roles):
    iid, v2 = _migrated_complaint(deployed, ctx, clock, roles,
                                  muba_variant(duration="PT15M", kabid_lane_role="kepala_dinas"))
    _finish_on_v2(deployed, ctx, clock, roles, iid)
    assert deployed.get(ProcessInstance, iid).status == "completed"
    result = replay_instance(deployed, ctx, iid)
    assert result.reproduced, result.divergence
    types = deployed.scalars(select(AuditEvent.type).where(AuditEvent.instance_id == iid,
                                                          AuditEvent.type.in_(COMPARED))).all()
    assert "INSTANCE_MIGRATED" in types and result.events_checked == len(types)


def test_replay_uses_the_target_version_after_the_migration(deployed, ctx, clock, roles):
    iid, v2 = _migrated_complaint(deployed, ctx, clock, roles,
                                  muba_variant(duration="PT15M", kabid_lane_role="kepala_dinas"))
    lanes = []
    replay_instance(deployed, ctx, iid, observe=lambda event, workflow: lanes.append(
        (event.type, workflow.spec.task_specs["beri_solusi"].lane)))
    moved = [type_ for type_, _ in lanes].index("INSTANCE_MIGRATED")
    assert {lane for _, lane in lanes[:moved]} == {"kabid"}
    assert {lane for _, lane in lanes[moved:]} == {"kepala_dinas"}


def test_altered_input_after_a_migration_diverges_at_that_step(deployed, ctx, clock, roles):
    iid, _ = _migrated_complaint(deployed, ctx, clock, roles,
                                 muba_variant(duration="PT15M", kabid_lane_role="kepala_dinas"))
    _finish_on_v2(deployed, ctx, clock, roles, iid)
    migrated = deployed.scalar(select(AuditEvent.seq).where(AuditEvent.instance_id == iid,
                                                           AuditEvent.type == "INSTANCE_MIGRATED"))
    seq = tamper_input(deployed, iid, "periksa_laporan", "hasil_pemeriksaan", "benar")
    assert seq > migrated
    result = replay_instance(deployed, ctx, iid)
    assert not result.reproduced
    assert result.divergence["seq"] == seq and result.divergence["bpmn_id"] == "periksa_laporan"
    assert result.divergence["expected"]["data_after"]["hasil_pemeriksaan"] == "sebagian"
    assert result.divergence["got"]["data_after"]["hasil_pemeriksaan"] == "benar"


def test_changed_timer_is_rescheduled_and_reproduces(deployed, ctx, clock, roles):
    variant = muba_variant(duration="PT15M").replace(b'office_time_after(now(), "PT10M")',
                                                     b'office_time_after(now(), "PT15M")', 1)
    iid, _ = _migrated_complaint(deployed, ctx, clock, roles, variant)
    event = deployed.scalars(select(AuditEvent).where(AuditEvent.instance_id == iid,
                                                     AuditEvent.type == "TIMER_RESCHEDULED")).one()
    assert event.bpmn_id == "batas_verifikasi"
    assert event.payload["next_due_at"] == "2026-03-13T02:18:00+00:00"  # 15 office minutes from the migration
    assert deployed.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == iid, AuditEvent.type == "TIMER_FIRED")) == 0
    result = replay_instance(deployed, ctx, iid)
    assert result.reproduced, result.divergence


def test_reverted_migration_reproduces(deployed, ctx, clock, roles):
    iid, _ = _migrated_complaint(deployed, ctx, clock, roles,
                                 muba_variant(duration="PT15M", kabid_lane_role="kepala_dinas"))
    record = deployed.scalars(select(InstanceMigration).where(InstanceMigration.instance_id == iid)).one()
    clock.advance(minutes=1)
    revert_migration(deployed, ctx, record.id, actor=OWNER)
    clock.advance(minutes=2)
    step(deployed, ctx, iid, "verifikasi_formulir", roles["petugas"], VERIFIED)
    result = replay_instance(deployed, ctx, iid)
    assert result.reproduced, result.divergence
    lanes = []
    replay_instance(deployed, ctx, iid, observe=lambda event, workflow: lanes.append(
        workflow.spec.task_specs["beri_solusi"].lane))
    assert lanes[-1] == "kabid"  # back on v1's spec


def test_target_version_missing_is_a_clear_error(deployed, ctx, clock, roles):
    iid, v2 = _migrated_complaint(deployed, ctx, clock, roles, muba_variant(duration="PT15M"))
    deployed.execute(text("PRAGMA foreign_keys=OFF"))
    deployed.execute(text("UPDATE process_version SET spec_json = '' WHERE id = :id"), {"id": v2.id})
    deployed.commit()
    deployed.expire_all()
    with pytest.raises(VersionMissing):
        replay_instance(deployed, ctx, iid)


def test_a_failed_replay_keeps_the_errors_code(deployed, ctx, clock, roles):
    """A domain error that stops the replay keeps its own code beside replay_failed (so programs can tell it
    and the reason reads in the auditor's language): here the log is altered to say the instance moved to a
    version without its waiting step, which the migration code refuses."""
    iid, _ = _migrated_complaint(deployed, ctx, clock, roles, muba_variant(duration="PT15M"))
    v3, _ = deploy_process(deployed, ctx, muba_variant(drop_verification=True), actor=OWNER)
    seq = deployed.scalar(select(AuditEvent.seq).where(AuditEvent.instance_id == iid,
                                                      AuditEvent.type == "INSTANCE_MIGRATED"))
    deployed.execute(text("DROP TRIGGER audit_event_no_update"))
    deployed.execute(text("UPDATE audit_event SET payload = json_set(payload, '$.to_sha256', :sha) WHERE seq = :seq"),
                     {"sha": v3.sha256, "seq": seq})
    deployed.commit()
    deployed.expire_all()
    result = replay_instance(deployed, ctx, iid)
    assert not result.reproduced and result.divergence["seq"] == seq
    assert result.divergence["code"] == "replay_failed"
    assert result.divergence["params"]["error"]["code"] == "process_migration_refused"
    assert result.divergence["reason"].startswith("eksekusi ulang gagal: Instans ")
    assert result.as_dict("en")["divergence"]["reason"].startswith("the replay failed: Instans ")


def test_step_times_use_the_standard_in_force_when_the_step_ended(deployed, ctx, clock, roles):
    """Verification that waited on v1 (10 minutes) and ended on v2 (15 minutes) is measured against 15, as the
    runtime's row was after the move; one completed on v1 before the move keeps 10."""
    from engine.history import step_times

    done_first = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE).instance.id
    clock.advance(minutes=12)
    step(deployed, ctx, done_first, "verifikasi_formulir", roles["petugas"], VERIFIED)
    moved, v2 = _migrated_complaint(deployed, ctx, clock, roles,
                                    muba_variant(duration="PT15M", kabid_lane_role="kepala_dinas"))
    migrate_instance(deployed, ctx, done_first, v2.id, actor=OWNER)
    _finish_on_v2(deployed, ctx, clock, roles, moved)
    ended_on_v2 = {item.bpmn_id: item for item in step_times(deployed, ctx, moved)}["verifikasi_formulir"]
    assert ended_on_v2.standard_seconds == 15 * 60 and not ended_on_v2.over_standard  # 7 office minutes
    ended_on_v1 = {item.bpmn_id: item for item in step_times(deployed, ctx, done_first)}["verifikasi_formulir"]
    assert ended_on_v1.standard_seconds == 10 * 60 and ended_on_v1.over_standard  # 12 office minutes
