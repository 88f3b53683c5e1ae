"""UI strings of the dashboard and recap pages: key → (Bahasa Indonesia, English)."""

from ..translations import register

MONTHS = (
    ("Januari", "January"),
    ("Februari", "February"),
    ("Maret", "March"),
    ("April", "April"),
    ("Mei", "May"),
    ("Juni", "June"),
    ("Juli", "July"),
    ("Agustus", "August"),
    ("September", "September"),
    ("Oktober", "October"),
    ("November", "November"),
    ("Desember", "December"),
)
WEEKDAYS = (
    ("Senin", "Monday"),
    ("Selasa", "Tuesday"),
    ("Rabu", "Wednesday"),
    ("Kamis", "Thursday"),
    ("Jumat", "Friday"),
    ("Sabtu", "Saturday"),
    ("Minggu", "Sunday"),
)

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
    "tidak_diketahui": ("Tidak diketahui", "Unknown"),
}
CATEGORIES = {
    "layanan_sirkulasi": ("Layanan sirkulasi", "Circulation"),
    "layanan_referensi": ("Layanan referensi", "Reference service"),
    "keanggotaan": ("Keanggotaan", "Membership"),
    "fasilitas": ("Fasilitas", "Facilities"),
    "sertifikasi_pustakawan": ("Sertifikasi profesi pustakawan", "Librarian certification"),
    "petugas": ("Petugas", "Staff"),
    "lainnya": ("Lainnya", "Other"),
    "tanpa_kategori": ("Tanpa kategori", "No category"),
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
    "dash_month_counts": (
        "Bulan ini: {received} diterima, {answered} selesai dijawab.",
        "This month: {received} received, {answered} answered.",
    ),
    "dash_compliance": ("Kepatuhan tenggat bulan ini", "Deadline compliance this month"),
    "dash_compliance_caption": (
        "{on_time} dari {total} langkah kantor yang selesai bulan ini tepat waktu "
        "(waktu standar SOP dan tenggat SLA).",
        "{on_time} of {total} office steps completed this month were on time "
        "(SOP standard time and SLA deadline).",
    ),
    "dash_complaints_caption": (
        "Pengaduan yang diterima bulan ini: {on_time} tepat waktu, {late} melewati tenggat, "
        "{pending} belum jatuh tempo (definisi rekap).",
        "Complaints received this month: {on_time} on time, {late} past the deadline, "
        "{pending} not yet due (recap definitions).",
    ),
    "dash_complaints_none": (
        "Belum ada pengaduan bulan ini yang selesai atau melewati tenggat.",
        "No complaint of this month has finished or passed its deadline yet.",
    ),
    "dash_per_step": ("Per langkah", "Per step"),
    "dash_compliance_none": (
        "Belum ada langkah bertenggat yang selesai bulan ini.",
        "No step with a deadline was completed this month yet.",
    ),
    "dash_on_time": ("Tepat waktu", "On time"),
    "dash_late": ("Terlambat", "Late"),
    "dash_share": ("% tepat", "% on time"),
    "dash_trend": ("Tren 12 minggu terakhir", "Trend over the last 12 weeks"),
    "dash_trend_desc": (
        "Pengaduan diterima dan selesai dijawab per minggu (Senin–Minggu).",
        "Complaints received and answered per week (Monday–Sunday).",
    ),
    "dash_week_of": ("Minggu mulai", "Week starting"),
    "dash_received": ("Diterima", "Received"),
    "dash_answered": ("Selesai dijawab", "Answered"),
    "dash_show_table": ("Tampilkan tabel angka", "Show the figures as a table"),
    "dash_overdue_title": ("Langkah yang terlambat sekarang", "Steps overdue now"),
    "dash_overdue_by_role": ("Terlambat per peran", "Overdue per role"),
    "dash_overdue_none": ("Tidak ada langkah yang terlambat. Bagus!", "No step is overdue. Well done!"),
    "dash_overdue_more": (
        "Menampilkan {shown} yang paling lama terlambat dari {total}.",
        "Showing the {shown} longest overdue of {total}.",
    ),
    "dash_col_deadline": ("Tenggat", "Deadline"),
    "dash_col_overdue_by": ("Terlambat (jam kerja)", "Overdue by (office time)"),
    "dash_sla": ("SLA", "SLA"),
    "dash_standard": ("waktu standar", "standard time"),
    "dash_unclaimed": ("belum diambil", "not claimed"),
    # recap pages
    "recap_title": ("Rekapitulasi pengaduan", "Complaint recap"),
    "recap_cutoff": (
        "Dihitung sampai {cutoff} · dibuat {generated}",
        "Counted up to {cutoff} · generated {generated}",
    ),
    "recap_no_process": (
        "Belum ada proses pengaduan yang dipasang.",
        "No complaint process is deployed yet.",
    ),
    "recap_download": ("Unduh {kind}", "Download {kind}"),
    "recap_print_version": ("Versi cetak", "Printable version"),
    "recap_print_now": ("Cetak", "Print"),
    "recap_back": ("Kembali", "Back"),
    "recap_fix_period": (
        "Periode belum dapat dibaca. Periksa isian yang ditandai.",
        "The period cannot be read. Please check the marked fields.",
    ),
    "recap_period_kind": ("Jenis periode", "Kind of period"),
    "recap_kind_month": ("Bulanan", "Month"),
    "recap_kind_semester": ("Semester", "Semester"),
    "recap_kind_range": ("Rentang tanggal", "Date range"),
    "recap_month": ("Bulan", "Month"),
    "recap_semester": ("Semester", "Semester"),
    "recap_year": ("Tahun", "Year"),
    "recap_half": ("Semester ke", "Half"),
    "recap_half_1": ("Semester 1 (Jan–Jun)", "Semester 1 (Jan–Jun)"),
    "recap_half_2": ("Semester 2 (Jul–Des)", "Semester 2 (Jul–Dec)"),
    "recap_range": ("Dari tanggal – sampai tanggal", "From – to"),
    "recap_from": ("Dari tanggal", "From"),
    "recap_to": ("Sampai tanggal", "To"),
    "recap_bad_month": (
        "bulan '{value}' tidak dikenal (pakai TTTT-BB, mis. 2026-03)",
        "month '{value}' is not known (use YYYY-MM, e.g. 2026-03)",
    ),
    "recap_bad_year": ("tahun '{value}' harus angka 2000–2100", "year '{value}' must be a number 2000–2100"),
    "recap_bad_half": ("pilih semester 1 atau 2", "choose semester 1 or 2"),
    "recap_bad_process": ("proses '{value}' tidak dikenal", "process '{value}' is not known"),
    "recap_totals": ("Ringkasan", "Summary"),
    "recap_received": ("Diterima", "Received"),
    "recap_late": ("Melewati tenggat", "Past the deadline"),
    "recap_sla_rate": ("Tepat waktu", "On time"),
    "recap_backlog": ("Tunggakan akhir periode", "Backlog at period end"),
    "recap_backlog_line": (
        "Tunggakan: {total} pengaduan belum selesai; yang tertua diterima {oldest}.",
        "Backlog: {total} complaints not finished; the oldest was received {oldest}.",
    ),
    "recap_empty": (
        "Tidak ada pengaduan yang diterima dalam periode ini.",
        "No complaint was received in this period.",
    ),
    "recap_comparison": ("Dibanding periode sebelumnya", "Compared with the previous period"),
    "recap_metric": ("Ukuran", "Measure"),
    "recap_change": ("Perubahan", "Change"),
    "recap_points": ("poin", "points"),
    "recap_over_time": ("Diterima dan selesai dijawab", "Received and answered"),
    "recap_by_channel": ("Per kanal", "By channel"),
    "recap_by_status": ("Per status", "By status"),
    "recap_by_category": ("Per kategori", "By category"),
    "recap_by_process": ("Per proses", "By process"),
    "recap_count": ("Jumlah", "Count"),
    "recap_sla_line": (
        "Tenggat: {on_time} tepat waktu, {late} terlambat, {pending} belum jatuh tempo; "
        "{escalated} dieskalasi.",
        "Deadlines: {on_time} on time, {late} late, {pending} not yet due; {escalated} escalated.",
    ),
    "recap_steps": ("Waktu per langkah (jam kerja)", "Time per step (office time)"),
    "recap_steps_intro": (
        "Langkah petugas yang selesai dalam periode: median dan persentil ke-90 dibanding waktu standar SOP.",
        "Official steps completed in the period: median and 90th percentile against the SOP standard time.",
    ),
    "recap_steps_chart": (
        "Median dan persentil 90 vs waktu standar (menit)",
        "Median and 90th percentile vs standard time (minutes)",
    ),
    "recap_steps_chart_desc": (
        "Untuk setiap langkah: median, persentil ke-90 dan waktu standar SOP, dalam menit jam kerja.",
        "For each step: median, 90th percentile and SOP standard time, in office minutes.",
    ),
    "recap_no_steps": (
        "Tidak ada langkah yang selesai dalam periode ini.",
        "No step was completed in this period.",
    ),
    "recap_median": ("Median", "Median"),
    "recap_minutes_short": ("mnt", "min"),
    "recap_p90": ("Persentil 90", "90th percentile"),
    "recap_done": ("Selesai", "Done"),
    "recap_over_standard": ("Melebihi standar", "Over standard"),
    "recap_within_standard": ("Dalam standar", "Within standard"),
    "recap_officials": ("Per petugas", "Per official"),
    "recap_official": ("Petugas", "Official"),
    "recap_list": ("Daftar pengaduan", "Complaints"),
    "recap_list_range": (
        "Menampilkan {first}–{last} dari {total}. Daftar lengkap ada di unduhan CSV dan XLSX.",
        "Showing {first}–{last} of {total}. The full list is in the CSV and XLSX downloads.",
    ),
    "recap_list_page": ("Halaman {page} dari {pages}", "Page {page} of {pages}"),
    "recap_list_pages": ("Halaman daftar pengaduan", "Complaint list pages"),
    "recap_dates": ("Diterima", "Received"),
    "recap_done_at": ("selesai {at}", "finished {at}"),
    "recap_status": ("Status", "Status"),
    "recap_answer": ("Ringkasan jawaban", "Answer summary"),
    "recap_no_complaints": ("Tidak ada pengaduan.", "No complaints."),
    "recap_definitions": ("Definisi", "Definitions"),
    "recap_snapshots": ("Rekap tersimpan", "Stored recaps"),
    "recap_period": ("Periode", "Period"),
    "recap_state": ("Keadaan", "State"),
    "recap_frozen_at": ("Dibekukan", "Frozen"),
    "recap_state_draft": ("Draf (ditinjau kasi)", "Draft (under review)"),
    "recap_state_frozen": ("Beku", "Frozen"),
    "recap_snapshot": ("Rekap tersimpan", "Stored recap"),
    "recap_snapshot_frozen": (
        "Rekap beku: angka ini tidak berubah lagi.",
        "Frozen recap: these figures no longer change.",
    ),
    "recap_snapshot_draft": (
        "Draf rekap: masih ditinjau, angka dihitung ulang saat dibekukan.",
        "Draft recap: under review; the figures are recomputed when it is frozen.",
    ),
    "recap_frozen_by": ("Dibekukan oleh {who} pada {at}.", "Frozen by {who} at {at}."),
    "recap_note": ("Catatan", "Note"),
    "recap_card_full": ("Lihat rekap lengkap dengan grafik", "See the full recap with charts"),
    "recap_run_started": (
        "Proses rekap periode {period} dimulai.",
        "The recap process for {period} started.",
    ),
    "recap_start_title": ("Mulai proses rekap", "Start the recap process"),
    "recap_start_intro": (
        "Buat dokumen rekap periode ini sebagai langkah kasi (dibekukan setelah ditinjau, "
        "lalu diterima kabid dan kepala dinas).",
        "Make this period's recap document a kasi step (frozen once reviewed, then received by the kabid "
        "and the kepala dinas).",
    ),
    "recap_start_button": ("Mulai {name} untuk {period}", "Start {name} for {period}"),
}

