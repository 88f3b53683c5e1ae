"""``alur serve --workers N`` runs gunicorn with N stateless worker processes over one database."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

from tasks_ui.serving import gunicorn_options
from tests.scale_fixtures import Server, alur_env, http, run_alur


def test_gunicorn_options_for_several_workers():
    options = gunicorn_options("0.0.0.0", 8000, 4, threads=8)
    assert options["bind"] == "0.0.0.0:8000" and options["workers"] == 4
    assert options["worker_class"] == "gthread" and options["preload_app"] is False
    assert options["control_socket_disable"] is True
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


def test_healthz_deep_checks_database_schema_and_overdue_timers(app, client, clock):
    from sqlalchemy import text

    from engine import runtime
    from engine.actors import SYSTEM_INIT
    from engine.schema import head_revision
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context
    from tests.timer_fixtures import TIMER_PROCESS, TINY_FORMS

    assert client.get("/healthz").get_json() == {"status": "ok"}
    body = client.get("/healthz?deep=1").get_json()
    assert body == {"status": "ok", "schema_revision": head_revision(), "code_revision": head_revision(),
                    "overdue_timers": 0}
    with app.app_context():
        from engine import deploy

        deploy.deploy_process(db.session, engine_context(), TIMER_PROCESS, TINY_FORMS, actor=SYSTEM_INIT)
        runtime.start_instance(db.session, engine_context(), "tiny", {}, actor=SYSTEM_INIT)  # timer due in 1 h
        db.session.remove()
    clock.advance(minutes=65)
    assert client.get("/healthz?deep=1").status_code == 200  # due 5 minutes ago: a sweep may be on its way
    clock.advance(minutes=10)
    response = client.get("/healthz?deep=1")
    assert response.status_code == 503
    assert response.get_json()["status"] == "timers_overdue" and response.get_json()["overdue_timers"] == 1
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    assert client.get("/healthz?deep=1").get_json()["status"] == "schema_not_current,timers_overdue"


def test_proxy_count_trusts_forwarded_headers_only_when_set(monkeypatch, db_url):
    from flask import request

    from tasks_ui import create_app

    def remote_addr_app():
        application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x"})
        application.add_url_rule("/whoami", "whoami", lambda: {"addr": request.remote_addr,
                                                               "scheme": request.scheme})
        return application.test_client()

    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    monkeypatch.delenv("ALUR_PROXY_COUNT", raising=False)
    assert remote_addr_app().get("/whoami", headers=headers).get_json() == {"addr": "127.0.0.1", "scheme": "http"}
    monkeypatch.setenv("ALUR_PROXY_COUNT", "1")
    assert remote_addr_app().get("/whoami", headers=headers).get_json() == {"addr": "203.0.113.7",
                                                                             "scheme": "https"}
