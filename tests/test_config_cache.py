"""The lane roles and the calendar's overrides are cached per process (engine/config_cache.py), yet a change
made elsewhere — another worker or host, a CLI command, psql — is seen by the very next request, and a change
rolled back is never seen. On SQLite and on PostgreSQL (a throw-away schema; skipped without a server)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask_login import login_required
from sqlalchemy import text

from engine.db import make_engine
from engine.models import CalendarOverride
from tests.conftest import PASSWORDS, csrf_token, deployed_app
from tests.test_scale_statements import _recorded

DAY = date(2026, 3, 16)  # a Monday: a working day unless overridden


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, db_url):
    return db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def app(url, clock):
    """The app on either backend, with a probe of what a request sees: its calendar's overrides and the
    official roles, behind a login (token or session) and on a public path."""
    from flask import jsonify

    from tasks_ui.auth.blueprint import official_roles
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    application = deployed_app(url, clock)

    def seen():
        overrides = engine_context().calendar.overrides
        return jsonify({"overrides": {day.isoformat(): working for day, working in overrides.items()},
                        "roles": sorted(official_roles())})

    application.add_url_rule("/_probe", "probe", login_required(seen))
    application.add_url_rule("/_probe/public", "probe_public", seen)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def elsewhere(url):
    """``elsewhere(sql)`` commits plain SQL through a connection of its own, as psql or another host would."""
    sa_engine = make_engine(url)

    def _run(*statements: str) -> None:
        with sa_engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))

    yield _run
    sa_engine.dispose()


@pytest.fixture
def statements(app):
    """The statements the app sends, recorded while the test runs."""
    sent, stop = _recorded(app)
    yield sent
    stop()


def _reads(sent: list[str]) -> list[str]:
    return [s for s in sent if re.search(r"FROM (calendar_override|role)\b", s)]


def _seen(client, path="/_probe", headers=None):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


INSERT_OVERRIDE = ("INSERT INTO calendar_override (day, is_working_day, reason, created_by, created_at) "
                   f"VALUES ('{DAY.isoformat()}', false, 'Hari jadi kabupaten', 'psql', CURRENT_TIMESTAMP)")
INSERT_ROLE = ("INSERT INTO role (key, name_id, name_en, description, is_lane) "
               "VALUES ('penelaah', 'Penelaah', 'Reviewer', '', true)")


def test_a_change_made_elsewhere_is_seen_by_the_very_next_request(app, client, api_token, elsewhere, statements):
    petugas = api_token("petugas")
    before = _seen(client, headers=petugas)
    assert before["overrides"] == {} and "petugas" in before["roles"] and "penelaah" not in before["roles"]
    statements.clear()
    assert _seen(client, headers=petugas) == before
    assert not _reads(statements), "unchanged, yet read again"
    assert len(statements) == 1, statements  # the token, its user, roles and the stamp: one query

    for changes, expected in [
        ((INSERT_OVERRIDE,), ({DAY.isoformat(): False}, False)),
        ((f"UPDATE calendar_override SET is_working_day = true WHERE day = '{DAY.isoformat()}'",),
         ({DAY.isoformat(): True}, False)),
        ((INSERT_ROLE,), ({DAY.isoformat(): True}, True)),
        (("UPDATE role SET is_lane = false WHERE key = 'penelaah'", "DELETE FROM calendar_override"), ({}, False)),
        (("UPDATE role SET is_lane = true WHERE key = 'penelaah'",), ({}, True)),
        (("DELETE FROM role WHERE key = 'penelaah'",), ({}, False)),
    ]:
        elsewhere(*changes)
        seen = _seen(client, headers=petugas)
        assert (seen["overrides"], "penelaah" in seen["roles"]) == expected, changes
        statements.clear()
        assert _seen(client, headers=petugas) == seen
        assert not _reads(statements), "read again though unchanged since"


def test_session_logins_and_public_pages_see_the_change_too(app, client, elsewhere, statements):
    response = client.post("/login", data={"username": "kasi", "password": PASSWORDS["kasi"],
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert _seen(client)["overrides"] == {} and _seen(client, "/_probe/public")["overrides"] == {}
    statements.clear()
    _seen(client)
    assert len(statements) == 1 and "config_stamp" in statements[0], statements  # user, roles, stamp
    elsewhere(INSERT_OVERRIDE, INSERT_ROLE)
    seen = _seen(client)
    assert seen["overrides"] == {DAY.isoformat(): False} and "penelaah" in seen["roles"]

    anonymous = app.test_client()
    assert _seen(anonymous, "/_probe/public") == seen
    statements.clear()
    assert _seen(anonymous, "/_probe/public") == seen
    assert statements == [s for s in statements if "FROM config_stamp" in s] and len(statements) == 1, statements
    elsewhere("DELETE FROM calendar_override")
    assert _seen(anonymous, "/_probe/public")["overrides"] == {}


def test_a_change_rolled_back_is_never_seen(app, client, api_token, elsewhere):
    """A request that reads the stamp, writes an override, reads the calendar (a cache miss: it sees its own
    write) and then fails: the calendar it cached went with the stamp its write made, which no one ever reads."""
    from tasks_ui.extensions import db
    from tasks_ui.wiring import config_stamp, engine_context

    petugas = api_token("petugas")
    assert _seen(client, headers=petugas)["overrides"] == {}
    elsewhere("UPDATE role SET name_en = 'Clerk (changed)' WHERE key = 'petugas'")  # the cached entry is now old
    with app.test_request_context("/"):
        config_stamp()  # read at the request's start, as the user's query does
        db.session.add(CalendarOverride(day=DAY, is_working_day=False, reason="x", created_by="x",
                                        created_at=datetime(2026, 3, 1, tzinfo=UTC)))
        db.session.flush()
        assert DAY in engine_context().calendar.overrides  # its own transaction
        db.session.rollback()
        db.session.remove()
    assert _seen(client, headers=petugas)["overrides"] == {}


def test_the_timer_worker_and_cli_context_see_the_change(app, elsewhere):
    """Outside a request (``alur timers``, the CLI) the stamp is read alone before the cache is asked."""
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        assert engine_context().calendar.is_working_day(DAY)
        db.session.remove()
    elsewhere(INSERT_OVERRIDE)
    with app.app_context():
        assert not engine_context().calendar.is_working_day(DAY)
        db.session.remove()
