"""UI strings of the process pages and the editor: key → (Bahasa Indonesia, English)."""

from ..translations import register

TEXTS = {
    "ed_nav": ("Kelola proses", "Manage processes"),
    "ed_title": ("Proses dan versinya", "Processes and their versions"),
    "ed_intro": ("Setiap pemasangan menjadi versi baru yang tidak dapat diubah. Pengaduan yang sedang berjalan "
                 "tetap pada versinya kecuali dipindahkan dengan sengaja.",
                 "Every deploy is a new immutable version. Complaints under way stay on their version unless "
                 "moved on purpose."),
    "ed_versions": ("Versi", "Versions"),
    "ed_author": ("Pembuat", "Author"),
    "ed_effective": ("Tanggal berlaku", "Effective date"),
    "ed_running": ("Berjalan", "Running"),
    "ed_completed": ("Selesai", "Completed"),
    "ed_download": ("Unduh .bpmn", "Download .bpmn"),
    "ed_open": ("Buka", "Open"),
    "ed_edit": ("Ubah di editor", "Edit in the editor"),
    "ed_new_process": ("Proses baru", "New process"),
    "ed_upload": ("Unggah .bpmn", "Upload .bpmn"),
    "ed_diagram": ("Diagram", "Diagram"),
    "ed_diff": ("Bandingkan versi", "Compare versions"),
    "ed_migrate": ("Pindahkan pengaduan berjalan", "Move running instances"),
    "ed_drafts": ("Draf", "Drafts"),
    "ed_no_drafts": ("Belum ada draf.", "No drafts yet."),
    "ed_revision": ("Revisi", "Revision"),
    "ed_updated": ("Diubah", "Updated"),
    "ed_steps": ("Langkah", "Steps"),
    "ed_lane": ("Lajur / peran", "Lane / role"),
    "ed_form": ("Formulir", "Form"),
    "ed_timers": ("Timer SLA", "SLA timers"),
}
register(TEXTS)
