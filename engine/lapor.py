"""SP4N-LAPOR! link: reading LAPOR! exports (CSV or JSON) into import items, and mapping Alur stages to
LAPOR! statuses (the mapping is data: ``processes/lapor_status.json``). Columns: docs/channels.md."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .channels_models import ComplaintIntake
from .errors import InvalidInput
from .imports import ParsedItem
from .models import HumanTask, ProcessInstance, Timer

STATUS_MAP_PATH = Path(__file__).resolve().parent.parent / "processes" / "lapor_status.json"
#: Column → accepted header names (first is the documented one).
COLUMNS = {
    "lapor_id": ("lapor_id", "tracking_id", "id_laporan", "nomor_laporan"),
    "tanggal_laporan": ("tanggal_laporan", "tanggal", "created_at"),
    "tanggal_diteruskan": ("tanggal_diteruskan", "tanggal_disposisi", "forwarded_at"),
    "judul": ("judul", "judul_laporan", "title"),
    "isi": ("isi", "isi_laporan", "content"),
    "kategori": ("kategori", "category"),
    "nama": ("nama", "nama_pelapor"),
    "email": ("email", "email_pelapor"),
    "telepon": ("telepon", "telepon_pelapor", "no_hp"),
    "alamat": ("alamat", "alamat_pelapor"),
    "anonim": ("anonim", "anonymous"),
    "rahasia": ("rahasia", "confidential"),
}
REQUIRED = ("lapor_id", "tanggal_laporan", "judul", "isi")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
                 "%d/%m/%Y", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y")
_CATEGORY_WORDS = (
    ("sertifikasi", "sertifikasi_pustakawan"), ("anggota", "keanggotaan"), ("fasilitas", "fasilitas"),
    ("sarana", "fasilitas"), ("petugas", "petugas"), ("pegawai", "petugas"), ("sirkulasi", "layanan_sirkulasi"),
    ("peminjaman", "layanan_sirkulasi"), ("referensi", "layanan_referensi"),
)
_YES = {"ya", "y", "yes", "true", "1", "benar"}


def parse_date(value: Any, tz: tzinfo) -> datetime | None:
    """A LAPOR! date (ISO 8601, ``YYYY-MM-DD HH:MM``, ``DD/MM/YYYY``…); naive times are office-local."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for pattern in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def category_of(lapor_category: str | None) -> str:
    """The form's category for a LAPOR! category (``lainnya`` when nothing matches)."""
    text = (lapor_category or "").lower()
    return next((ours for word, ours in _CATEGORY_WORDS if word in text), "lainnya")


def _pick(row: dict, column: str) -> str:
    for name in COLUMNS[column]:
        if name in row and row[name] not in (None, ""):
            return str(row[name]).strip()
    return ""


def row_to_item(label: str, row: dict, tz: tzinfo) -> ParsedItem:
    """One LAPOR! record → an import item (or one with ``error``: the reason)."""
    row = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    lapor_id = _pick(row, "lapor_id")
    item = ParsedItem(label, "lapor", lapor_id or None, lapor_id=lapor_id or None,
                      lapor_category=_pick(row, "kategori") or None)
    missing = [c for c in REQUIRED if not _pick(row, c)]
    if missing:
        item.error = "kolom wajib kosong: " + ", ".join(missing)
        return item
    submitted = parse_date(_pick(row, "tanggal_laporan"), tz)
    forwarded = parse_date(_pick(row, "tanggal_diteruskan"), tz) if _pick(row, "tanggal_diteruskan") else None
    if submitted is None or (_pick(row, "tanggal_diteruskan") and forwarded is None):
        item.error = "tanggal tidak dapat dibaca (pakai YYYY-MM-DD HH:MM atau ISO 8601)"
        return item
    anonymity = "rahasia" if _pick(row, "rahasia").lower() in _YES else (
        "anonim" if _pick(row, "anonim").lower() in _YES else "none")
    reporter = {"name": _pick(row, "nama"), "address": _pick(row, "alamat"), "phone": _pick(row, "telepon"),
                "email": _pick(row, "email")}
    subject = _pick(row, "judul")
    item.data = {
        "channel": "sp4n_lapor", "received_at": (forwarded or submitted).isoformat(), "anonymity": anonymity,
        "reporter": {k: v for k, v in reporter.items() if v},
        "subject": subject if len(subject) >= 5 else f"LAPOR! {lapor_id}: {subject}",
        "description": _pick(row, "isi"), "category": category_of(item.lapor_category),
    }
    return item


