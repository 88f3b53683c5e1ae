"""The two Perpusnas services authored as BPMN + forms only, driven through the engine on every path:
complaint handling of the Pusat Pembinaan Pustakawan and the Layanan Sertifikasi Profesi Pustakawan."""

from __future__ import annotations

import json
from datetime import UTC, date

import pytest
from sqlalchemy import select

from engine import deploy, runtime, users
from engine.actors import SYSTEM_INIT, Actor
from engine.errors import InvalidData, NotYourRole
from engine.models import HumanTask, ProcessInstance, Timer
from engine.timers import fire_instance_timers
from tests.conftest import PROCESSES, START, shipped_forms
from tests.engine_helpers import SERTIFIKASI_DOCUMENTS, ready_task, step, step_ids

PERPUSNAS_INTAKE = {
    "channel": "sp4n_lapor",
    "reporter": {
        "name": "Rina Kartika",
        "address": "Jl. Salemba Tengah 3, Jakarta Pusat",
        "email": "rina@contoh.id",
    },
    "anonymity": "none",
    "subject": "Hasil sertifikasi pustakawan belum diumumkan",
    "description": "Saya mengikuti asesmen bulan lalu tetapi belum ada kabar hasil sertifikasi sampai sekarang.",
    "category": "sertifikasi_pustakawan",
}
RECEIVED = {
    "nomor_registrasi": "PPP/2026/031",
    "bentuk_pengaduan": "tertulis",
    "prosedur_dijelaskan": True,
    "ringkasan_penjelasan": "Pengaduan ditindaklanjuti unit dalam 5 hari kerja.",
    "lengkap": True,
}
FOLLOWED_UP = {
    "unit_penanggung_jawab": "Layanan Sertifikasi Profesi Pustakawan",
    "tindak_lanjut": "Hasil asesmen diperiksa; pengumuman tertunda karena rapat pleno.",
    "jawaban": "Hasil sertifikasi Anda diumumkan pada 20 Maret 2026 di Portal SIAP.",
}
ANSWERED = {"cara_penyampaian": "sp4n_lapor", "tanggal_disampaikan": "2026-03-16"}
REPORTED = {"periode_laporan": "2026-03", "tepat_waktu": True}
ASESOR = Actor("asesor1", frozenset({"asesor"}))


def _complaint(session, ctx, **overrides):
    return runtime.submit_complaint(session, ctx, "perpusnas_pengaduan", {**PERPUSNAS_INTAKE, **overrides})


