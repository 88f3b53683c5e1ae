"""UI strings of the recap card on a recap process step (kasi/PPP, kabid, kepala dinas): key → (id, en)."""

from ..translations import register

TEXTS = {
    "recap_card_title": ("Rekapitulasi periode ini", "Recap of this period"),
    "recap_card_draft": ("Draf: angka dihitung dari data terbaru; dibekukan saat langkah penyusunan diselesaikan.",
                         "Draft: numbers from the latest data; frozen when the preparing step is completed."),
    "recap_card_frozen": ("Dibekukan {at} oleh {by}; angka tidak berubah lagi (sha256 {sha}).",
                          "Frozen {at} by {by}; the numbers no longer change (sha256 {sha})."),
    "recap_card_received": ("Diterima", "Received"),
    "recap_card_answered": ("Dijawab", "Answered"),
    "recap_card_late": ("Terlambat", "Late"),
    "recap_card_backlog": ("Tunggakan akhir periode", "Backlog at period end"),
    "recap_card_note": ("Catatan penyusun", "Preparer's note"),
    "recap_card_download": ("Unduh", "Download"),
}

register(TEXTS)
