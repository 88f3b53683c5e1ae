"""A scripted month of complaints driven THROUGH THE ENGINE (both offices, several channels, some late,
some incomplete, one merged duplicate, timer sweeps every morning), with a log of what was done kept by
the script itself, so tests can count the expected recap independently of ``engine.recap``.

Period under test: April 2026; a few complaints in late March (previous period, backlog carried in),
work continues into May (after the cut-off).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine import runtime
from engine.channels_models import DuplicateFlag
from engine.duplicates import merge_duplicate
from engine.models import HumanTask
from engine.timers import sweep_due_timers
from tests.conftest import PROCESSES, actor

WIB = ZoneInfo("Asia/Jakarta")
CHANNELS = ["tatap_muka", "whatsapp", "email", "website", "telepon", "kotak_pengaduan", "sp4n_lapor"]
PETUGAS_CHANNELS = {"tatap_muka", "telepon", "whatsapp", "kotak_pengaduan"}
CATEGORIES = ["layanan_sirkulasi", "layanan_referensi", "fasilitas", None]
ANONYMITY = ["none", "anonim", "rahasia", "none"]
#: Sanggau steps carrying the 7-working-day boundary timer.
SANGGAU_SLA_STEPS = ("catat_buku_pengaduan", "distribusikan_aduan", "tanggapi_kelengkapan")
PENJAWAB = json.loads((PROCESSES / "forms" / "sanggau-distribusikan-aduan.schema.json").read_text())[
    "properties"]["penjawab_utama"]["oneOf"][0]["const"]


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """An office-local time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


@dataclass
class Done:
    """One official or reporter step the script completed."""

    bpmn_id: str
    role: str
    official: str
    ready_at: datetime
    completed_at: datetime


@dataclass
class Complaint:
    """What the script did with one complaint."""

    number: int
    process: str
    kind: str
    channel: str
    category: str | None
    anonymity: str
    entered_at: datetime
    received_at: datetime
    actions: list[tuple[datetime, str, str, dict]] = field(default_factory=list)  # (at, bpmn_id, who, data)
    tracking_code: str = ""
    instance_id: int = 0
    reporter_key: str = ""
    done: list[Done] = field(default_factory=list)
    open_steps: list[tuple[str, str, datetime]] = field(default_factory=list)  # (bpmn_id, role, ready_at)
    completed_at: datetime | None = None
    merged: bool = False
    closed_at: datetime | None = None  # SP4N-LAPOR! report closed: the reporter did not reply in time


def _muba(kind: str, t: datetime, n: int) -> list[tuple[datetime, str, str, dict]]:
    verify = {"lengkap": True, "nomor_buku_pengaduan": f"BP-{n}/2026"}
    missing = {"lengkap": False, "nomor_buku_pengaduan": f"BP-{n}/2026", "kekurangan": "Sebutkan judul buku."}
    check = {"hasil_pemeriksaan": "benar", "catatan_solusi": "Sudah dicek."}
    answer = {"bentuk_jawaban": "tertulis", "jawaban": f"Jawaban atas pengaduan nomor {n}."}
    officer = f"petugas{1 + n % 2}"
    kabid = f"kabid{1 + n % 2}"
    m = timedelta(minutes=1)
    if kind == "fast":
        return [(t + 5 * m, "verifikasi_formulir", officer, verify), (t + 13 * m, "periksa_laporan", "kasi1", check),
                (t + 23 * m, "beri_solusi", kabid, answer)]
    if kind == "slow":
        return [(t + 5 * m, "verifikasi_formulir", officer, verify), (t + 55 * m, "periksa_laporan", "kasi1", check),
                (t + 60 * m, "beri_solusi", kabid, answer)]
    if kind == "incomplete":
        return [(t + 8 * m, "verifikasi_formulir", officer, missing)]
    if kind == "incomplete_then_done":
        later = t + timedelta(days=1)
        return [(t + 4 * m, "verifikasi_formulir", officer, missing),
                (later, "lengkapi_pengaduan", "pelapor", {"tambahan": "Judulnya Kimia Dasar jilid 2."}),
                (later + 6 * m, "verifikasi_formulir", officer, verify),
                (later + 9 * m, "periksa_laporan", "kasi1", check),
                (later + 20 * m, "beri_solusi", kabid, answer)]
    if kind == "open":
        return [(t + 7 * m, "verifikasi_formulir", officer, verify)]
    if kind == "untouched":
        return []
    raise ValueError(kind)


