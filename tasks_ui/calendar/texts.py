"""UI strings of the calendar admin page: key → (id, en)."""

from ..translations import register

TEXTS = {
    "nav_calendar": ("Kalender kerja", "Working calendar"),
    "calendar_title": ("Kalender kerja {year}", "Working calendar {year}"),
    "calendar_intro": ("Hari kerja: Senin–Jumat, kecuali hari libur nasional dan cuti bersama (paket holidays, "
                       "Indonesia) dan kecuali pengecualian yang ditetapkan di sini. Tenggat baru memakai perubahan "
                       "segera; tenggat yang sudah berjalan tidak dihitung ulang.",
                       "Working days: Monday–Friday, except national holidays and cuti bersama (holidays package, "
                       "Indonesia) and except the overrides set here. New deadlines use a change at once; "
                       "deadlines already running are not recomputed."),
    "calendar_office": ("Zona waktu {tz}, jam kantor {start}–{end} (diatur dengan ALUR_TIMEZONE, ALUR_OFFICE_START, "
                        "ALUR_OFFICE_END).", "Time zone {tz}, office hours {start}–{end} (set with ALUR_TIMEZONE, "
                        "ALUR_OFFICE_START, ALUR_OFFICE_END)."),
    "calendar_year_prev": ("← {year}", "← {year}"),
    "calendar_year_next": ("{year} →", "{year} →"),
    "calendar_col_date": ("Tanggal", "Date"),
    "calendar_col_name": ("Keterangan", "Description"),
    "calendar_working": ("Hari kerja", "Working day"),
    "calendar_off": ("Libur", "Day off"),
    "calendar_source_holiday": ("Libur nasional / cuti bersama", "Public holiday / cuti bersama"),
    "calendar_source_override": ("Ditetapkan admin", "Set by admin"),
    "calendar_by": ("oleh {user}", "by {user}"),
    "calendar_remove": ("Hapus", "Remove"),
    "calendar_none": ("Tidak ada pengecualian pada tahun ini.", "No exceptions this year."),
    "calendar_add_title": ("Tambah pengecualian", "Add an override"),
    "calendar_date": ("Tanggal", "Date"),
    "calendar_date_help": ("Format TTTT-BB-HH, mis. 2026-03-20.", "Format YYYY-MM-DD, e.g. 2026-03-20."),
    "calendar_kind": ("Jadikan", "Make it"),
    "calendar_make_off": ("Hari libur (kantor tutup)", "A day off (office closed)"),
    "calendar_make_working": ("Hari kerja (kantor buka)", "A working day (office open)"),
    "calendar_reason": ("Alasan", "Reason"),
    "calendar_reason_help": ("Mis. nomor SKB cuti bersama atau surat Kepala Dinas.",
                             "E.g. the cuti bersama decree number or the head's letter."),
    "calendar_add": ("Simpan pengecualian", "Save override"),
    "calendar_errors": ("Periksa isian yang ditandai.", "Check the marked fields."),
    "calendar_added": ("Pengecualian {day} disimpan.", "Override for {day} saved."),
    "calendar_removed": ("Pengecualian {day} dihapus.", "Override for {day} removed."),
}

register(TEXTS)
