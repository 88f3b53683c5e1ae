"""Re-execution proof: recorded histories reproduce; a tampered input is found at its step; nothing is written."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text

from engine import runtime
from engine.actors import SYSTEM_TIMER
from engine.errors import NotFound, VersionMissing
from engine.models import AuditEvent, ProcessInstance
from engine.replay import COMPARED, replay_instance
from engine.timers import sweep_due_timers
from tests.engine_helpers import MUBA_INTAKE, step


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


def test_altered_input_diverges_at_that_step(deployed, ctx, muba_done):
    seq = deployed.scalar(select(AuditEvent.seq).where(AuditEvent.instance_id == muba_done,
                                                      AuditEvent.bpmn_id == "periksa_laporan",
                                                      AuditEvent.type == "TASK_COMPLETED"))
    deployed.execute(text("DROP TRIGGER audit_event_no_update"))
    deployed.execute(text("UPDATE audit_event SET payload = json_set(payload, '$.input.hasil_pemeriksaan', 'tidak_benar')"
                          " WHERE seq = :seq"), {"seq": seq})
    deployed.commit()
    deployed.expire_all()
    result = replay_instance(deployed, ctx, muba_done)
    assert not result.reproduced
    assert result.divergence["seq"] == seq and result.divergence["bpmn_id"] == "periksa_laporan"
    assert result.divergence["expected"]["data_after"]["hasil_pemeriksaan"] == "benar"


def test_sanggau_timer_firing_reproduces(deployed, session_factory, ctx, clock, roles):
    intake = {"channel": "whatsapp", "anonymity": "anonim", "subject": "Antrean lambat",
              "reporter": {"name": "Siti", "address": "Jl. Sudirman 5", "email": "siti@example.id"},
              "description": "Antrean peminjaman lambat.", "received_at": "2026-03-13T08:30:00+07:00"}
    sub = runtime.submit_complaint(deployed, ctx, "sanggau_pengaduan", intake)
    clock.set(datetime(2026, 3, 31, 9, 1, tzinfo=timezone.utc))
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
