"""Shared fixtures: an engine over a fresh SQLite file with the shipped processes deployed, a movable clock,
actors per role, and (for tests marked ``postgres``) a throw-away PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import deploy, users
from engine.actors import SYSTEM_INIT, Actor
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock
from engine.context import EngineContext
from engine.db import create_schema, make_engine, make_session_factory

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
DATA = Path(__file__).resolve().parent / "data"
# Friday 13 March 2026, 09:00 WIB: a working day just before the Idul Fitri 1447 H holidays.
START = datetime(2026, 3, 13, 2, 0, tzinfo=UTC)


def shipped_forms() -> dict[str, str]:
    """Every form file in processes/forms."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((PROCESSES / "forms").glob("*.json"))}


def deploy_shipped(session, ctx) -> None:
    """Load roles and deploy every shipped BPMN."""
    users.load_roles(session, ctx, PROCESSES / "roles.json")
    forms = shipped_forms()
    for path in sorted(PROCESSES.glob("*.bpmn")):
        deploy.deploy_process(session, ctx, path.read_bytes(), forms, actor=SYSTEM_INIT, filename=path.name)


@pytest.fixture
def clock():
    """A clock that only moves when the test moves it."""
    return FixedClock(START)


@pytest.fixture
def ctx(clock):
    """Engine context with the movable clock and the default office calendar."""
    return EngineContext(clock=clock, calendar=OfficeCalendar())


@pytest.fixture
def db_url(tmp_path):
    """URL of a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'alur.sqlite'}"


@pytest.fixture
def sa_engine(db_url):
    """A SQLAlchemy engine over a fresh schema."""
    engine = make_engine(db_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(sa_engine):
    """Session factory bound to the test database."""
    return make_session_factory(sa_engine)


@pytest.fixture
def session(session_factory):
    """A session on the test database."""
    with session_factory() as s:
        yield s


@pytest.fixture
def deployed(session, ctx):
    """The test database with roles and every shipped process deployed."""
    deploy_shipped(session, ctx)
    return session


def actor(role: str, name: str | None = None) -> Actor:
    """An official holding ``role``."""
    return Actor(name or f"{role}1", frozenset({role}))


@pytest.fixture
def roles():
    """Actors by role key."""
    return {r: actor(r) for r in ("petugas", "kasi", "kabid", "kepala_dinas", "process_owner", "auditor")}


def postgres_url() -> str | None:
    """The PostgreSQL URL for tests, if one is configured."""
    return os.environ.get("ALUR_TEST_POSTGRES_URL")


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL schema on the configured server (dropped afterwards); skips without a server."""
    url = postgres_url()
    if not url:
        if os.environ.get("ALUR_REQUIRE_POSTGRES"):
            pytest.fail("ALUR_REQUIRE_POSTGRES is set but ALUR_TEST_POSTGRES_URL is not")
        pytest.skip("no PostgreSQL: set ALUR_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test")
    schema = f"alur_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # noqa: BLE001 - a missing server is a skip, unless CI demands it
        admin.dispose()
        if os.environ.get("ALUR_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"PostgreSQL not reachable: {error}")
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_session_factory(pg_url):
    """Session factory over the throw-away PostgreSQL schema with Alur's tables created; skips without a server."""
    engine = make_engine(pg_url)
    create_schema(engine)
    yield make_session_factory(engine)
    engine.dispose()


# -- web application ------------------------------------------------------------------------------

PASSWORDS = {r: f"sandi-{r}-123" for r in
             ("petugas", "kasi", "kabid", "kepala_dinas", "process_owner", "auditor", "admin")}


def deploy_with_users(session, ctx, passwords: dict[str, str] | None = None) -> None:
    """Roles, every shipped process and one user per role (username = role, password from ``passwords``)."""
    deploy_shipped(session, ctx)
    for role, password in (passwords or PASSWORDS).items():
        users.create_user(session, ctx, role, password, [role], actor=SYSTEM_INIT)


def deployed_app(url: str, clock):
    """The Flask app over a fresh database at ``url``, processes deployed, one user per role (username = role)."""
    from tasks_ui import create_app
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    application = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret", "ALUR_CLOCK": clock,
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False,
    })
    with application.app_context():
        create_schema(db.engine)
        deploy_with_users(db.session, engine_context())
        db.session.remove()
    return application


@pytest.fixture
def app(db_url, clock):
    """The Flask app over a fresh SQLite file, processes deployed, one user per role (username = role)."""
    from tasks_ui.extensions import db

    application = deployed_app(db_url, clock)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token embedded in a page's form."""
    import re

    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def login(client):
    """``login(role)`` logs the client in as the demo user of that role (``login(name, password)``: any user)."""

    def _login(username: str, password: str | None = None):
        token = csrf_token(client)
        response = client.post("/login", data={"username": username, "password": password or PASSWORDS[username],
                                               "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return _login


@pytest.fixture
def api_token(client):
    """``api_token(role)`` → bearer headers for the API."""

    def _token(username: str) -> dict:
        response = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORDS[username]})
        assert response.status_code == 201
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return _token
