"""Real processes for the scale tests: ``alur`` subprocesses, a gunicorn server on a free loopback port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ALUR = Path(sys.executable).with_name("alur")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alur_env(instance: Path, database_url: str | None = None, **extra: str) -> dict:
    """Environment for ``alur`` subprocesses over ``instance`` (and ``database_url`` when given)."""
    env = {**os.environ, "ALUR_INSTANCE_PATH": str(instance), "ALUR_COOKIE_SECURE": "0",
           "ALUR_SECRET_KEY": "scale-test-secret", **extra}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run_alur(env: dict, *args: str, stdin: str = "", timeout: float = 180) -> subprocess.CompletedProcess:
    """Run ``alur ARGS`` to completion."""
    return subprocess.run([str(ALUR), *args], input=stdin, capture_output=True, text=True, env=env,
                          cwd=env["ALUR_INSTANCE_PATH"].rsplit("/", 1)[0], timeout=timeout)


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None,
         timeout: float = 30) -> tuple[int, dict | str]:
    """One JSON request; returns (status, parsed body or text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except json.JSONDecodeError:
        return status, text


class Server:
    """``alur serve --workers N`` as a subprocess (gunicorn), reachable at ``self.url``."""

    def __init__(self, env: dict, workers: int = 2, threads: int = 4, log: Path | None = None):
        self.env, self.workers, self.threads = env, workers, threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or Path(env["ALUR_INSTANCE_PATH"]) / f"serve-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, wait: float = 60) -> Server:
        """Start and wait until ``/healthz`` answers."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [str(ALUR), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
             "--threads", str(self.threads)], env=self.env, stdout=out, stderr=subprocess.STDOUT,
            cwd=self.env["ALUR_INSTANCE_PATH"].rsplit("/", 1)[0], start_new_session=True)
        out.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if http("GET", self.url + "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """``kill -9`` the whole server (master and workers), as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then a kill if it hangs."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def worker_pids(self) -> list[int]:
        """Process ids of the gunicorn workers (children of the master)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []


# -- PostgreSQL -----------------------------------------------------------------------------------

def pg_schema_of(url: str) -> str:
    """The schema a ``pg_url`` points its search_path at."""
    return url.rsplit("search_path%3D", 1)[1].split("&")[0]


def prepare_pg(url: str, ctx, passwords: dict[str, str] | None = None) -> None:
    """Schema, roles, shipped processes and one user per role (username = role) on ``url``."""
    from engine.db import create_schema, make_engine, make_session_factory
    from tests.conftest import deploy_with_users

    sa_engine = make_engine(url)
    try:
        create_schema(sa_engine)
        with make_session_factory(sa_engine)() as session:
            deploy_with_users(session, ctx, passwords)
    finally:
        sa_engine.dispose()


def official_password(name: str) -> str:
    """The password :func:`add_officials` gives ``name``."""
    return f"sandi-{name}-123"


def add_officials(url: str, ctx, role: str, count: int) -> list[str]:
    """``count`` more users holding ``role`` (``<role>_1`` …); their usernames."""
    from engine import users
    from engine.actors import SYSTEM_INIT
    from engine.db import make_engine, make_session_factory

    names = [f"{role}_{i + 1}" for i in range(count)]
    sa_engine = make_engine(url)
    try:
        with make_session_factory(sa_engine)() as session:
            for name in names:
                users.create_user(session, ctx, name, official_password(name), [role], actor=SYSTEM_INIT)
    finally:
        sa_engine.dispose()
    return names


def api_tokens(base_url: str, names: list[str]) -> dict[str, str]:
    """A bearer token per user, through ``POST /api/v1/tokens`` (the server's rate limit must be off)."""
    tokens = {}
    for name in names:
        status, body = http("POST", base_url + "/api/v1/tokens",
                            {"username": name, "password": official_password(name)}, timeout=60)
        assert status == 201, body
        tokens[name] = body["token"]
    return tokens


_WORDS = ("buku", "rak", "kartu", "anggota", "ruang", "baca", "komputer", "internet", "petugas", "antrean",
          "denda", "pinjam", "kembali", "koleksi", "anak", "majalah", "koran", "katalog", "toilet", "parkir",
          "lampu", "kursi", "meja", "pendingin", "jadwal", "libur", "layanan", "referensi", "arsip", "salinan",
          "fotokopi", "wifi", "sandi", "loker", "tas", "hilang", "rusak", "kotor", "bising", "lambat")


def varied_intake(n: int) -> dict:
    """The n-th distinct muba complaint: its own reporter, phone and wording (no duplicate flags)."""
    import random

    from tests.engine_helpers import MUBA_INTAKE

    rng = random.Random(n)
    words = " ".join(rng.choice(_WORDS) for _ in range(14))
    return {**MUBA_INTAKE, "subject": f"Aduan {n}: {' '.join(rng.sample(_WORDS, 3))}",
            "description": f"{words} ({n}).",
            "reporter": {**MUBA_INTAKE["reporter"], "name": f"Warga {n}", "phone": f"0812{n:08d}"}}