def _sanggau(kind: str, t: datetime, n: int) -> list[tuple[datetime, str, str, dict]]:
    record = {"nomor_buku_pengaduan": f"BP-S{n}/2026"}
    distribute = {"penjawab_utama": PENJAWAB, "libatkan_kepala_dinas": False}
    complete = {"lengkap": True, "tanggapan": "Materi aduan lengkap."}
    missing = {"lengkap": False, "tanggapan": "Belum lengkap.", "kekurangan": "Tanggal kejadian?"}
    coordinate = {"perlu_rapat": False}
    draft = {"jawaban": f"Jawaban resmi aduan {n}."}
    officer = f"petugas{1 + n % 2}"
    h = timedelta(hours=1)
    d = timedelta(days=1)

    def answer(start: datetime) -> list:
        return [(start + h, "koordinasi_tim", "kasi1", coordinate), (start + 3 * h, "susun_jawaban", "kabid1", draft),
                (start + 4 * h, "sampaikan_jawaban", "kasi1",
                 {"cara_penyampaian": "telepon", "disampaikan_at": (start + 4 * h).isoformat()})]

    if kind == "answered":
        return [(t + h / 2, "catat_buku_pengaduan", officer, record),
                (t + h, "distribusikan_aduan", "kasi1", distribute),
                (t + d, "tanggapi_kelengkapan", "kabid2", complete), *answer(t + d)]
    if kind == "late":  # distribution only after 13 calendar days: the 7-working-day deadline passes
        return [(t + h / 2, "catat_buku_pengaduan", officer, record),
                (t + 13 * d, "distribusikan_aduan", "kasi1", distribute),
                (t + 13 * d + h, "tanggapi_kelengkapan", "kabid2", complete), *answer(t + 13 * d + h)]
    if kind == "incomplete":
        return [(t + h / 2, "catat_buku_pengaduan", officer, record),
                (t + h, "distribusikan_aduan", "kasi1", distribute),
                (t + 2 * h, "tanggapi_kelengkapan", "kabid1", missing)]
    if kind == "untouched":
        return []
    raise ValueError(kind)


MUBA_KINDS = ["fast", "slow", "incomplete", "fast", "incomplete_then_done", "open", "fast"]
SANGGAU_KINDS = ["answered", "late", "incomplete", "answered", "untouched"]


