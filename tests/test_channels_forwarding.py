""""Bukan wewenang": a complaint outside the office's authority is forwarded to the competent agency.

The three shipped complaint processes: the petugas marks it at the recording/verification/receiving step, the gateway
``gw_wewenang`` sends it to ``teruskan_instansi_lain`` (form: agency, date/time, channel, letter number,
note), the instance ends with stage "Diteruskan ke …", the answer tells the reporter where it went, LAPOR!
shows ``bukan_wewenang``, and replay reproduces the forwarded path.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from engine import channels, lapor
from engine.audit import verify_chain
from engine.channels_models import OutboxMessage
from engine.errors import InvalidData, NotYourRole
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.replay import replay_instance
from engine.visibility import PUBLIC, complaint_view
from tests.channels_fixtures import INTAKE, PETUGAS
from tests.engine_helpers import ready_task, step, step_ids

WITH_EMAIL = {**INTAKE, "reporter": {**INTAKE["reporter"], "email": "rina@example.id"}}
FORWARD = {
    "instansi_tujuan": "Dinas Pendidikan Kabupaten Musi Banyuasin",
    "waktu_diteruskan": "2026-03-13T10:15:00+07:00",
    "kanal_penerusan": "surat",
    "nomor_surat": "045/112/DPK/2026",
    "catatan_penerusan": "Beasiswa sekolah bukan urusan perpustakaan.",
}
ASSESS = {
    "muba_pengaduan": ("verifikasi_formulir", {"lengkap": True, "nomor_buku_pengaduan": "12/III/2026"}),
    "sanggau_pengaduan": ("catat_buku_pengaduan", {"nomor_buku_pengaduan": "BP-031/2026"}),
    "perpusnas_pengaduan": ("terima_pengaduan", {"nomor_registrasi": "PPP/2026/044", "bentuk_pengaduan": "tertulis",
                                                 "prosedur_dijelaskan": True, "lengkap": True}),
}
NEXT_STEP = {"muba_pengaduan": "periksa_laporan", "sanggau_pengaduan": "distribusikan_aduan",
             "perpusnas_pengaduan": "tindak_lanjut"}


def _forward_ready(session, ctx, roles, process_key, intake=WITH_EMAIL):
    sub = channels.record_complaint(session, ctx, process_key, intake, actor=PETUGAS)
    bpmn_id, data = ASSESS[process_key]
    step(session, ctx, sub.instance.id, bpmn_id, roles["petugas"], {**data, "di_luar_wewenang": True})
    return sub


@pytest.mark.parametrize("process_key", sorted(ASSESS))
def test_forwarded_complaint_records_to_whom_and_when(deployed, ctx, clock, roles, process_key):
    sub = _forward_ready(deployed, ctx, roles, process_key)
    iid = sub.instance.id
    row = ready_task(deployed, iid, "teruskan_instansi_lain")
    assert row.role == "petugas"
    instance = deployed.get(ProcessInstance, iid)
    assert instance.stage == "Teruskan ke Instansi yang Berwenang"
    assert lapor.lapor_status(deployed, instance)["status"] == "bukan_wewenang"

    clock.advance(minutes=30)
    step(deployed, ctx, iid, "teruskan_instansi_lain", roles["petugas"], FORWARD)
    deployed.expire_all()
    instance = deployed.get(ProcessInstance, iid)
    assert instance.status == "completed"
    assert instance.stage == "Diteruskan ke Dinas Pendidikan Kabupaten Musi Banyuasin"
    assert instance.answer == (
        "Pengaduan Anda berada di luar wewenang kami dan telah diteruskan kepada Dinas Pendidikan Kabupaten "
        "Musi Banyuasin pada 2026-03-13 10:15. Beasiswa sekolah bukan urusan perpustakaan.")
    assert lapor.lapor_status(deployed, instance) == {
        "status": "bukan_wewenang", "label": "Bukan Wewenang (dialihkan ke instansi lain)"}
    assert step_ids(deployed, iid)[-1] == "teruskan_instansi_lain"
    assert NEXT_STEP[process_key] not in step_ids(deployed, iid)

    # the record: the step's input in the audit log, who did it and when
    event = deployed.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == iid, AuditEvent.type == "TASK_COMPLETED",
        AuditEvent.bpmn_id == "teruskan_instansi_lain")).one()
    assert event.actor == roles["petugas"].name and event.at == ctx.clock.now()
    assert {k: event.payload["input"][k] for k in FORWARD} == FORWARD
    types = deployed.scalars(select(AuditEvent.type).where(AuditEvent.instance_id == iid)
                             .order_by(AuditEvent.seq)).all()
    assert types.index("INSTANCE_COMPLETED") > types.index("TASK_COMPLETED")
    assert verify_chain(deployed).ok

    # the reporter is told where it went
    answer = deployed.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == iid,
                                                          OutboxMessage.kind == "answer")).one()
    assert answer.recipient == "rina@example.id"
    assert (f"Pengaduan Anda dengan kode pelacakan {sub.tracking_code} berada di luar wewenang kami dan telah "
            "diteruskan kepada Dinas Pendidikan Kabupaten Musi Banyuasin.") in answer.body
    assert instance.answer in answer.body and "selesai ditangani" not in answer.body
    assert answer.subject == f"Pengaduan {sub.tracking_code} diteruskan"

    # the public tracking view shows the forwarding stage
    public = complaint_view(instance, None, PUBLIC, "public")
    assert public["stage"] == "Diteruskan ke Dinas Pendidikan Kabupaten Musi Banyuasin"
    assert public["status"] == "completed"


@pytest.mark.parametrize("process_key", sorted(ASSESS))
def test_within_authority_goes_on_as_before(deployed, ctx, roles, process_key):
    bpmn_id, data = ASSESS[process_key]
    for flag in ({}, {"di_luar_wewenang": False}):  # left out = the form's default (false)
        sub = channels.record_complaint(deployed, ctx, process_key, {**INTAKE, "subject": f"Hal {len(flag)}"},
                                        actor=PETUGAS)
        step(deployed, ctx, sub.instance.id, bpmn_id, roles["petugas"], {**data, **flag})
        ready_task(deployed, sub.instance.id, NEXT_STEP[process_key])
        assert lapor.lapor_status(deployed, deployed.get(ProcessInstance, sub.instance.id))["status"] != (
            "bukan_wewenang")


@pytest.mark.parametrize("process_key", ["muba_pengaduan", "perpusnas_pengaduan"])
def test_incomplete_complaint_goes_to_the_reporter_before_forwarding(deployed, ctx, roles, process_key):
    """Muba (the verification of SOP row 4) and Perpusnas (receiving) check completeness first, then authority."""
    sub = channels.record_complaint(deployed, ctx, process_key, INTAKE, actor=PETUGAS)
    bpmn_id, data = ASSESS[process_key]
    step(deployed, ctx, sub.instance.id, bpmn_id, roles["petugas"],
         {**data, "lengkap": False, "kekurangan": "Sebutkan sekolahnya.", "di_luar_wewenang": True})
    ready_task(deployed, sub.instance.id, "lengkapi_pengaduan")


@pytest.mark.parametrize("process_key", sorted(ASSESS))
def test_forwarding_form_refuses_bad_input_and_writes_nothing(deployed, ctx, roles, process_key):
    sub = _forward_ready(deployed, ctx, roles, process_key)
    iid = sub.instance.id
    before = deployed.get(ProcessInstance, iid).state_json
    bad = {**FORWARD, "instansi_tujuan": "", "waktu_diteruskan": "kemarin", "kanal_penerusan": "merpati"}
    with pytest.raises(InvalidData) as refused:
        step(deployed, ctx, iid, "teruskan_instansi_lain", roles["petugas"], bad)
    assert set(refused.value.field_errors) == {"instansi_tujuan", "waktu_diteruskan", "kanal_penerusan"}
    deployed.rollback()
    deployed.expire_all()
    assert deployed.get(ProcessInstance, iid).state_json == before
    assert ready_task(deployed, iid, "teruskan_instansi_lain").state == "ready"
    with pytest.raises(NotYourRole):
        step(deployed, ctx, iid, "teruskan_instansi_lain", roles["kasi"], FORWARD)


@pytest.mark.parametrize("process_key", sorted(ASSESS))
def test_forwarded_instance_replays(deployed, ctx, roles, process_key):
    sub = _forward_ready(deployed, ctx, roles, process_key)
    iid = sub.instance.id
    step(deployed, ctx, iid, "teruskan_instansi_lain", roles["petugas"], FORWARD)
    result = replay_instance(deployed, ctx, iid)
    assert result.reproduced, result.divergence

    # the recorded agency altered → replay finds the final answer differs
    seq = deployed.scalar(select(AuditEvent.seq).where(AuditEvent.instance_id == iid,
                                                      AuditEvent.bpmn_id == "teruskan_instansi_lain",
                                                      AuditEvent.type == "TASK_COMPLETED"))
    deployed.execute(text("DROP TRIGGER audit_event_no_update"))
    deployed.execute(text("UPDATE audit_event SET payload = json_set(payload, '$.input.instansi_tujuan', "
                          "'Dinas Lain') WHERE seq = :seq"), {"seq": seq})
    deployed.commit()
    deployed.expire_all()
    result = replay_instance(deployed, ctx, iid)
    assert not result.reproduced
    assert result.divergence["bpmn_id"] == "teruskan_instansi_lain"


def test_forwarding_rows_in_the_inbox_are_petugas_work(deployed, ctx, roles):
    sub = _forward_ready(deployed, ctx, roles, "sanggau_pengaduan")
    rows = deployed.scalars(select(HumanTask).where(HumanTask.instance_id == sub.instance.id,
                                                    HumanTask.state == "ready")).all()
    assert [(r.bpmn_id, r.role, r.name) for r in rows] == [
        ("teruskan_instansi_lain", "petugas", "Teruskan ke Instansi yang Berwenang")]


@pytest.mark.parametrize("process_key", ["sanggau_pengaduan", "perpusnas_pengaduan"])
def test_the_recap_counts_a_forwarded_complaint_as_forwarded(deployed, ctx, roles, process_key):
    from datetime import date

    from engine.recap import compute_recap

    sub = _forward_ready(deployed, ctx, roles, process_key)
    step(deployed, ctx, sub.instance.id, "teruskan_instansi_lain", roles["petugas"], FORWARD)
    report = compute_recap(deployed, ctx, process_keys=process_key, period_start=date(2026, 3, 1),
                           period_end=date(2026, 3, 31), viewer=roles["kabid"])
    assert report["totals"]["forwarded"] == 1 and report["totals"]["answered"] == 0
    [row] = report["complaints"]
    assert row["status"] == "forwarded" and row["stage"].startswith("Diteruskan ke Dinas Pendidikan")
