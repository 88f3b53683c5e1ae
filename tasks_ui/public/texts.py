"""UI strings of the public pages: key → (Bahasa Indonesia, English)."""

from ..translations import register

TEXTS = {
    "nav_complain": ("Sampaikan pengaduan", "Submit a complaint"),
    "nav_track": ("Lacak pengaduan", "Track a complaint"),
    "choose_office_title": ("Sampaikan pengaduan", "Submit a complaint"),
    "choose_office_intro": (
        "Pilih kantor yang Anda adukan. Anda tidak perlu akun; simpan kode pelacakan yang "
        "Anda terima untuk memantau pengaduan.",
        "Choose the office your complaint is about. No account is needed; keep the "
        "tracking code you receive to follow your complaint.",
    ),
    "no_complaint_process": (
        "Belum ada layanan pengaduan yang tersedia.",
        "No complaint service is available yet.",
    ),
    "choose_office_button": ("Isi formulir", "Fill in the form"),
    "intake_title": ("Formulir pengaduan", "Complaint form"),
    "intake_privacy": (
        'Identitas Anda tidak pernah ditampilkan di halaman publik. Pilih "Anonim" agar '
        'identitas hanya diketahui petugas pencatat, atau "Rahasia" agar isi pengaduan juga '
        "tidak ditampilkan.",
        'Your identity is never shown on public pages. Choose "Anonim" so only the recording '
        'officer knows it, or "Rahasia" to keep the content private too.',
    ),
    "intake_submit": ("Kirim pengaduan", "Send complaint"),
    "receipt_title": ("Pengaduan diterima", "Complaint received"),
    "receipt_code": ("Kode pelacakan", "Tracking code"),
    "receipt_key": ("Kunci pelapor", "Reporter key"),
    "receipt_key_advice": (
        "Simpan kunci ini sekarang (catat, foto, atau cetak halaman ini). Kunci hanya "
        "ditampilkan sekali dan diperlukan bila petugas meminta Anda melengkapi pengaduan. "
        "Jangan berikan kepada orang lain.",
        "Keep this key now (write it down, take a photo or print this page). It is shown "
        "only once and you need it when the officers ask you to complete your complaint. "
        "Do not share it.",
    ),
    "receipt_track": ("Pantau pengaduan", "Follow the complaint"),
    "track_title": ("Lacak pengaduan", "Track a complaint"),
    "track_intro": (
        "Masukkan kode pelacakan dari tanda terima.",
        "Enter the tracking code from your receipt.",
    ),
    "track_code": ("Kode pelacakan", "Tracking code"),
    "track_key_optional": (
        "Kunci pelapor (bila diminta melengkapi)",
        "Reporter key (when asked to complete the complaint)",
    ),
    "track_button": ("Lacak", "Track"),
    "field_required_code": ("Isi kode pelacakan.", "Enter the tracking code."),
    "status_title": ("Status pengaduan", "Complaint status"),
    "status_office": ("Kantor", "Office"),
    "status_stage": ("Tahap saat ini", "Current stage"),
    "status_state": ("Status", "Status"),
    "status_running": ("Sedang diproses", "In progress"),
    "status_completed": ("Selesai", "Finished"),
    "status_closed": ("Ditutup — pelapor tidak menanggapi", "Closed — the reporter did not reply"),
    "status_received": ("Diterima", "Received"),
    "status_updated": ("Terakhir diperbarui", "Last updated"),
    "status_completed_at": ("Diselesaikan", "Finished at"),
    "status_subject": ("Perihal", "Subject"),
    "status_hidden": ("Dirahasiakan atas permintaan pelapor.", "Kept private at the reporter's request."),
    "status_answer": ("Jawaban", "Answer"),
    "status_no_answer": ("Belum ada jawaban.", "No answer yet."),
    "status_steps": ("Riwayat tahap", "Stages so far"),
    "status_key_title": ("Untuk pelapor", "For the reporter"),
    "status_key_help": (
        "Masukkan kunci pelapor Anda untuk melihat permintaan petugas dan menanggapinya.",
        "Enter your reporter key to see what the officers asked for and respond.",
    ),
    "status_key_button": ("Buka dengan kunci", "Open with key"),
    "status_key_wrong": ("Kunci pelapor tidak cocok.", "The reporter key does not match."),
    "status_nothing_waiting": (
        "Saat ini tidak ada yang perlu Anda lengkapi.",
        "Nothing is waiting for you now.",
    ),
    "status_waiting_title": ("Petugas meminta Anda melengkapi pengaduan", "The officers ask you to complete"),
    "status_note": ("Catatan petugas", "Officers' note"),
    "status_respond": ("Kirim kelengkapan", "Send"),
    "status_responded": (
        "Terima kasih, kelengkapan Anda sudah diterima.",
        "Thank you, your reply was received.",
    ),
}

register(TEXTS)