def _finished(session, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    session.refresh(instance)
    return instance


# -- complaint handling (Perka 5/2016) -----------------------------------------------------------------


def test_perpusnas_is_a_complaint_process_with_its_own_lanes(deployed):
    version = runtime.latest_version(deployed, "perpusnas_pengaduan")
    assert version.is_complaint
    assert sorted(version.summary["lanes"]) == ["kabid", "kasi", "pelapor", "petugas"]
    assert version.summary["user_tasks"]["tindak_lanjut"]["sla_timers"] == ["tenggat_tindak_lanjut"]


def test_perpusnas_happy_path_answer_reaches_the_reporter(deployed, ctx, roles):
    sub = _complaint(deployed, ctx)
    iid = sub.instance.id
    assert ready_task(deployed, iid).bpmn_id == "terima_pengaduan"
    step(deployed, ctx, iid, "terima_pengaduan", roles["petugas"], RECEIVED)
    assert ready_task(deployed, iid).role == "kabid"
    step(deployed, ctx, iid, "tindak_lanjut", roles["kabid"], FOLLOWED_UP)
    step(deployed, ctx, iid, "evaluasi_tindak_lanjut", roles["kasi"], {"hasil_evaluasi": "memadai"})
    step(deployed, ctx, iid, "sampaikan_jawaban", roles["petugas"], ANSWERED)
    step(deployed, ctx, iid, "laporkan_hasil", roles["kasi"], REPORTED)
    instance = _finished(deployed, iid)
    assert instance.status == "completed"
    assert instance.answer == FOLLOWED_UP["jawaban"]
    assert step_ids(deployed, iid) == [
        "sampaikan_pengaduan",
        "terima_pengaduan",
        "tindak_lanjut",
        "evaluasi_tindak_lanjut",
        "sampaikan_jawaban",
        "laporkan_hasil",
    ]


def test_perpusnas_incomplete_complaint_loops_through_the_reporter(deployed, ctx, roles):
    sub = _complaint(deployed, ctx)
    iid = sub.instance.id
    step(
        deployed,
        ctx,
        iid,
        "terima_pengaduan",
        roles["petugas"],
        {**RECEIVED, "lengkap": False, "kekurangan": "Sebutkan tanggal asesmen dan klaster."},
    )
    # a LAPOR! report (PERPUSNAS_INTAKE's channel): the reporter's step closes it after 10 silent working days
    assert ready_task(deployed, iid, "lengkapi_pengaduan_lapor").role == "pelapor"
    runtime.complete_reporter_task(
        deployed,
        ctx,
        sub.tracking_code,
        sub.reporter_key,
        {"tambahan": "Asesmen 12 Februari 2026, klaster layanan pemustaka."},
    )
    step(deployed, ctx, iid, "terima_pengaduan", roles["petugas"], RECEIVED)
    assert ready_task(deployed, iid).bpmn_id == "tindak_lanjut"


def test_perpusnas_evaluation_sends_the_follow_up_back(deployed, ctx, roles):
    iid = _complaint(deployed, ctx).instance.id
    step(deployed, ctx, iid, "terima_pengaduan", roles["petugas"], RECEIVED)
    step(deployed, ctx, iid, "tindak_lanjut", roles["kabid"], FOLLOWED_UP)
    with pytest.raises(InvalidData):  # a note is required when the follow-up must be improved
        step(
            deployed, ctx, iid, "evaluasi_tindak_lanjut", roles["kasi"], {"hasil_evaluasi": "perlu_perbaikan"}
        )
    step(
        deployed,
        ctx,
        iid,
        "evaluasi_tindak_lanjut",
        roles["kasi"],
        {"hasil_evaluasi": "perlu_perbaikan", "catatan_evaluasi": "Sebutkan tanggal pengumuman yang pasti."},
    )
    assert ready_task(deployed, iid, "tindak_lanjut").role == "kabid"
    step(deployed, ctx, iid, "tindak_lanjut", roles["kabid"], FOLLOWED_UP)
    step(deployed, ctx, iid, "evaluasi_tindak_lanjut", roles["kasi"], {"hasil_evaluasi": "memadai"})
    assert ready_task(deployed, iid).bpmn_id == "sampaikan_jawaban"


def test_perpusnas_policy_and_procedure_must_be_explained(deployed, ctx, roles):
    iid = _complaint(deployed, ctx).instance.id
    with pytest.raises(InvalidData) as refused:
        step(
            deployed,
            ctx,
            iid,
            "terima_pengaduan",
            roles["petugas"],
            {**RECEIVED, "prosedur_dijelaskan": False},
        )
    assert "prosedur_dijelaskan" in refused.value.fields()
    with pytest.raises(NotYourRole):
        step(deployed, ctx, iid, "terima_pengaduan", roles["kabid"], RECEIVED)


def test_perpusnas_follow_up_late_after_5_working_days_escalates_to_the_coordinator(
    deployed, ctx, roles, clock
):
    iid = _complaint(deployed, ctx).instance.id
    step(deployed, ctx, iid, "terima_pengaduan", roles["petugas"], RECEIVED)
    [timer] = deployed.scalars(select(Timer).where(Timer.instance_id == iid, Timer.state == "waiting")).all()
    due = ctx.calendar.add_working_days(START, 5)  # received now; Nyepi and Idul Fitri 2026 are skipped
    assert timer.due_at.replace(tzinfo=UTC) == due.astimezone(UTC)
    assert due.date() > date(2026, 3, 20)
    clock.set(due)
    assert fire_instance_timers(deployed, ctx, iid) is None  # not before the deadline
    clock.advance(minutes=1)
    assert fire_instance_timers(deployed, ctx, iid) == 1
    deployed.commit()
    ready = deployed.scalars(
        select(HumanTask).where(HumanTask.instance_id == iid, HumanTask.state == "ready")
    ).all()
    assert sorted((r.bpmn_id, r.role) for r in ready) == [
        ("eskalasi_tindak_lanjut", "kasi"),
        ("tindak_lanjut", "kabid"),
    ]
    escalation = next(r for r in ready if r.is_escalation)
    runtime.complete_task(
        deployed,
        ctx,
        escalation.id,
        {"tindakan_koordinator": "Unit diminta menjawab hari ini."},
        actor=roles["kasi"],
    )
    step(deployed, ctx, iid, "tindak_lanjut", roles["kabid"], FOLLOWED_UP)
    assert ready_task(deployed, iid).bpmn_id == "evaluasi_tindak_lanjut"


def test_perpusnas_follow_up_deadline_is_the_configured_rule(session, ctx, roles, tmp_path, monkeypatch):
    """The follow-up days are ``lapor_tindak_lanjut`` of the deadlines file (as in Sanggau), not written into
    the diagram: the shipped file deploys over a version that had them written in as a new version (the
    catalog's deploy), and a changed file changes a new complaint's deadline."""
    from tasks_ui.cli import deploy_directory

    shipped = (PROCESSES / "perpusnas_pengaduan.bpmn").read_text(encoding="utf-8")
    configured = "deadline_after(received_at, &quot;lapor_tindak_lanjut&quot;)"
    assert configured in shipped and "working_days_after" not in shipped
    users.load_roles(session, ctx, PROCESSES / "roles.json")
    written_in = shipped.replace(configured, "working_days_after(received_at, 5)").encode()
    deploy.deploy_process(session, ctx, written_in, shipped_forms(), actor=SYSTEM_INIT,
                          filename="perpusnas_pengaduan.bpmn")
    rules = json.loads((PROCESSES / "deadlines.json").read_text(encoding="utf-8"))
    assert rules["lapor_tindak_lanjut"]["working_days"] == 5
    rules["lapor_tindak_lanjut"]["working_days"] = 8
    (tmp_path / "deadlines.json").write_text(json.dumps(rules), encoding="utf-8")
    monkeypatch.setenv("ALUR_DEADLINES_FILE", str(tmp_path / "deadlines.json"))

    def follow_up_due(version_number: int):
        sub = _complaint(session, ctx)
        assert sub.instance.version.version == version_number
        step(session, ctx, sub.instance.id, "terima_pengaduan", roles["petugas"], RECEIVED)
        timer = session.scalars(select(Timer).where(Timer.instance_id == sub.instance.id,
                                                    Timer.bpmn_id == "tenggat_tindak_lanjut")).one()
        return timer.due_at.replace(tzinfo=UTC)

    assert follow_up_due(1) == ctx.calendar.add_working_days(START, 5).astimezone(UTC)  # written in
    assert deploy_directory(session, ctx, PROCESSES, out=lambda *_: None) == 0
    version = runtime.latest_version(session, "perpusnas_pengaduan")
    assert version.version == 2 and version.sop_number == "Perka Perpustakaan Nasional RI No. 5 Tahun 2016"
    assert follow_up_due(2) == ctx.calendar.add_working_days(START, 8).astimezone(UTC)


# -- Layanan Sertifikasi Profesi Pustakawan -------------------------------------------------------------

REGISTRATION = {
    "nomor_pendaftaran": "SERT-2026-0117",
    "nama_sesuai_ijazah": "DEWI LESTARI",
    "instansi": "Perpustakaan Kota Bogor",
    "pendidikan_terakhir": "D3",
    "pendidikan_ilmu_perpustakaan": True,
    "sertifikat_pelatihan": False,
    "pengalaman_kerja_tahun": 1,
    "pengalaman_berkelanjutan": True,
    "klaster": "Layanan Perpustakaan",
    "asesmen_mandiri_daring": True,
    "surat_rekomendasi_diunggah": True,
}
SCHEDULE = {
    "tanggal_asesmen": "2026-04-07",
    "tempat_asesmen": "Gedung Perpusnas, Jl. Salemba Raya 28A",
    "nama_asesor": "Drs. Bambang Wijaya",
}


def _apply(session, ctx, roles, **registration) -> int:
    instance = runtime.start_instance(
        session, ctx, "sertifikasi_pustakawan", {"kanal": "portal_siap"}, actor=roles["petugas"]
    )
    step(session, ctx, instance.id, "periksa_pendaftaran", roles["petugas"], {**REGISTRATION, **registration})
    return instance.id


def _variables(session, ctx, instance_id: int) -> dict:
    """The data the instance's waiting step sees (read from its stored state through the engine)."""
    from SpiffWorkflow.util.task import TaskState

    workflow = runtime.load_workflow(_finished(session, instance_id), ctx)
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    return task.data


@pytest.mark.parametrize(
    ("registration", "basis"),
    [
        ({}, "ijazah_ilmu_perpustakaan"),
        ({"pendidikan_terakhir": "D2"}, "ijazah_ilmu_perpustakaan"),
        (
            {
                "pendidikan_terakhir": "D4_S1",
                "pendidikan_ilmu_perpustakaan": False,
                "sertifikat_pelatihan": True,
            },
            "ijazah_lain_dan_pelatihan",
        ),
        (
            {
                "pendidikan_terakhir": "SLTA",
                "pendidikan_ilmu_perpustakaan": False,
                "pengalaman_kerja_tahun": 2,
            },
            "pengalaman_kerja",
        ),
        (
            {"pendidikan_terakhir": "S2", "pendidikan_ilmu_perpustakaan": False, "pengalaman_kerja_tahun": 3},
            "pengalaman_kerja",
        ),
    ],
)
def test_eligibility_by_education_and_experience(deployed, ctx, roles, registration, basis):
    iid = _apply(deployed, ctx, roles, **registration)
    assert ready_task(deployed, iid).bpmn_id == "jadwalkan_asesmen"
    assert _variables(deployed, ctx, iid)["dasar_kelayakan"] == basis


@pytest.mark.parametrize(
    "registration",
    [
        {"pendidikan_terakhir": "SLTA", "pendidikan_ilmu_perpustakaan": False, "pengalaman_kerja_tahun": 1},
        {
            "pendidikan_terakhir": "SLTA",
            "pendidikan_ilmu_perpustakaan": True,
            "sertifikat_pelatihan": True,
            "pengalaman_kerja_tahun": 5,
            "pengalaman_berkelanjutan": False,
        },
        {"pendidikan_terakhir": "D3", "pendidikan_ilmu_perpustakaan": False, "pengalaman_kerja_tahun": 0},
    ],
)
def test_not_eligible_is_told_and_ends(deployed, ctx, roles, registration):
    iid = _apply(deployed, ctx, roles, **registration)
    assert _variables(deployed, ctx, iid)["memenuhi_syarat"] is False
    step(
        deployed,
        ctx,
        iid,
        "sampaikan_tidak_memenuhi",
        roles["petugas"],
        {
            "pemberitahuan_persyaratan": (
                "Ikuti pelatihan berbasis kompetensi bidang perpustakaan, lalu daftar kembali."
            ),
            "tanggal_pemberitahuan_persyaratan": "2026-03-16",
        },
    )
    assert _finished(deployed, iid).status == "completed"
    assert step_ids(deployed, iid) == ["periksa_pendaftaran", "sampaikan_tidak_memenuhi"]


def test_certificate_issued_after_complete_documents_and_competent_assessment(deployed, ctx, roles):
    iid = _apply(deployed, ctx, roles)
    step(deployed, ctx, iid, "jadwalkan_asesmen", roles["petugas"], SCHEDULE)
    step(deployed, ctx, iid, "periksa_berkas", roles["petugas"], {**SERTIFIKASI_DOCUMENTS, "berkas_lengkap": True})
    assert ready_task(deployed, iid).role == "asesor"
    with pytest.raises(NotYourRole):
        step(
            deployed,
            ctx,
            iid,
            "asesmen",
            roles["kasi"],
            {"rekomendasi_asesor": "kompeten", "catatan_asesor": "x"},
        )
    step(
        deployed,
        ctx,
        iid,
        "asesmen",
        ASESOR,
        {"rekomendasi_asesor": "kompeten", "catatan_asesor": "Bukti kerja layanan referensi memadai."},
    )
    step(
        deployed,
        ctx,
        iid,
        "terbitkan_sertifikat",
        roles["petugas"],
        {"nomor_sertifikat": "LSP-PUS/2026/0117", "tanggal_terbit": "2026-04-20"},
    )
    assert _finished(deployed, iid).status == "completed"
    assert step_ids(deployed, iid)[-3:] == ["periksa_berkas", "asesmen", "terbitkan_sertifikat"]


def test_missing_documents_reschedule_then_not_yet_competent(deployed, ctx, roles):
    iid = _apply(deployed, ctx, roles)
    step(deployed, ctx, iid, "jadwalkan_asesmen", roles["petugas"], SCHEDULE)
    with pytest.raises(InvalidData):  # "complete" while a required document is not ticked
        step(
            deployed,
            ctx,
            iid,
            "periksa_berkas",
            roles["petugas"],
            {**SERTIFIKASI_DOCUMENTS, "materai": False, "berkas_lengkap": True},
        )
    with pytest.raises(InvalidData):  # incomplete without saying what is missing
        step(deployed, ctx, iid, "periksa_berkas", roles["petugas"], {**SERTIFIKASI_DOCUMENTS, "berkas_lengkap": False})
    step(
        deployed,
        ctx,
        iid,
        "periksa_berkas",
        roles["petugas"],
        {
            **SERTIFIKASI_DOCUMENTS,
            "materai": False,
            "berkas_lengkap": False,
            "kekurangan_berkas": "Materai 10.000 dua buah.",
        },
    )
    step(
        deployed,
        ctx,
        iid,
        "jadwalkan_asesmen",
        roles["petugas"],
        {**SCHEDULE, "tanggal_asesmen": "2026-04-14"},
    )
    step(deployed, ctx, iid, "periksa_berkas", roles["petugas"], {**SERTIFIKASI_DOCUMENTS, "berkas_lengkap": True})
    step(
        deployed,
        ctx,
        iid,
        "asesmen",
        ASESOR,
        {"rekomendasi_asesor": "belum_kompeten", "catatan_asesor": "Bukti pengolahan bahan belum cukup."},
    )
    step(
        deployed,
        ctx,
        iid,
        "sampaikan_hasil",
        roles["petugas"],
        {
            "pemberitahuan_hasil": "Lengkapi bukti pengolahan bahan pustaka.",
            "tanggal_pemberitahuan_hasil": "2026-04-21",
        },
    )
    assert _finished(deployed, iid).status == "completed"
    assert step_ids(deployed, iid) == [
        "periksa_pendaftaran",
        "jadwalkan_asesmen",
        "periksa_berkas",
        "jadwalkan_asesmen",
        "periksa_berkas",
        "asesmen",
        "sampaikan_hasil",
    ]


def test_registration_form_rules(deployed, ctx, roles):
    instance = runtime.start_instance(deployed, ctx, "sertifikasi_pustakawan", {}, actor=roles["petugas"])
    task = ready_task(deployed, instance.id, "periksa_pendaftaran")
    for bad in (
        {"nama_sesuai_ijazah": "Dewi Lestari"},
        {"asesmen_mandiri_daring": False},
        {"pengalaman_kerja_tahun": -1},
        {"pendidikan_terakhir": "SMP"},
    ):
        with pytest.raises(InvalidData) as refused:
            runtime.complete_task(deployed, ctx, task.id, {**REGISTRATION, **bad}, actor=roles["petugas"])
        assert set(refused.value.fields()) == set(bad), bad


def test_certification_is_not_a_complaint_and_only_the_secretariat_starts_it(deployed, ctx, roles):
    version = runtime.latest_version(deployed, "sertifikasi_pustakawan")
    assert not version.is_complaint and sorted(version.summary["lanes"]) == ["asesor", "petugas"]
    for outsider in (roles["kasi"], ASESOR):
        with pytest.raises(NotYourRole):
            runtime.start_instance(deployed, ctx, "sertifikasi_pustakawan", {}, actor=outsider)
    assert (
        deployed.scalar(
            select(ProcessInstance.id).where(ProcessInstance.process_key == "sertifikasi_pustakawan")
        )
        is None
    ), "a refused start stores nothing"
