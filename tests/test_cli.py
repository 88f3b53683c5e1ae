"""The ``alur`` console script as an administrator runs it (a real subprocess on a fresh SQLite file)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ALUR = Path(sys.executable).with_name("alur")


@pytest.fixture
def run(tmp_path):
    env = {**os.environ, "ALUR_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("DATABASE_URL", None)

    def _run(*args, stdin: str = ""):
        return subprocess.run([str(ALUR), *args], input=stdin, capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)

    _run.db = tmp_path / "instance" / "alur.sqlite"
    return _run


def test_init_demo_user_add_and_audit_verify(run):
    first = run("init", "--demo")
    assert first.returncode == 0, first.stderr
    assert "muba_pengaduan v1 (dipasang)" in first.stdout and "sanggau_pengaduan v1 (dipasang)" in first.stdout
    assert "kepala_dinas" in first.stdout and "asesor" in first.stdout
    assert "perpusnas_pengaduan v1 (dipasang)" in first.stdout
    assert "sertifikasi_pustakawan v1 (dipasang)" in first.stdout
    again = run("init", "--demo")
    assert again.returncode == 0 and "muba_pengaduan v1 (sudah ada)" in again.stdout
    # the demo passwords are shown again (kept in the instance folder), and they are the same
    password_line = [line for line in first.stdout.splitlines() if line.strip().startswith("kasi ")][0]
    assert password_line in again.stdout

    added = run("user", "add", "rina", "--role", "kasi", "--role", "petugas", "--password-stdin",
                stdin="kata-sandi-rina\n")
    assert added.returncode == 0 and "kasi, petugas" in added.stdout
    refused = run("user", "add", "x", "--role", "satpam", "--password-stdin", stdin="kata-sandi-x\n")
    assert refused.returncode == 2 and "satpam" in refused.stderr

    verified = run("audit", "verify")
    assert verified.returncode == 0 and "utuh" in verified.stdout and "dicatat sebagai peristiwa #" in verified.stdout
    with sqlite3.connect(run.db) as conn:  # recorded in the chain with who ran it, for the auditor's page
        [(actor, payload)] = conn.execute("SELECT actor, payload FROM audit_event WHERE type = 'CHAIN_VERIFIED'")
        head = conn.execute("SELECT seq FROM audit_head").fetchone()[0]
    assert actor.startswith("cli:") and '"ok": true' in payload
    unrecorded = run("audit", "verify", "--no-record")
    assert unrecorded.returncode == 0 and "tidak dicatat" in unrecorded.stdout
    with sqlite3.connect(run.db) as conn:
        assert conn.execute("SELECT seq FROM audit_head").fetchone()[0] == head  # nothing written

    with sqlite3.connect(run.db) as conn:
        conn.execute("DROP TRIGGER audit_event_no_update")
        conn.execute("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2")
    broken = run("audit", "verify")
    assert broken.returncode == 1 and "#2" in broken.stderr and "isi catatan tidak cocok" in broken.stderr
