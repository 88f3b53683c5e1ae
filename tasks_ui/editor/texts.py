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

TEXTS_MORE = {
    "ed_editor_title": ("Editor proses", "Process editor"),
    "ed_save": ("Simpan draf", "Save draft"),
    "ed_upload_label": ("Unggah .bpmn", "Upload .bpmn"),
    "ed_deploy": ("Pasang sebagai versi baru", "Deploy as a new version"),
    "ed_problems_title": ("Masalah", "Problems"),
    "ed_properties": ("Properti Alur", "Alur properties"),
    "ed_draft_of": ("Draf", "Draft"),
    "ed_blank": ("Diagram kosong", "Blank diagram"),
    "ed_new_or_upload": ("Mulai dari diagram kosong atau unggah berkas dari modeler lain (Camunda, Signavio, "
                         "Bizagi).", "Start from a blank diagram or upload a file from another modeler "
                                    "(Camunda, Signavio, Bizagi)."),
    "ed_create": ("Buat draf", "Create draft"),
    "ed_phone_hint": ("Di ponsel: pilih lajur atau langkah untuk mengubah propertinya; untuk menggambar "
                      "langkah baru gunakan layar yang lebih lebar.",
                      "On a phone: select a lane or step to change its properties; drawing new steps needs a "
                      "wider screen."),
    "ed_watermark": ("Diagram digambar dengan bpmn-js (bpmn.io).", "Diagrams drawn with bpmn-js (bpmn.io)."),
}
register(TEXTS_MORE)

#: Strings the editor's script shows, key → (Bahasa Indonesia, English).
JS_TEXTS = {
    "select_hint": ("Pilih lajur, langkah atau timer pada diagram untuk mengatur properti Alur.",
                    "Select a lane, step or timer on the diagram to set Alur's properties."),
    "lane_role": ("Peran lajur", "Lane role"),
    "lane_role_hint": ("Nama lajur adalah kunci peran; langkah di lajur ini muncul di kotak masuk peran itu.",
                       "The lane name is the role key; steps in this lane appear in that role's inbox."),
    "choose": ("pilih", "choose"),
    "standard_duration": ("Waktu standar (kolom Waktu SOP)", "Standard time (SOP Waktu column)"),
    "duration_hint": ("Tulis seperti di SOP: \"45 menit\", \"1 jam\", \"1 jam 30 menit\".",
                      "Write it as in the SOP: \"45 menit\", \"1 jam\", \"1 jam 30 menit\"."),
    "duration_bad": ("Tidak terbaca. Contoh: 45 menit, 1 jam, 1 jam 30 menit.",
                     "Not understood. Examples: 45 menit, 1 jam, 1 jam 30 menit."),
    "form": ("Formulir", "Form"),
    "edit_schema": ("Ubah skema", "Edit schema"),
    "new_form": ("Formulir baru", "New form"),
    "new_form_name": ("Nama berkas formulir (…schema.json):", "Form file name (…schema.json):"),
    "form_name_bad": ("Nama berkas harus berakhiran .json dan hanya memuat huruf, angka, titik, - atau _.",
                      "The file name must end in .json and contain only letters, digits, '.', '-' or '_'."),
    "apply_schema": ("Terapkan skema", "Apply schema"),
    "schema_bad": ("JSON tidak valid:", "Invalid JSON:"),
    "schema_object": ("skema harus objek dengan \"type\": \"object\"",
                      "the schema must be an object with \"type\": \"object\""),
    "choose_form_first": ("Pilih formulir dahulu.", "Choose a form first."),
    "form_unknown": ("Formulir ini belum dikenal.", "This form is not known."),
    "no_form": ("Belum ada formulir.", "No form yet."),
    "output": ("Keluaran (Output SOP)", "Output (SOP)"),
    "working_days": ("Tenggat SLA (hari kerja sejak diterima)", "SLA deadline (working days after receipt)"),
    "working_days_hint": ("Ditulis sebagai working_days_after(received_at, N); hari libur dan cuti bersama "
                          "tidak dihitung.", "Written as working_days_after(received_at, N); holidays are skipped."),
    "timer_expression": ("Ekspresi timer", "Timer expression"),
    "timer_hint": ("Ekspresi Python: durasi harus bertanda kutip, mis. \"PT1H\".",
                   "A Python expression: durations must be quoted, e.g. \"PT1H\"."),
    "problems": ("Masalah", "Problems"),
    "problem_count": ("{n} masalah", "{n} problem(s)"),
    "no_problems": ("Tidak ada masalah.", "No problems."),
    "fix_button": ("Perbaiki otomatis", "Fix automatically"),
    "fixed": ("Perbaikan diterapkan; simpan draf untuk menyimpannya.", "Fix applied; save the draft to keep it."),
    "saving": ("Menyimpan…", "Saving…"),
    "saved": ("Draf tersimpan (revisi {n}).", "Draft saved (revision {n})."),
    "unsaved": ("Ada perubahan yang belum disimpan.", "There are unsaved changes."),
    "ready": ("Siap.", "Ready."),
    "deploy_needs": ("Isi nomor SOP dan tanggal berlaku sebelum memasang.",
                     "Enter the SOP number and effective date before deploying."),
    "deploy_blocked": ("Perbaiki semua masalah sebelum memasang.", "Fix every problem before deploying."),
    "deployed": ("Terpasang sebagai versi {v}.", "Deployed as version {v}."),
    "to_process": ("Lihat proses", "View the process"),
    "upload_bad": ("Berkas tidak dapat dibuka:", "The file cannot be opened:"),
}


def js_texts(lang: str) -> dict[str, str]:
    """The editor script's strings in ``lang``."""
    return {key: (en if lang == "en" else id_) for key, (id_, en) in JS_TEXTS.items()}

TEXTS_VERSIONS = {
    "ed_compare_title": ("Perbandingan versi", "Version comparison"),
    "ed_from": ("Dari versi", "From version"),
    "ed_to": ("Ke versi", "To version"),
    "ed_show": ("Tampilkan", "Show"),
    "ed_no_changes": ("Tidak ada perubahan langkah, lajur, waktu standar, formulir, timer atau kondisi.",
                      "No change in steps, lanes, standard times, forms, timers or conditions."),
    "ed_legend_added": ("ditambahkan", "added"),
    "ed_legend_removed": ("dihapus", "removed"),
    "ed_legend_changed": ("diubah", "changed"),
    "ed_migrate_title": ("Pindahkan instans yang berjalan", "Move running instances"),
    "ed_migrate_intro": ("Uji coba: daftar di bawah menunjukkan instans mana yang dapat pindah dan alasan bagi "
                         "yang tidak. Setiap pemindahan dicatat dalam jejak audit dan dapat dibatalkan selama "
                         "instans belum berlanjut.",
                         "Dry run: the list shows which instances can move and why the others cannot. Every move "
                         "is audited and can be reverted as long as the instance has not moved on."),
    "ed_instance": ("Instans", "Instance"),
    "ed_stage": ("Tahap", "Stage"),
    "ed_can_move": ("Dapat pindah", "Can move"),
    "ed_reason": ("Keterangan", "Notes"),
    "ed_move_selected": ("Pindahkan yang dipilih", "Move the selected"),
    "ed_none_running": ("Tidak ada instans berjalan pada versi ini.", "No running instance on this version."),
    "ed_migrations": ("Riwayat pemindahan", "Migrations"),
    "ed_revert": ("Batalkan", "Revert"),
    "ed_reverted": ("dibatalkan", "reverted"),
    "ed_yes": ("Ya", "Yes"),
    "ed_no": ("Tidak", "No"),
}
register(TEXTS_VERSIONS)
