"""A simulated month of traffic through the engine (both SOPs, recaps, timers, claims, user changes, a v2 of
both complaint processes deployed mid-month with some running complaints migrated to it) with a moving
FixedClock, and a recorder that checks every committed change wrote an audit event."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import event, select
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.visitors import iterate

from engine import runtime, users
from engine.actors import SYSTEM_INIT, SYSTEM_TIMER
from engine.deploy import deploy_process
from engine.editor_models import InstanceMigration
from engine.errors import TaskClaimedByOther
from engine.migration import dry_run, migrate_instances, revert_migration
from engine.models import ApiToken, AuditEvent, AuditHead, HumanTask, ProcessInstance
from engine.timers import sweep_due_timers
from tests.conftest import actor
from tests.editor_fixtures import muba_variant, shipped

#: Rows whose change is not a history event: the chain head itself, and login credentials.
UNAUDITED = (AuditHead, ApiToken)
UNAUDITED_TABLES = {cls.__tablename__ for cls in UNAUDITED}
OFFICIALS = {r: actor(r) for r in ("petugas", "kasi", "kabid", "kepala_dinas")}
OWNER = actor("process_owner", "pemilik")
#: The day (offset from the start) and hour the v2s are deployed and running complaints migrated.
MIGRATION_AT = (12, 10)


def intake(rng: random.Random, number: int, process: str) -> dict:
    """A complaint form with some variety in channel, anonymity and category."""
    data = {
        "channel": rng.choice(["kotak_pengaduan", "whatsapp", "telepon", "email", "tatap_muka"]),
        "reporter": {"name": f"Pelapor {number}", "address": f"Jl. Pasar {number}", "phone": f"0812{number:07d}"},
        "anonymity": rng.choice(["none", "none", "anonim", "rahasia"]),
        "subject": f"Pengaduan nomor {number}",
        "description": f"Uraian pengaduan nomor {number} tentang layanan perpustakaan.",
    }
    if process == "muba_pengaduan":
        data["category"] = rng.choice(["layanan_sirkulasi", "layanan_referensi", "fasilitas", "petugas"])
    return data


def step_data(rng: random.Random, row: HumanTask, form: dict | None, now: datetime) -> dict:
    """Plausible form data for the step ``row`` (some answers send the complaint round a loop)."""
    bpmn_id, n = row.bpmn_id, row.id
    if bpmn_id == "verifikasi_formulir":
        complete = rng.random() > 0.2
        return {"lengkap": complete, "nomor_buku_pengaduan": f"BP-{n}/2026",
                **({} if complete else {"kekurangan": "Mohon sebutkan judul buku."})}
    if bpmn_id == "lengkapi_pengaduan":
        return {"tambahan": f"Tambahan keterangan {n}."}
    if bpmn_id == "periksa_laporan":
        return {"hasil_pemeriksaan": rng.choice(["benar", "sebagian", "tidak_benar"]), "catatan_solusi": "Dicek."}
    if bpmn_id == "beri_solusi":
        return {"bentuk_jawaban": rng.choice(["lisan", "tertulis"]), "jawaban": f"Jawaban atas aduan {n}."}
    if bpmn_id == "catat_buku_pengaduan":
        return {"nomor_buku_pengaduan": f"BP-S{n}/2026"}
    if bpmn_id == "distribusikan_aduan":
        member = form["properties"]["penjawab_utama"]["oneOf"][0]["const"] if form else "kabid"
        return {"penjawab_utama": member, "libatkan_kepala_dinas": rng.random() < 0.3}
    if bpmn_id == "tanggapi_kelengkapan":
        complete = rng.random() > 0.2
        return {"lengkap": complete, "tanggapan": "Ditanggapi.", **({} if complete else {"kekurangan": "Tanggal?"})}
    if bpmn_id == "koordinasi_tim":
        return {"perlu_rapat": rng.random() < 0.4}
    if bpmn_id == "jadwalkan_rapat":
        return {"tanggal_rapat": now.date().isoformat(), "notulen_rapat": "Dibahas bersama."}
    if bpmn_id in ("susun_jawaban", "setujui_jawaban"):
        return {"jawaban": f"Jawaban resmi aduan {n}."}
    if bpmn_id == "sampaikan_jawaban":
        return {"cara_penyampaian": "whatsapp", "disampaikan_at": now.isoformat()}
    if bpmn_id.startswith("eskalasi_"):  # Sanggau's 7-day window and Muba's standard times
        return {"tindakan_eskalasi": "Segera tanggapi."}
    if bpmn_id == "susun_rekap":
        return {"periode_rekap": now.strftime("%Y-%m"), "ringkasan_rekap": "Rekap bulan ini."}
    if bpmn_id == "susun_laporan_semester":
        return {"periode_semester": "2026-S1", "ringkasan_laporan": "Laporan semester."}
    if bpmn_id in ("terima_rekap_kepala_dinas", "terima_laporan_semester"):
        return {"catatan_evaluasi": "Baik."}
    if bpmn_id == "arsipkan_dokumen":
        return {"nomor_arsip": f"REK-{n}", "tanggal_arsip": now.date().isoformat()}
    return {}


def second_versions() -> dict[str, bytes]:
    """The v2s a process owner deploys mid-month: Muba's verification gets 15 minutes (its standard time and
    its timer) and the answer moves to the kepala_dinas lane; Sanggau renames its book-keeping step."""
    muba = muba_variant(duration="PT15M", kabid_lane_role="kepala_dinas").replace(
        b'office_time_after(now(), "PT10M")', b'office_time_after(now(), "PT15M")', 1)
    sanggau = shipped("sanggau_pengaduan.bpmn").replace(b'name="Catat di Buku Pengaduan"',
                                                        b'name="Catat di Buku Register Pengaduan"')
    return {"muba_pengaduan": muba, "sanggau_pengaduan": sanggau}


@dataclass
class Month:
    """What the simulation did."""

    instance_ids: list[int] = field(default_factory=list)
    timers_fired: int = 0
    completions: int = 0
    neglected: set[int] = field(default_factory=set)
    migrated: set[int] = field(default_factory=set)
    reverted: set[int] = field(default_factory=set)


def _deploy_and_migrate(session, ctx, month: Month) -> None:
    """Deploy both v2s and move two of every three running complaints that can move; the first Muba move
    is reverted at once (the other third stays on v1)."""
    for process, bpmn in second_versions().items():
        old = runtime.latest_version(session, process)
        new, _ = deploy_process(session, ctx, bpmn, actor=OWNER)
        movable = [check.instance_id for check in dry_run(session, ctx, old.id, new.id) if check.can_move]
        chosen = [instance_id for n, instance_id in enumerate(movable) if n % 3 != 1]
        results = migrate_instances(session, ctx, chosen, new.id, actor=OWNER)
        assert chosen and all(refusal is None for refusal in results.values()), results
        month.migrated.update(chosen)
        if process == "muba_pengaduan":
            record = session.scalars(select(InstanceMigration)
                                     .where(InstanceMigration.instance_id == chosen[0])).one()
            revert_migration(session, ctx, record.id, actor=OWNER)
            month.migrated.discard(chosen[0])
            month.reverted.add(chosen[0])


def simulate_month(session_factory, session, ctx, clock, start: datetime, days: int = 30, seed: int = 7) -> Month:
    """Drive complaints of both offices, a monthly recap and a semester report for ``days`` days.

    ``session`` does the officials' work; the timer worker's sweep opens its own sessions from ``session_factory``.
    """
    rng = random.Random(seed)
    random.seed(seed)  # the sweep shuffles due instances with the global generator: the same month every run
    month = Month()
    keys: dict[int, str] = {}
    tz = ctx.calendar.tz
    users.create_user(session, ctx, "rina", "sandi-rina-123", ["petugas"], actor=SYSTEM_INIT)
    clock.set(start)
    for key in ("muba_rekap_bulanan", "sanggau_laporan_semester"):
        month.instance_ids.append(runtime.start_instance(session, ctx, key, {}, actor=OFFICIALS["kasi"]).id)
    number = 0
    for offset in range(days):
        day = (start.astimezone(tz) + timedelta(days=offset)).date()
        if offset == 10:
            users.set_user_roles(session, ctx, "rina", ["petugas", "kasi"], actor=SYSTEM_INIT)
        if offset == 20:
            users.set_user_active(session, ctx, "rina", False, actor=SYSTEM_INIT)
        for hour in range(8, 16):
            clock.set(datetime.combine(day, time(hour, rng.randrange(0, 50)), tz))
            session.rollback()  # the sweep writes through its own sessions; see what it did afterwards
            month.timers_fired += sweep_due_timers(session_factory, ctx, actor=SYSTEM_TIMER).fired
            session.rollback()
            if not ctx.calendar.is_working_day(day):
                continue
            if (offset, hour) == MIGRATION_AT:
                _deploy_and_migrate(session, ctx, month)
            if hour in (8, 11):
                for process in ("muba_pengaduan", "sanggau_pengaduan", "muba_pengaduan"):
                    number += 1
                    sub = runtime.submit_complaint(session, ctx, process, intake(rng, number, process),
                                                   actor=OFFICIALS["petugas"] if rng.random() < 0.3 else None)
                    month.instance_ids.append(sub.instance.id)
                    keys[sub.instance.id] = sub.reporter_key
                    if process == "sanggau_pengaduan" and number % 4 == 0:
                        month.neglected.add(sub.instance.id)  # nobody touches it: the 7-day timer fires
            _work(session, ctx, clock, rng, keys, month)
    return month


def _work(session, ctx, clock, rng, keys, month) -> None:
    rows = session.scalars(select(HumanTask).where(HumanTask.state == "ready").order_by(HumanTask.id)).all()
    for row in rows:
        if row.instance_id in month.neglected and not row.is_escalation or rng.random() < 0.4:
            continue
        if row.state != "ready":  # closed meanwhile: an answer ends a Muba complaint with its escalations
            continue
        clock.advance(minutes=rng.randrange(1, 5))
        instance = session.get(ProcessInstance, row.instance_id)
        data = step_data(rng, row, instance.version.forms.get(row.form_name or ""), clock.now())
        if row.role == "pelapor" and rng.random() < 0.6:
            runtime.complete_reporter_task(session, ctx, instance.tracking_code, keys[row.instance_id], data)
        else:
            official = OFFICIALS["petugas"] if row.role == "pelapor" else OFFICIALS[row.role]
            if rng.random() < 0.2:
                try:
                    runtime.claim_task(session, ctx, row.id, actor=official)
                    runtime.release_task(session, ctx, row.id, actor=official)
                    runtime.claim_task(session, ctx, row.id, actor=official)
                except TaskClaimedByOther:
                    continue
            runtime.complete_task(session, ctx, row.id, data, actor=official)
        month.completions += 1


class ChangeRecorder:
    """Records, per committed transaction of any session of ``sessions`` (a session or a sessionmaker),
    which tables changed and whether audit events were added."""

    def __init__(self, sessions):
        self.transactions: list[tuple[set[str], int]] = []
        self._changed: set[str] = set()
        self._events = 0
        event.listen(sessions, "before_flush", self._before_flush)
        event.listen(sessions, "do_orm_execute", self._executed)
        event.listen(sessions, "after_commit", self._after_commit)
        event.listen(sessions, "after_rollback", self._after_rollback)

    def _before_flush(self, session, _context, _instances) -> None:
        for obj in list(session.new) + list(session.dirty) + list(session.deleted):
            if isinstance(obj, AuditEvent):
                self._events += 1
            elif not isinstance(obj, UNAUDITED) and (obj not in session.dirty or session.is_modified(obj)):
                self._changed.add(type(obj).__tablename__)

    def _executed(self, state) -> None:
        """Statements the session executes: events are written by an insert statement (``audit.append_events``),
        and many rows of a save by Core INSERT/UPDATE/DELETE statements, not as flushed objects."""
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        table = getattr(state.statement, "table", None)
        if table is AuditEvent.__table__:
            self._events += len(state.parameters) if isinstance(state.parameters, list) else 1
        # every table the statement writes, also in its data-modifying WITHs (engine.writes on PostgreSQL)
        for element in iterate(state.statement):
            written = getattr(element, "table", None) if isinstance(element, UpdateBase) else None
            if written is not None and written is not AuditEvent.__table__ and written.name not in UNAUDITED_TABLES:
                self._changed.add(written.name)

    def _after_commit(self, _session) -> None:
        if self._changed or self._events:
            self.transactions.append((set(self._changed), self._events))
        self._changed, self._events = set(), 0

    def _after_rollback(self, _session) -> None:
        self._changed, self._events = set(), 0

    def unaudited(self) -> list[set[str]]:
        """Transactions that changed rows without adding any audit event."""
        return [tables for tables, events in self.transactions if tables and not events]
