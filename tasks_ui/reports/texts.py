"""UI strings of the dashboard and recap pages: key → (Bahasa Indonesia, English)."""

from ..translations import register

MONTHS = (
    ("Januari", "January"), ("Februari", "February"), ("Maret", "March"), ("April", "April"), ("Mei", "May"),
    ("Juni", "June"), ("Juli", "July"), ("Agustus", "August"), ("September", "September"),
    ("Oktober", "October"), ("November", "November"), ("Desember", "December"),
)
WEEKDAYS = (("Senin", "Monday"), ("Selasa", "Tuesday"), ("Rabu", "Wednesday"), ("Kamis", "Thursday"),
            ("Jumat", "Friday"), ("Sabtu", "Saturday"), ("Minggu", "Sunday"))

#: Channel keys of the complaint form (processes/forms/pengaduan.schema.json) → display names.
CHANNELS = {
    "tatap_muka": ("Tatap muka", "In person"),
    "kotak_pengaduan": ("Kotak pengaduan", "Complaint box"),
    "telepon": ("Telepon", "Telephone"),
    "whatsapp": ("WhatsApp", "WhatsApp"),
    "email": ("E-mail", "E-mail"),
    "website": ("Website", "Website"),
    "media_sosial": ("Media sosial", "Social media"),
    "sp4n_lapor": ("SP4N-LAPOR!", "SP4N-LAPOR!"),
}
CATEGORIES = {
    "layanan_sirkulasi": ("Layanan sirkulasi", "Circulation"),
    "layanan_referensi": ("Layanan referensi", "Reference service"),
    "keanggotaan": ("Keanggotaan", "Membership"),
    "fasilitas": ("Fasilitas", "Facilities"),
    "sertifikasi_pustakawan": ("Sertifikasi profesi pustakawan", "Librarian certification"),
    "petugas": ("Petugas", "Staff"),
    "lainnya": ("Lainnya", "Other"),
}

TEXTS = {
    "nav_dashboard": ("Dasbor", "Dashboard"),
    "nav_recap": ("Rekap", "Recap"),
    "rpt_all_processes": ("Semua proses", "All processes"),
    "rpt_process": ("Proses / kantor", "Process / office"),
    "rpt_show": ("Tampilkan", "Show"),
    # dashboard
    "dash_title": ("Dasbor pengaduan", "Complaints dashboard"),
    "dash_intro": (
        "Keadaan hari ini, langkah yang terlambat sekarang, kepatuhan tenggat bulan ini dan tren 12 minggu.",
        "Today at a glance, steps overdue now, deadline compliance this month and the 12-week trend.",
    ),
    "dash_as_of": ("Per {when}", "As of {when}"),
    "dash_received_today": ("Diterima hari ini", "Received today"),
    "dash_answered_today": ("Selesai dijawab hari ini", "Answered today"),
    "dash_open": ("Masih berjalan", "Still open"),
    "dash_overdue_now": ("Langkah terlambat sekarang", "Steps overdue now"),
    "dash_of_ready": ("dari {n} langkah menunggu", "of {n} waiting steps"),
    "dash_month_counts": ("Bulan ini: {received} diterima, {answered} selesai dijawab.",
                          "This month: {received} received, {answered} answered."),
    "dash_compliance": ("Kepatuhan tenggat bulan ini", "Deadline compliance this month"),
    "dash_compliance_caption": (
        "{on_time} dari {total} langkah kantor yang selesai bulan ini tepat waktu (waktu standar SOP dan tenggat SLA).",
        "{on_time} of {total} office steps completed this month were on time (SOP standard time and SLA deadline).",
    ),
    "dash_compliance_none": ("Belum ada langkah bertenggat yang selesai bulan ini.",
                             "No step with a deadline was completed this month yet."),
    "dash_on_time": ("Tepat waktu", "On time"),
    "dash_late": ("Terlambat", "Late"),
    "dash_share": ("% tepat", "% on time"),
    "dash_trend": ("Tren 12 minggu terakhir", "Trend over the last 12 weeks"),
    "dash_trend_desc": ("Pengaduan diterima dan selesai dijawab per minggu (Senin–Minggu).",
                        "Complaints received and answered per week (Monday–Sunday)."),
    "dash_week_of": ("Minggu mulai", "Week starting"),
    "dash_received": ("Diterima", "Received"),
    "dash_answered": ("Selesai dijawab", "Answered"),
    "dash_show_table": ("Tampilkan tabel angka", "Show the figures as a table"),
    "dash_overdue_title": ("Langkah yang terlambat sekarang", "Steps overdue now"),
    "dash_overdue_by_role": ("Terlambat per peran", "Overdue per role"),
    "dash_overdue_none": ("Tidak ada langkah yang terlambat. Bagus!", "No step is overdue. Well done!"),
    "dash_overdue_more": ("Menampilkan {shown} yang paling lama terlambat dari {total}.",
                          "Showing the {shown} longest overdue of {total}."),
    "dash_col_deadline": ("Tenggat", "Deadline"),
    "dash_col_overdue_by": ("Terlambat (jam kerja)", "Overdue by (office time)"),
    "dash_sla": ("SLA", "SLA"),
    "dash_standard": ("waktu standar", "standard time"),
    "dash_unclaimed": ("belum diambil", "not claimed"),
    # recap (page texts the recap page adds)
    "recap_title": ("Rekapitulasi pengaduan", "Complaint recap"),
}


def register_labels() -> None:
    """Channel and category names under ``channel_<key>`` / ``category_<key>``."""
    register({f"channel_{key}": names for key, names in CHANNELS.items()})
    register({f"category_{key}": names for key, names in CATEGORIES.items()})


register(TEXTS)
register_labels()
