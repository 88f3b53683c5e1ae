"""``alur import email|lapor`` print progress per item and are idempotent; ``alur outbox send`` without SMTP."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.channels_fixtures import CHANNEL_DATA, make_email, write_mbox

ALUR = Path(sys.executable).with_name("alur")


@pytest.fixture
def run(tmp_path):
    env = {**os.environ, "ALUR_INSTANCE_PATH": str(tmp_path / "instance")}
    for key in ("DATABASE_URL", "ALUR_SMTP_HOST", "ALUR_COMPLAINT_PROCESS"):
        env.pop(key, None)

    def _run(*args):
        return subprocess.run([str(ALUR), *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)

    _run.db = tmp_path / "instance" / "alur.sqlite"
    return _run


def test_imports_print_progress_and_create_nothing_the_second_time(run, tmp_path):
    assert run("init", "--demo").returncode == 0
    box = write_mbox(tmp_path / "aduan.mbox", [make_email("<c1@example.id>"), make_email("<c2@example.id>", date=None)])
    ambiguous = run("import", "email", str(box))
    assert ambiguous.returncode != 0 and "--process" in ambiguous.stderr
    first = run("import", "email", str(box), "--process", "muba_pengaduan", "--user", "petugas")
    assert first.returncode == 1, first.stderr  # one malformed message
    assert "[1/2] + pesan 1 (aduan.mbox): created PGD-" in first.stdout
    assert "[2/2] ! pesan 2 (aduan.mbox): error tanggal (Date)" in first.stdout
    assert "1 dibuat, 0 sudah ada, 1 ditolak" in first.stdout
    again = run("import", "email", str(box), "--process", "muba_pengaduan")
    assert "0 dibuat, 1 sudah ada, 1 ditolak" in again.stdout

    lapor = run("import", "lapor", str(CHANNEL_DATA / "lapor_export.csv"), "--process", "sanggau_pengaduan")
    assert "[5/5]" in lapor.stdout and "3 dibuat, 0 sudah ada, 2 ditolak" in lapor.stdout
    lapor_again = run("import", "lapor", str(CHANNEL_DATA / "lapor_export.csv"), "--process", "sanggau_pengaduan")
    assert "0 dibuat, 3 sudah ada, 2 ditolak" in lapor_again.stdout
    with sqlite3.connect(run.db) as conn:
        assert conn.execute("SELECT count(*) FROM process_instance").fetchone() == (4,)
        assert conn.execute("SELECT recorded_by FROM complaint_intake ORDER BY instance_id").fetchall()[:2] == [
            ("petugas",), ("system:import",)]

    outbox = run("outbox", "send")
    assert outbox.returncode == 1 and "SMTP belum diatur" in outbox.stdout and "menunggu" in outbox.stdout
