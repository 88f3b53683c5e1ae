"""``alur serve --workers N`` runs gunicorn with N stateless worker processes over one database."""

from __future__ import annotations

from http.cookiejar import CookieJar
import re
import time
import urllib.parse
import urllib.error
import urllib.request

from tasks_ui.serving import gunicorn_options
from tests.scale_fixtures import Server, alur_env, http, run_alur


def test_gunicorn_options_for_several_workers():
    options = gunicorn_options("0.0.0.0", 8000, 4, threads=8)
    assert options["bind"] == "0.0.0.0:8000" and options["workers"] == 4
    assert options["worker_class"] == "gthread" and options["preload_app"] is False
    assert gunicorn_options("127.0.0.1", 1, 2, threads=1)["worker_class"] == "sync"


def _login(base_url: str) -> int:
    """Log in through the form with a fresh cookie jar; the status of the POST (302 = logged in)."""
    jar = CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(base_url + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "rina", "password": "sandi-rina-123", "csrf_token": token})
    try:
        return opener.open(base_url + "/login", data=form.encode()).status
    except urllib.error.HTTPError as error:
        return error.code


def test_serve_with_workers_runs_gunicorn_and_shares_sessions(tmp_path):
    env = alur_env(tmp_path / "instance")
    assert run_alur(env, "init").returncode == 0
    assert run_alur(env, "user", "add", "rina", "--role", "kasi", "--password-stdin",
                    stdin="sandi-rina-123\n").returncode == 0
    server = Server(env, workers=3).start()
    try:
        deadline = time.monotonic() + 20
        while len(server.worker_pids()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(server.worker_pids()) == 3
        statuses = [http("GET", server.url + "/healthz")[0] for _ in range(20)]
        assert statuses == [200] * 20
        page = http("GET", server.url + "/")
        assert page[0] == 200 and "muba_pengaduan" in page[1]
        # the login page and the login POST land on any worker: the CSRF session cookie is accepted by all
        assert [_login(server.url) for _ in range(8)] == [302] * 8
    finally:
        server.stop()
    assert server.process.returncode == 0