STATUSES = {
    "answered": ("Selesai dijawab", "Answered"),
    "in_progress": ("Dalam proses", "In progress"),
    "forwarded": ("Diteruskan", "Forwarded"),
    "closed_no_response": ("Ditutup, pelapor tidak menanggapi", "Closed, no reply from the reporter"),
    "incomplete": ("Dikembalikan, belum lengkap", "Returned, incomplete"),
    "merged": ("Digabung (duplikat)", "Merged (duplicate)"),
}
SLA_STATES = {
    "on_time": ("Tepat waktu", "On time"),
    "late": ("Terlambat", "Late"),
    "pending": ("Belum jatuh tempo", "Not yet due"),
    "not_applicable": ("Tidak berlaku", "Not applicable"),
}
METRICS = {
    "received": ("Diterima", "Received"),
    "answered": ("Selesai dijawab", "Answered"),
    "on_time": ("Tepat waktu", "On time"),
    "late": ("Terlambat", "Late"),
    "incomplete": ("Belum lengkap", "Incomplete"),
    "escalated": ("Dieskalasi", "Escalated"),
    "backlog": ("Tunggakan", "Backlog"),
    "sla_rate": ("Persentase tepat waktu", "Share on time"),
    "forwarded": ("Diteruskan", "Forwarded"),
    "closed_no_response": ("Ditutup tanpa tanggapan pelapor", "Closed without the reporter's reply"),
    "in_progress": ("Dalam proses", "In progress"),
    "merged": ("Digabung", "Merged"),
    "pending": ("Belum jatuh tempo", "Not yet due"),
    "steps": ("Waktu langkah", "Step times"),
}


def register_labels() -> None:
    """Channel and category names under ``channel_<key>`` / ``category_<key>``."""
    register({f"channel_{key}": names for key, names in CHANNELS.items()})
    register({f"category_{key}": names for key, names in CATEGORIES.items()})
    register({f"status_{key}": names for key, names in STATUSES.items()})
    register({f"sla_{key}": names for key, names in SLA_STATES.items()})
    register({f"metric_{key}": names for key, names in METRICS.items()})


register(TEXTS)
register_labels()
