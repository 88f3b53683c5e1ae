"""UI strings: key → (Bahasa Indonesia, English).

Each feature keeps its own strings in its package and adds them with :func:`register` at import time,
so features do not edit one shared table."""

UI_TEXT: dict[str, tuple[str, str]] = {
    "app_name": ("Alur", "Alur"),
    "tagline": ("Pengelolaan pengaduan masyarakat Dinas Perpustakaan",
                "Public complaint handling for library offices"),
    "nav_home": ("Beranda", "Home"),
    "nav_processes": ("Proses", "Processes"),
    "nav_login": ("Masuk", "Log in"),
    "nav_logout": ("Keluar", "Log out"),
    "lang_switch": ("English", "Bahasa Indonesia"),
    "login_title": ("Masuk ke Alur", "Log in to Alur"),
    "username": ("Nama pengguna", "Username"),
    "password": ("Kata sandi", "Password"),
    "login_button": ("Masuk", "Log in"),
    "logged_out": ("Anda telah keluar.", "You have logged out."),
    "login_required": ("Silakan masuk terlebih dahulu.", "Please log in first."),
    "processes_title": ("Proses yang terpasang", "Deployed processes"),
    "process_key": ("Kunci proses", "Process key"),
    "process_name": ("Nama", "Name"),
    "version": ("Versi", "Version"),
    "sop_number": ("Nomor SOP", "SOP number"),
    "deployed_at": ("Dipasang", "Deployed"),
    "steps": ("Langkah", "Steps"),
    "role": ("Peran", "Role"),
    "standard_time": ("Waktu standar", "Standard time"),
    "no_processes": ("Belum ada proses yang dipasang. Jalankan `alur init`.",
                     "No process deployed yet. Run `alur init`."),
    "error_title": ("Terjadi masalah", "Something went wrong"),
    "forbidden": ("Anda tidak berhak membuka halaman ini.", "You may not open this page."),
    "not_found_page": ("Halaman tidak ditemukan.", "Page not found."),
    "csrf_error": ("Formulir kedaluwarsa atau tidak sah (token CSRF). Muat ulang halaman dan coba lagi.",
                   "The form expired or is not valid (CSRF token). Reload the page and try again."),
    "too_large": ("Kiriman terlalu besar.", "The request is too large."),
    "too_many": ("Terlalu banyak permintaan; coba lagi sebentar lagi.", "Too many requests; try again shortly."),
    "server_error": ("Kesalahan pada server. Tidak ada data yang berubah.",
                     "Server error. Nothing was changed."),
    "back_home": ("Kembali ke beranda", "Back to home"),
}


def register(texts: dict[str, tuple[str, str]]) -> None:
    """Add a feature's strings; a key defined twice with different text is a programming error."""
    for key, value in texts.items():
        if key in UI_TEXT and UI_TEXT[key] != value:
            raise ValueError(f"UI text {key!r} is already defined differently")
        UI_TEXT[key] = value
