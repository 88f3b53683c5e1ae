"""``alur replay``: exit 0 when the history reproduces, 1 with the divergence, 2 for an unknown instance."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from engine import runtime
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock
from engine.context import EngineContext
from engine.db import make_engine, make_session_factory
from tasks_ui.cli import main
from tests.conftest import actor
from tests.engine_helpers import MUBA_INTAKE, step


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("ALUR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["init"]) == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'alur.sqlite'}")
    clock = FixedClock(datetime(2026, 4, 6, 2, 0, tzinfo=UTC))
    ctx = EngineContext(clock=clock, calendar=OfficeCalendar())
    with make_session_factory(engine)() as session:
        sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", MUBA_INTAKE)
        clock.advance(minutes=30)
        step(session, ctx, sub.instance.id, "verifikasi_formulir", actor("petugas"),
             {"lengkap": True, "nomor_buku_pengaduan": "BP-9"})
    yield engine
    engine.dispose()


def test_replay_exit_codes(database, capsys):
    capsys.readouterr()
    assert main(["replay", "1"]) == 0
    assert "terulang sama" in capsys.readouterr().out
    assert main(["replay", "--from", "2026-04-06", "--to", "2026-04-06"]) == 0
    assert "1 dari 1 instans terulang sama" in capsys.readouterr().out
    assert main(["replay", "77"]) == 2
    assert "tidak ditemukan" in capsys.readouterr().err
    with database.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_event_no_update"))
        connection.execute(text("UPDATE audit_event SET payload = json_set(payload, '$.input.lengkap', json('false'))"
                                " WHERE type = 'TASK_COMPLETED' AND bpmn_id = 'verifikasi_formulir'"))
    assert main(["replay", "1"]) == 1
    out = capsys.readouterr().out
    assert "BERBEDA pada peristiwa #" in out and "verifikasi_formulir" in out and "lengkap" in out
    assert "replay_" in out and ("berbeda" in out or "eksekusi ulang" in out)  # code and Indonesian reason