def parse_csv(text: str, tz: tzinfo) -> list[ParsedItem]:
    """A LAPOR! CSV export (comma or semicolon separated, header row first)."""
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = {h.strip().lower() for h in reader.fieldnames or []}
    missing = [c for c in REQUIRED if not headers & set(COLUMNS[c])]
    if missing:
        raise InvalidInput(detail="Berkas CSV LAPOR! tanpa kolom: " + ", ".join(missing))
    items = []
    for row in reader:
        label = f"baris {reader.line_num}"
        if None in row:
            items.append(ParsedItem(label, "lapor", error="jumlah kolom tidak sesuai dengan judul kolom"))
            continue
        items.append(row_to_item(label, row, tz))
    return items


def parse_json(text: str, tz: tzinfo) -> list[ParsedItem]:
    """A LAPOR! JSON export: a list of records, or ``{"laporan": [...]}`` / ``{"data": [...]}``."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(detail=f"Berkas JSON LAPOR! tidak valid: {error}") from None
    records = document.get("laporan", document.get("data")) if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise InvalidInput(detail="Berkas JSON LAPOR! harus berupa daftar laporan")
    return [row_to_item(f"laporan {n}", record, tz) if isinstance(record, dict)
            else ParsedItem(f"laporan {n}", "lapor", error="bukan objek JSON") for n, record in enumerate(records, 1)]


def parse_export(name: str, content: bytes, tz: tzinfo) -> list[ParsedItem]:
    """A LAPOR! export by file name: ``.json`` or CSV (anything else)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(detail="Berkas LAPOR! harus UTF-8") from None
    return parse_json(text, tz) if name.lower().endswith(".json") else parse_csv(text, tz)


# -- status mapping --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def status_map() -> dict:
    """The stage → LAPOR! status mapping (``processes/lapor_status.json``)."""
    return json.loads(STATUS_MAP_PATH.read_text(encoding="utf-8"))


def closing_timers() -> list[str]:
    """bpmn ids of the timers that close a report whose reporter did not reply (SP4N-LAPOR!'s 10 days)."""
    return list(status_map().get("closing_timers", []))


def closed_without_reply(session: Session, instance_id: int) -> bool:
    """True when the complaint ended because its reporter did not reply in time (a closing timer fired)."""
    return bool(session.execute(_closed_query(), {"instance_id": instance_id}).scalar())


@lru_cache(maxsize=1)
def ending_columns() -> tuple:
    """Whether a closing timer of the instance (bind parameter ``instance_id``) fired and whether it went
    through a forwarding step: two EXISTS columns, built once (building them cost more than running them)."""
    mapping = status_map()
    return (
        select(Timer.id).where(Timer.instance_id == bindparam("instance_id"), Timer.state == "fired",
                               Timer.bpmn_id.in_(closing_timers())).exists(),
        select(HumanTask.id).where(HumanTask.instance_id == bindparam("instance_id"),
                                   HumanTask.state == "completed",
                                   HumanTask.bpmn_id.in_(mapping["forwarding_steps"])).exists())


def ending(closed: bool, forwarded: bool) -> str:
    """How a finished complaint ended, from the two :func:`ending_columns`."""
    if closed:
        return "closed"
    return "forwarded" if forwarded else "completed"


@lru_cache(maxsize=1)
def _ending_query():
    return select(*ending_columns())


@lru_cache(maxsize=1)
def _closed_query():
    return select(ending_columns()[0])


def complaint_ending(session: Session, instance: ProcessInstance) -> str:
    """How a finished complaint ended: ``closed`` (a closing timer fired: the reporter did not reply in time),
    ``forwarded`` (it went through a forwarding step: not this office's authority) or ``completed``."""
    # both questions in one statement (a complaint's completion asks it: one round trip less)
    return ending(*session.execute(_ending_query(), {"instance_id": instance.id}).one())


def lapor_status(session: Session, instance: ProcessInstance) -> dict[str, str]:
    """The LAPOR! status of a complaint: ``{"status": key, "label": text}`` from its ready steps or end."""
    mapping = status_map()
    order = list(mapping["statuses"])
    steps = mapping["processes"].get(instance.process_key, {})
    if instance.status == "merged":
        key = mapping["merged"]
    elif instance.status == "completed":
        key = mapping[complaint_ending(session, instance)]  # the file's "closed" / "forwarded" / "completed"
    else:
        ready = session.scalars(select(HumanTask.bpmn_id).where(
            HumanTask.instance_id == instance.id, HumanTask.state == "ready",
            HumanTask.is_escalation.is_(False))).all()
        keys = [steps[b] for b in ready if b in steps] or [mapping["default"]]
        key = max(keys, key=order.index)
    return {"status": key, "label": mapping["statuses"][key]}


def lapor_ids(session: Session, instance_ids: list[int]) -> dict[int, str]:
    """LAPOR! tracking IDs of these complaints (those that have one)."""
    if not instance_ids:
        return {}
    rows = session.execute(select(ComplaintIntake.instance_id, ComplaintIntake.lapor_id).where(
        ComplaintIntake.instance_id.in_(instance_ids), ComplaintIntake.lapor_id.is_not(None)))
    return dict(rows.all())