def plan(calendar) -> list[Complaint]:
    """The scripted complaints (nothing executed yet)."""
    complaints: list[Complaint] = []

    def add(process, kind, entered, received=None):
        n = len(complaints) + 1
        channel = CHANNELS[n % len(CHANNELS)]
        category = CATEGORIES[n % len(CATEGORIES)]
        received = received or (entered - timedelta(minutes=90) if channel == "telepon" else entered)
        c = Complaint(n, process, kind, channel, category, ANONYMITY[n % len(ANONYMITY)], entered, received)
        builder = _muba if process == "muba_pengaduan" else _sanggau
        c.actions = builder(kind, entered, n)
        complaints.append(c)

    # previous period (March): answered at once, answered in April, untouched, left open
    add("muba_pengaduan", "fast", wib(3, 24, 9))
    add("muba_pengaduan", "slow", wib(3, 25, 10))
    add("sanggau_pengaduan", "untouched", wib(3, 26, 9))
    add("muba_pengaduan", "untouched", wib(3, 30, 10))
    # April: two complaints on most working days, alternating offices and kinds
    day, number = wib(4, 1, 9), 0
    while day.month == 4 and number < 30:
        if calendar.is_working_day(day.date()):
            for hour in (9, 13):
                if number % 2 == 0:
                    kind = MUBA_KINDS[(number // 2) % len(MUBA_KINDS)]
                    add("muba_pengaduan", kind, day.replace(hour=hour))
                else:
                    kind = SANGGAU_KINDS[(number // 2) % len(SANGGAU_KINDS)]
                    add("sanggau_pengaduan", kind, day.replace(hour=hour, minute=30))
                number += 1
        day += timedelta(days=1)
    # the last afternoon of April: verified only in May (late at the cut-off)
    late = Complaint(len(complaints) + 1, "muba_pengaduan", "verified_in_may", "website", "fasilitas", "none",
                     wib(4, 30, 15), wib(4, 30, 15))
    late.actions = [(wib(5, 4, 9), "verifikasi_formulir", "petugas1",
                     {"lengkap": True, "nomor_buku_pengaduan": "BP-99/2026"})]
    complaints.append(late)
    return complaints


def _intake(c: Complaint, phone: str | None = None) -> dict:
    data = {"channel": c.channel, "received_at": c.received_at.isoformat(), "anonymity": c.anonymity,
            "reporter": {"name": f"Pelapor {c.number}", "address": f"Jl. Pasar {c.number}",
                         "phone": phone or f"0812{c.number:07d}"},
            "subject": f"Pengaduan nomor {c.number} tentang layanan",
            "description": f"Uraian pengaduan nomor {c.number}: {c.kind} di {c.process}, kode {c.number * 7919}."}
    if c.category:
        data["category"] = c.category
    return data


@dataclass
class Seeded:
    """The seeded data and the script's own log of it."""

    complaints: list[Complaint]
    sweeps: list[datetime]
    merged: Complaint | None


def seed(session, session_factory, ctx, clock) -> Seeded:
    """Run the script: submissions, steps and a timer sweep at 06:00 every day, in time order."""
    complaints = plan(ctx.calendar)
    events: list[tuple[datetime, int, str, object]] = []
    for c in complaints:
        events.append((c.entered_at, 0, "submit", c))
        for index, action in enumerate(c.actions):
            events.append((action[0], 1 + index, "step", (c, action)))
    sweeps = []
    day = wib(3, 24, 6)
    while day <= wib(5, 10, 6):
        events.append((day, -1, "sweep", None))
        sweeps.append(day)
        day += timedelta(days=1)
    # a duplicate of complaint 5 (same phone) on 2 April, merged into it by the petugas the same day
    original = complaints[4]
    duplicate = Complaint(len(complaints) + 1, original.process, "untouched", "whatsapp", None, "none",
                          wib(4, 2, 10, 15), wib(4, 2, 10, 15), merged=True)
    events.append((duplicate.entered_at, 0, "submit_duplicate", (duplicate, original)))
    events.sort(key=lambda e: (e[0], e[1]))
    for at, _, kind, payload in events:
        clock.set(at)
        session.rollback()
        if kind == "sweep":
            sweep_due_timers(session_factory, ctx)
            session.rollback()
        elif kind == "submit":
            _submit(session, ctx, payload)
        elif kind == "submit_duplicate":
            dup, first = payload
            _submit(session, ctx, dup, phone=f"0812{first.number:07d}")
            flag = session.scalars(select(DuplicateFlag).where(DuplicateFlag.instance_id == dup.instance_id,
                                                               DuplicateFlag.candidate_id == first.instance_id)).one()
            clock.set(at + timedelta(minutes=10))
            merge_duplicate(session, ctx, flag.id, actor=actor("petugas", "petugas1"))
            dup.completed_at = clock.now()
        else:
            c, (when, bpmn_id, who, data) = payload
            _step(session, ctx, c, when, bpmn_id, who, data)
    session.rollback()
    _note_lapor_closures(complaints, sweeps, ctx.calendar)
    return Seeded(complaints + [duplicate], sweeps, duplicate)


#: SP4N-LAPOR!'s rule (processes/deadlines.json): a report whose reporter does not reply is closed.
CLOSE_DAYS = json.loads((PROCESSES / "deadlines.json").read_text())["lapor_tutup_tanpa_tanggapan"]["working_days"]


def _note_lapor_closures(complaints: list[Complaint], sweeps: list[datetime], calendar) -> None:
    """The rule's consequence, from the script's log: a LAPOR! report still waiting on its reporter is closed by
    the first morning sweep after the 10th working day since it was returned to the reporter."""
    for c in complaints:
        if c.channel != "sp4n_lapor" or not c.open_steps or c.open_steps[0][1] != "pelapor":
            continue
        deadline = calendar.add_working_days(c.open_steps[0][2], CLOSE_DAYS)
        c.closed_at = next((s for s in sweeps if s > deadline), None)
        c.completed_at = c.closed_at


def _submit(session, ctx, c: Complaint, phone: str | None = None) -> None:
    petugas = actor("petugas", "petugas1") if c.channel in PETUGAS_CHANNELS else None
    sub = runtime.submit_complaint(session, ctx, c.process, _intake(c, phone), actor=petugas)
    c.tracking_code, c.instance_id, c.reporter_key = sub.tracking_code, sub.instance.id, sub.reporter_key
    first = "verifikasi_formulir" if c.process == "muba_pengaduan" else "catat_buku_pengaduan"
    c.open_steps = [(first, "petugas", c.entered_at)]


NEXT = {
    ("muba_pengaduan", "verifikasi_formulir", True): ("periksa_laporan", "kasi"),
    ("muba_pengaduan", "verifikasi_formulir", False): ("lengkapi_pengaduan", "pelapor"),
    ("muba_pengaduan", "lengkapi_pengaduan", None): ("verifikasi_formulir", "petugas"),
    ("muba_pengaduan", "periksa_laporan", None): ("beri_solusi", "kabid"),
    ("muba_pengaduan", "beri_solusi", None): None,
    ("sanggau_pengaduan", "catat_buku_pengaduan", None): ("distribusikan_aduan", "kasi"),
    ("sanggau_pengaduan", "distribusikan_aduan", None): ("tanggapi_kelengkapan", "kabid"),
    ("sanggau_pengaduan", "tanggapi_kelengkapan", True): ("koordinasi_tim", "kasi"),
    ("sanggau_pengaduan", "tanggapi_kelengkapan", False): ("lengkapi_pengaduan", "pelapor"),
    ("sanggau_pengaduan", "lengkapi_pengaduan", None): ("tanggapi_kelengkapan", "kabid"),
    ("sanggau_pengaduan", "koordinasi_tim", None): ("susun_jawaban", "kabid"),
    ("sanggau_pengaduan", "susun_jawaban", None): ("sampaikan_jawaban", "kasi"),
    ("sanggau_pengaduan", "sampaikan_jawaban", None): None,
}


def _step(session, ctx, c: Complaint, when: datetime, bpmn_id: str, who: str, data: dict) -> None:
    [(open_id, role, ready_at)] = c.open_steps
    assert open_id == bpmn_id, (c.number, open_id, bpmn_id)
    if role == "pelapor":
        runtime.complete_reporter_task(session, ctx, c.tracking_code, c.reporter_key, data)
    else:
        row = session.scalars(select(HumanTask).where(HumanTask.instance_id == c.instance_id,
                                                      HumanTask.bpmn_id == bpmn_id,
                                                      HumanTask.state == "ready")).one()
        runtime.complete_task(session, ctx, row.id, data, actor=actor(role, who))
    c.done.append(Done(bpmn_id, role, who if role != "pelapor" else "pelapor", ready_at, when))
    following = NEXT.get((c.process, bpmn_id, data.get("lengkap") if "lengkap" in data else None))
    c.open_steps = [(following[0], following[1], when)] if following else []
    if following is None:
        c.completed_at = when
