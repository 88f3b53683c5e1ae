"""The message catalog: error and lint codes → Indonesian and English text (data, not logic)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "error": ("Terjadi kesalahan.", "An error occurred."),
    "not_found": ("{what} tidak ditemukan.", "{what} not found."),
    "invalid_process": (
        "Diagram BPMN tidak dapat dipasang: {count} masalah ditemukan.",
        "The BPMN diagram cannot be deployed: {count} problem(s) found.",
    ),
    "invalid_data": ("Isian formulir belum benar ({count} kolom).", "The form data is not valid ({count} field(s))."),
    "not_your_role": (
        "Langkah ini untuk peran {role}; Anda tidak memegang peran tersebut.",
        "This step is for the role {role}; you do not hold that role.",
    ),
    "task_not_ready": (
        "Langkah ini tidak lagi menunggu isian (sudah diselesaikan atau dibatalkan).",
        "This step is no longer waiting (already completed or cancelled).",
    ),
    "task_claimed": ("Langkah ini sedang dipegang oleh {user}.", "This step is held by {user}."),
    "database_unavailable": (
        "Basis data sedang tidak dapat dihubungi; tidak ada yang diubah. Coba lagi sebentar lagi.",
        "The database cannot be reached right now; nothing was changed. Try again in a moment.",
    ),
    "schema_unversioned": (
        "Basis data ini sudah berisi {count} tabel Alur ({tables}) tetapi tanpa catatan versi skema "
        "(tabel alembic_version). Alur tidak tahu cara memperbaruinya dengan aman, jadi tidak ada yang diubah. "
        "Jika basis data ini dibuat oleh Alur sebelum migrasi ada, jalankan `alur init --adopt` (hanya "
        "diterima bila skemanya persis sama dengan skema kode ini); jika tidak, gunakan basis data kosong.",
        "This database already holds {count} Alur table(s) ({tables}) but no schema version record (table "
        "alembic_version). Alur cannot tell how to upgrade it safely, so nothing was changed. If Alur made this "
        "database before migrations existed, run `alur init --adopt` (accepted only when its schema is exactly "
        "this code's schema); otherwise use an empty database.",
    ),
    "schema_unknown_revision": (
        "Basis data ini berada pada versi skema {revision}, yang tidak dikenal oleh kode ini (dikenal: "
        "{known}). Mungkin dibuat oleh versi Alur yang lebih baru; tidak ada yang diubah. Pasang versi Alur "
        "yang sesuai, atau pulihkan cadangan yang cocok dengan versi ini.",
        "This database is at schema revision {revision}, which this code does not know (known: {known}). A newer "
        "Alur may have made it; nothing was changed. Install the matching Alur version, or restore a backup "
        "that matches this one.",
    ),
    "schema_adopt_not_needed": (
        "Basis data ini tidak perlu diadopsi (keadaan: {state}); jalankan `alur init` tanpa --adopt.",
        "This database needs no adoption (state: {state}); run `alur init` without --adopt.",
    ),
    "schema_adopt_mismatch": (
        "Skema basis data ini berbeda dari skema kode ini ({count} perbedaan, mis. {first}); tidak diadopsi, "
        "tidak ada yang diubah.",
        "This database's schema differs from this code's schema ({count} difference(s), e.g. {first}); not "
        "adopted, nothing was changed.",
    ),
    "concurrent_update": (
        "Pengaduan ini baru saja diubah oleh orang lain; tidak ada yang diubah. Muat ulang dan coba lagi.",
        "This complaint was just changed by someone else; nothing was changed. Reload and try again.",
    ),
    "needs_confirmation": ("Permintaan ini perlu dikonfirmasi.", "This request needs confirmation."),
    "auth_failed": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "invalid_input": ("{detail}", "{detail}"),
    "script_refused": (
        "Skrip pada elemen {element} ditolak: {detail}",
        "The script of element {element} was refused: {detail}",
    ),
    "version_missing": (
        "Versi proses tempat instans {instance_id} berjalan tidak tersimpan atau tidak terbaca; "
        "riwayatnya tidak dapat diputar ulang.",
        "The process version instance {instance_id} ran on is missing or unreadable; its history cannot be replayed.",
    ),
    # form validation (per field)
    "field_required": ("Wajib diisi.", "Required."),
    "field_min_length": ("Minimal {limit} karakter.", "At least {limit} characters."),
    "field_max_length": ("Maksimal {limit} karakter.", "At most {limit} characters."),
    "field_choice": ("Pilihan tidak valid.", "Not a valid choice."),
    "field_format": ("Format tidak valid (harus {format}).", "Invalid format (expected {format})."),
    "field_type": ("Jenis isian tidak valid (harus {type}).", "Invalid value type (expected {type})."),
    "field_pattern": ("Format isian tidak sesuai.", "The value does not have the expected format."),
    "field_range": ("Nilai di luar batas ({limit}).", "Value out of range ({limit})."),
    "field_unknown": ("Kolom tidak dikenal.", "Unknown field."),
    "field_one_of_contact": (
        "Isi nomor telepon atau alamat e-mail.",
        "Give a phone number or an e-mail address.",
    ),
    "field_invalid": ("Isian tidak valid: {detail}", "Invalid value: {detail}"),
    # lint
    "xml_malformed": ("Berkas bukan XML yang valid: {detail}", "The file is not well-formed XML: {detail}"),
    "xml_entities": (
        "Berkas memuat deklarasi DOCTYPE/entitas; ini tidak diizinkan demi keamanan.",
        "The file declares a DOCTYPE/entities; not allowed for security reasons.",
    ),
    "not_bpmn": ("Berkas bukan diagram BPMN 2.0 (elemen akar {root}).", "Not a BPMN 2.0 file (root {root})."),
    "bpmn_invalid": ("Diagram tidak valid: {detail}", "The diagram is not valid: {detail}"),
    "no_executable_process": (
        "Tidak ada proses yang dapat dijalankan (isExecutable) dalam berkas.",
        "The file has no executable process.",
    ),
    "several_processes": (
        "Berkas memuat lebih dari satu proses yang dapat dijalankan; pasang satu proses per berkas.",
        "The file holds several executable processes; deploy one process per file.",
    ),
    "task_without_lane": (
        "Langkah pengguna '{name}' tidak berada dalam lajur (lane) mana pun.",
        "User task '{name}' is not in any lane.",
    ),
    "unknown_role": (
        "Lajur '{lane}' bukan peran yang dikenal (peran: {roles}).",
        "Lane '{lane}' is not a known role (roles: {roles}).",
    ),
    "form_missing": (
        "Langkah '{name}' tidak menyebut formulir (formJsonSchemaFilename).",
        "Step '{name}' names no form (formJsonSchemaFilename).",
    ),
    "form_not_found": ("Formulir '{form}' tidak ditemukan.", "Form '{form}' was not found."),
    "form_invalid": (
        "Formulir '{form}' bukan JSON Schema yang valid: {detail}",
        "Form '{form}' is not a valid JSON Schema: {detail}",
    ),
    "duration_invalid": (
        "standard_duration '{value}' bukan durasi ISO 8601 (contoh: PT45M).",
        "standard_duration '{value}' is not an ISO 8601 duration (e.g. PT45M).",
    ),
    "timer_empty": (
        "Ekspresi timer kosong. Isi durasi bertanda kutip (mis. \"PT1H\") atau tenggat hari kerja "
        "(mis. working_days_after(received_at, 7)).",
        "The timer expression is empty. Enter a quoted duration (e.g. \"PT1H\") or a working-day deadline "
        "(e.g. working_days_after(received_at, 7)).",
    ),
    "timer_unquoted": (
        "Ekspresi timer {value} harus diberi tanda kutip: \"{value}\" (ekspresi adalah Python).",
        "Timer expression {value} must be quoted: \"{value}\" (expressions are Python).",
    ),
    "timer_cron": (
        "Ekspresi timer '{value}' tampaknya sintaks cron; gunakan ISO 8601 (mis. \"R/2026-01-01T08:00:00+07:00/P1M\").",
        "Timer expression '{value}' looks like cron syntax; use ISO 8601 (e.g. \"R/2026-01-01T08:00:00+07:00/P1M\").",
    ),
    "timer_invalid": (
        "Ekspresi timer '{value}' tidak valid: {detail}",
        "Timer expression '{value}' is not valid: {detail}",
    ),
    "timer_past": (
        "Tanggal timer {value} sudah lewat.",
        "Timer date {value} is in the past.",
    ),
    "unknown_function": (
        "Fungsi '{name}' tidak dikenal (tersedia: {known}).",
        "Unknown function '{name}' (available: {known}).",
    ),
    "unknown_deadline": (
        "Tenggat bernama '{name}' tidak ada di processes/deadlines.json (tersedia: {known}).",
        "No deadline named '{name}' in processes/deadlines.json (available: {known}).",
    ),
    "deadline_call": (
        "deadline_after perlu dua argumen: waktu dan nama tenggat dalam tanda kutip, mis. "
        "deadline_after(received_at, \"lapor_verifikasi\") (tersedia: {known}).",
        "deadline_after needs two arguments: the instant and a quoted deadline name, e.g. "
        "deadline_after(received_at, \"lapor_verifikasi\") (available: {known}).",
    ),
    "script_syntax": ("Skrip/kondisi tidak dapat dikompilasi: {detail}", "Script/condition does not compile: {detail}"),
    "script_forbidden": (
        "Skrip/kondisi memakai hal terlarang: {detail}",
        "Script/condition uses something forbidden: {detail}",
    ),
    # editor lint and import help: what it is, where, how to fix it
    "unreachable": (
        "Elemen '{name}' tidak dapat dicapai dari peristiwa mulai. Hubungkan dengan alur (sequence flow) "
        "atau hapus.",
        "Element '{name}' cannot be reached from a start event. Connect it with a sequence flow or delete it.",
    ),
    "no_start_event": (
        "'{name}' tidak memiliki peristiwa mulai (start event). Tambahkan satu lingkaran mulai.",
        "'{name}' has no start event. Add one.",
    ),
    "no_end_event": (
        "'{name}' tidak memiliki peristiwa selesai (end event). Tambahkan lingkaran selesai di akhir alur.",
        "'{name}' has no end event. Add one at the end of the flow.",
    ),
    "lane_unknown_role": (
        "Lajur '{lane}' bukan peran yang dikenal. Pilih peran lajur: {roles}.",
        "Lane '{lane}' is not a known role. Choose the lane's role: {roles}.",
    ),
    "service_task_no_operator": (
        "Tugas layanan (serviceTask) '{name}' tidak memiliki operator, jadi Alur tidak tahu apa yang harus "
        "dijalankan. Ubah menjadi langkah pengguna (userTask) dengan formulir bila dikerjakan petugas, "
        "atau skrip (scriptTask).",
        "Service task '{name}' has no operator, so Alur does not know what to run. Make it a user task with "
        "a form if an official does it, or a script task.",
    ),
    "message_task_no_message": (
        "Tugas kirim/terima '{name}' tidak menyebut pesan (messageRef). Ubah menjadi langkah pengguna "
        "(userTask) yang mencatat pengiriman/penerimaan.",
        "Send/receive task '{name}' names no message. Make it a user task that records the sending/receipt.",
    ),
    "data_store": (
        "Penyimpanan data (data store) '{name}' tidak dapat dijalankan; data Alur tersimpan pada pengaduan "
        "itu sendiri. Hapus penyimpanan data (perbaikan otomatis tersedia).",
        "Data store '{name}' cannot run; Alur keeps data with the instance. Remove the data store "
        "(automatic fix available).",
    ),
    "condition_missing": (
        "Alur '{name}' dari gerbang '{gateway}' tidak memiliki kondisi dan bukan alur bawaan (default). "
        "Tulis kondisi Python (mis. lengkap == True) atau jadikan alur bawaan.",
        "Flow '{name}' out of gateway '{gateway}' has no condition and is not the default. Write a Python "
        "condition (e.g. lengkap == True) or make it the default flow.",
    ),
    "condition_missing_sole": (
        "Alur '{name}' dari gerbang '{gateway}' tidak memiliki kondisi dan bukan alur bawaan (default). "
        "Karena hanya alur ini yang tanpa kondisi, jadikan alur bawaan (perbaikan otomatis tersedia).",
        "Flow '{name}' out of gateway '{gateway}' has no condition and is not the default. It is the only "
        "one without a condition: make it the default flow (automatic fix available).",
    ),
    "implicit_split": (
        "Langkah '{name}' memiliki {count} alur keluar tanpa gerbang (percabangan tersirat). Sisipkan "
        "gerbang paralel agar semua cabang berjalan (perbaikan otomatis tersedia).",
        "Step '{name}' has {count} outgoing flows without a gateway (implicit split). Insert a parallel "
        "gateway so every branch runs (automatic fix available).",
    ),
    "implicit_split_conditional": (
        "Langkah '{name}' memiliki {count} alur keluar bersyarat tanpa gerbang. Sisipkan gerbang eksklusif "
        "dan pindahkan kondisinya ke alur-alur gerbang itu.",
        "Step '{name}' has {count} conditional outgoing flows without a gateway. Insert an exclusive gateway "
        "and move the conditions to its flows.",
    ),
    "call_missing": (
        "Pemanggilan proses (callActivity) '{name}' memanggil '{target}', yang tidak ada dalam berkas ini "
        "maupun di antara proses terpasang. Pasang proses itu dahulu atau perbaiki calledElement.",
        "Call activity '{name}' calls '{target}', which is neither in this file nor deployed. Deploy that "
        "process first or correct calledElement.",
    ),
    "not_executable": (
        "Proses '{name}' ditandai tidak dapat dijalankan (isExecutable=false), seperti ekspor Signavio/Bizagi. "
        "Tandai dapat dijalankan (perbaikan otomatis tersedia).",
        "Process '{name}' is marked not executable (isExecutable=false), as Signavio/Bizagi export it. Mark it "
        "executable (automatic fix available).",
    ),
    "draft_identical": (
        "Draf ini sama dengan versi {version} yang sudah terpasang (diagram dan formulirnya sama): tidak ada versi "
        "baru. Ubah diagram atau formulir dahulu.",
        "This draft is identical to deployed version {version} (same diagram and forms): no new version. Change "
        "the diagram or a form first.",
    ),
    "draft_unchanged": (
        "Isi draf ini sama dengan versi {version} yang berlaku: prosesnya (langkah, lajur, waktu standar, timer, "
        "alur dan syaratnya, skrip) dan formulirnya tidak berubah; yang berbeda hanya tata letak atau format "
        "diagram. Tetap pasang sebagai versi baru, misalnya untuk nomor SOP baru?",
        "This draft has the same content as version {version} in force: its process (steps, lanes, standard "
        "times, timers, flows and their conditions, scripts) and its forms are unchanged; only the diagram's "
        "layout or format differs. Deploy it as a new version anyway, e.g. for a new SOP number?",
    ),
    "draft_conflict": (
        "Draf ini sudah disimpan oleh {user} (revisi {revision}) sejak Anda membukanya; simpanan Anda tidak "
        "menimpanya. Muat ulang draf, lalu ulangi perubahan Anda.",
        "This draft was saved by {user} (revision {revision}) since you opened it; your save did not overwrite "
        "it. Reload the draft and redo your change.",
    ),
    "process_migration_refused": ("{detail}", "{detail}"),
    # the hash chain (engine/audit.py): why it is broken
    "chain_event_missing": ("catatan nomor {seq} hilang", "event {seq} is missing"),
    "chain_link_broken": ("tautan ke catatan sebelumnya putus", "link to the previous event is broken"),
    "chain_hash_mismatch": ("isi catatan tidak cocok dengan hash-nya", "content does not match its hash"),
    "chain_tail_removed": ("catatan sesudah catatan terakhir telah dihapus", "events after the last one were removed"),
    # re-execution proof (engine/replay.py): why a replay diverged from the log
    "replay_step_not_ready": ("langkah ini tidak siap dikerjakan dalam eksekusi ulang",
                              "the step is not ready in the replay"),
    "replay_data_differs": ("data sesudah langkah berbeda pada {fields}", "data after the step differs in {fields}"),
    "replay_other_events": ("eksekusi ulang menghasilkan kejadian lain di titik ini",
                            "the replay produced other events here"),
    "replay_event_missing": ("eksekusi ulang tidak menghasilkan kejadian ini", "the replay did not produce this event"),
    "replay_timer_deadline_differs": ("tenggat pengatur waktu berbeda", "the timer's deadline differs"),
    "replay_final_differs": ("status akhir atau jawaban berbeda", "final status or answer differs"),
    "replay_extra_events": ("eksekusi ulang menghasilkan kejadian yang tidak ada di catatan",
                            "the replay produced events the log does not have"),
    "replay_not_started_first": ("catatan tidak diawali dengan INSTANCE_STARTED",
                                 "the log does not begin with INSTANCE_STARTED"),
    "replay_started_twice": ("instans dimulai dua kali", "the instance started twice"),
    "replay_no_start": ("catatan tidak memuat kejadian INSTANCE_STARTED", "the log has no INSTANCE_STARTED event"),
    "replay_revert_without_migration": ("pemindahan versi dibatalkan padahal tidak ada pemindahan yang diputar ulang",
                                        "a migration is reverted but none was replayed"),
    "replay_failed": ("eksekusi ulang gagal: {detail}", "the replay failed: {detail}"),
}


def render(code: str, lang: str = "id", **params) -> str:
    """Format the message ``code`` in ``lang``; unknown codes fall back to the code itself."""
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts[1] if lang == "en" else texts[0]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
