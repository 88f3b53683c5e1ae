"""Helpers that drive complaints through the engine the way officials do."""

from __future__ import annotations

from sqlalchemy import select

from engine import runtime
from engine.models import HumanTask

MUBA_INTAKE = {
    "channel": "kotak_pengaduan",
    "reporter": {"name": "Budi Santoso", "address": "Jl. Merdeka 1, Sekayu", "phone": "081234567890"},
    "anonymity": "none",
    "subject": "Buku referensi hilang dari rak",
    "description": "Buku referensi kimia tidak ada di rak sejak dua minggu lalu.",
    "category": "layanan_referensi",
}
#: The officials' steps of Muba's happy path, in order: (bpmn id, role, form data). The verification names
#: ``di_luar_wewenang`` so a raw SpiffWorkflow run (no form defaults) takes the in-authority branch too.
MUBA_STEPS = [
    ("verifikasi_formulir", "petugas", {"lengkap": True, "di_luar_wewenang": False,
                                         "nomor_buku_pengaduan": "BP-017/2026"}),
    ("periksa_laporan", "kasi", {"hasil_pemeriksaan": "benar", "catatan_solusi": "Buku dipindah ke rak khusus."}),
    ("beri_solusi", "kabid", {"bentuk_jawaban": "tertulis", "jawaban": "Buku sudah kembali ke rak referensi."}),
]
#: Every document of a sertifikasi_pustakawan application checked present (the ``periksa_berkas`` form).
SERTIFIKASI_DOCUMENTS = dict.fromkeys(
    ("fr_apl_01", "fr_apl_02", "pas_foto", "fotokopi_ktp", "fotokopi_ijazah", "sk_bekerja",
     "surat_rekomendasi_atasan", "daftar_riwayat_hidup", "materai", "bukti_kompetensi"),
    True,
)


def ready_task(session, instance_id: int, bpmn_id: str | None = None) -> HumanTask:
    """The single ready (non-escalation) step of an instance, optionally checking its id."""
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                   HumanTask.state == "ready",
                                                   HumanTask.is_escalation.is_(False))).all()
    assert len(rows) == 1, [r.bpmn_id for r in rows]
    if bpmn_id is not None:
        assert rows[0].bpmn_id == bpmn_id
    return rows[0]


def step(session, ctx, instance_id: int, bpmn_id: str, actor, data: dict):
    """Complete the ready step ``bpmn_id`` of an instance as ``actor``."""
    row = ready_task(session, instance_id, bpmn_id)
    return runtime.complete_task(session, ctx, row.id, data, actor=actor)


def step_ids(session, instance_id: int) -> list[str]:
    """bpmn ids of the instance's steps in the order they became ready."""
    return list(session.scalars(select(HumanTask.bpmn_id).where(HumanTask.instance_id == instance_id)
                                .order_by(HumanTask.id)))
