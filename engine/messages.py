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
    "concurrent_update": (
        "Pengaduan ini baru saja diubah oleh orang lain; tidak ada yang diubah. Muat ulang dan coba lagi.",
        "This complaint was just changed by someone else; nothing was changed. Reload and try again.",
    ),
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
    "form_invalid": ("Formulir '{form}' bukan JSON Schema yang valid: {detail}", "Form '{form}' is not a valid JSON Schema: {detail}"),
    "duration_invalid": (
        "standard_duration '{value}' bukan durasi ISO 8601 (contoh: PT45M).",
        "standard_duration '{value}' is not an ISO 8601 duration (e.g. PT45M).",
    ),
    "timer_empty": ("Ekspresi timer kosong.", "The timer expression is empty."),
    "timer_unquoted": (
        "Ekspresi timer {value} harus diberi tanda kutip: \"{value}\" (ekspresi adalah Python).",
        "Timer expression {value} must be quoted: \"{value}\" (expressions are Python).",
    ),
    "timer_cron": (
        "Ekspresi timer '{value}' tampaknya sintaks cron; gunakan ISO 8601 (mis. \"R/2026-01-01T08:00:00+07:00/P1M\").",
        "Timer expression '{value}' looks like cron syntax; use ISO 8601 (e.g. \"R/2026-01-01T08:00:00+07:00/P1M\").",
    ),
    "timer_invalid": ("Ekspresi timer '{value}' tidak valid: {detail}", "Timer expression '{value}' is not valid: {detail}"),
    "timer_past": (
        "Tanggal timer {value} sudah lewat.",
        "Timer date {value} is in the past.",
    ),
    "unknown_function": (
        "Fungsi '{name}' tidak dikenal (tersedia: {known}).",
        "Unknown function '{name}' (available: {known}).",
    ),
    "script_syntax": ("Skrip/kondisi tidak dapat dikompilasi: {detail}", "Script/condition does not compile: {detail}"),
    "script_forbidden": ("Skrip/kondisi memakai hal terlarang: {detail}", "Script/condition uses something forbidden: {detail}"),
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
