"""A small, hand-counted set of complaints for the report pages (dashboard and recap), seeded through
the engine.

Times are WIB (UTC+7). ``seed_reports`` leaves the clock at Fri 13 Mar 2026 10:00 WIB with:

- A (muba, whatsapp): received Mon 2 Mar 09:00, verified 09:05 (on time), checked 09:20 (late: due 09:15),
  answered 09:30 (on time) → completed on 2 Mar;
- B (muba, telepon): received Fri 13 Mar 09:00, its verification (due 09:10) is still waiting → overdue;
- C (sanggau, email): received Fri 13 Mar 09:00, waiting at catat_buku_pengaduan (no standard time;
  SLA 7 working days) → not overdue;
- D (muba, tatap_muka): received Fri 13 Mar 09:00, every step on time, answered 09:20 → completed today.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import actor
from tests.engine_helpers import MUBA_INTAKE, step

WIB = timezone(timedelta(hours=7))
SEED_NOW = datetime(2026, 3, 13, 10, 0, tzinfo=WIB)

#: What the dashboard must show at SEED_NOW, counted by hand from the scenario above.
EXPECTED = {
    "received_today": 3,
    "answered_today": 1,
    "open": 2,
    "received_month": 4,
    "answered_month": 2,
    "overdue": 1,
    "ready": 2,
    "on_time": 5,
    "late": 1,
    "weeks": {"2026-03-02": (1, 1), "2026-03-09": (3, 1)},
}

VERIFY = {"lengkap": True, "nomor_buku_pengaduan": "041/2026"}
CHECK = {"hasil_pemeriksaan": "benar", "catatan_solusi": "Koreksi data sirkulasi."}
ANSWER = {"bentuk_jawaban": "tertulis", "jawaban": "Data sudah dikoreksi."}


def seed(session, ctx, clock) -> dict[str, int]:
    """Seed complaints A–D (see the module docstring); return their instance ids."""
    from engine import runtime

    petugas, kasi, kabid = actor("petugas"), actor("kasi"), actor("kabid")

    def submit(channel: str, process: str = "muba_pengaduan") -> int:
        return runtime.submit_complaint(
            session, ctx, process, {**MUBA_INTAKE, "channel": channel}
        ).instance.id

    def walk(instance_id: int, minutes: tuple[int, int, int]) -> None:
        for (bpmn_id, who, data), delay in zip(
            (
                ("verifikasi_formulir", petugas, VERIFY),
                ("periksa_laporan", kasi, CHECK),
                ("beri_solusi", kabid, ANSWER),
            ),
            minutes,
            strict=True,
        ):
            clock.advance(minutes=delay)
            step(session, ctx, instance_id, bpmn_id, who, data)

    ids = {}
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=WIB))
    ids["A"] = submit("whatsapp")
    walk(ids["A"], (5, 15, 10))
    clock.set(datetime(2026, 3, 13, 9, 0, tzinfo=WIB))
    ids["B"] = submit("telepon")
    ids["C"] = submit("email", "sanggau_pengaduan")
    ids["D"] = submit("tatap_muka")
    walk(ids["D"], (5, 5, 10))
    clock.set(SEED_NOW)
    return ids


@pytest.fixture
def seeded_reports(app, clock):
    """The app's database with complaints A–D; the clock at SEED_NOW. Returns the instance ids."""
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        ids = seed(db.session, engine_context(), clock)
        db.session.remove()
    return ids


def tile(html: str, name: str) -> str:
    """The number a report page shows on its figure tile ``name``."""
    match = re.search(rf'data-figure="{name}"><span class="tile-n">([^<]*)</span>', html)
    assert match, f"no tile {name}"
    return match.group(1)


__all__ = ["seeded_reports"]
