"""What one HTTP task completion asks of the database: the statements it sends, in which order.

Under the morning rush every writer queues on the audit chain's head row, so that lock must be taken after
the operation's other writes (the instance state, task and timer rows), just before the commit. The number of
statements per completion is a budget: each one is a round trip that every official waits for.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from tests.api_fixtures import *  # noqa: F403 - fixtures complain, api_token …
from tests.api_fixtures import VERIFIED, ready_of

#: Statements one API completion of the Muba verification step may send (it sent 19 before the token,
#: calendar and audit-head work; then 15 on SQLite: BEGIN IMMEDIATE is one of them). The recap's
#: per-complaint facts (engine.recap_facts) add three: one read of the instance's step rows with its
#: summary, the summary's update and the completed step's office time (step_time) — 18. The save's read of the
#: ready step rows and the recap's read of all of them became one query — 17. The calendar's overrides and the
#: lane roles are cached per process while the configuration stamp, read in the token's query, is unchanged
#: (engine/config_cache.py) — 15. The waiting timers joined the step rows' query (a UNION ALL) — 14.
STATEMENT_BUDGET = 14
#: The same on PostgreSQL (its BEGIN and COMMIT are not statements here, and there is no BEGIN IMMEDIATE): the
#: audit head moves in the events' statement (13), the timer rows' update and insert are one statement and so
#: are the step time and the summary's update (engine/writes.py) — 10.
POSTGRES_STATEMENT_BUDGET = 10


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app(request, db_url, clock):
    """The Flask app (tests/conftest.py) over SQLite or PostgreSQL."""
    from tasks_ui.extensions import db
    from tests.conftest import deployed_app

    application = deployed_app(db_url if request.param == "sqlite" else request.getfixturevalue("pg_url"), clock)
    yield application
    with application.app_context():
        db.engine.dispose()


def _budget(app, sqlite: int, postgres: int) -> int:
    return postgres if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else sqlite


def _recorded(app):
    from tasks_ui.extensions import db

    statements: list[str] = []
    with app.app_context():
        sa_engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    event.listen(sa_engine, "before_cursor_execute", record)
    return statements, lambda: event.remove(sa_engine, "before_cursor_execute", record)


def _first(statements: list[str], pattern: str) -> int:
    found = [i for i, s in enumerate(statements) if re.search(pattern, s, re.IGNORECASE)]
    assert found, f"no statement matches {pattern!r}:\n" + "\n".join(statements)
    return found[0]


def test_a_completion_locks_the_audit_head_last_and_stays_within_its_statement_budget(app, client, complain,
                                                                                       api_token):
    petugas = api_token("petugas")
    instance_id = complain()["instance_id"]
    task = ready_of(client, petugas, instance_id)
    statements, stop = _recorded(app)
    try:
        response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": VERIFIED}, headers=petugas)
    finally:
        stop()
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["next_tasks"], "the kasi's step should be ready"

    head = _first(statements, r"^SELECT .* FROM audit_head")
    for write in (r"^UPDATE process_instance", r"^UPDATE human_task", r"^INSERT INTO human_task"):
        assert _first(statements, write) < head, f"{write} after the audit head was locked"
    assert _first(statements, r"^(WITH moved_head .*)?INSERT INTO audit_event") > head
    # the earlier requests cached the calendar and the lane roles under the stamp the token's query reads
    assert not [s for s in statements if re.search(r"FROM (calendar_override|role)\b", s)], \
        "the calendar or the lane roles read again though unchanged"
    assert sum(1 for s in statements if re.search(r"FROM (api_token|app_user|user_role|config_stamp)\b", s)) == 1, \
        "the bearer token, its user, roles and the configuration stamp should be one query"
    assert len(statements) <= _budget(app, STATEMENT_BUDGET, POSTGRES_STATEMENT_BUDGET), "\n".join(statements)


#: Statements of the completion that finishes a complaint (the kabid's answer, Muba; SQLite): a middle step's
#: budget plus the answer's two — the reporter's address with how the complaint ended (one query; the address
#: was read apart before: 16) and the outbox row.
FINAL_STATEMENT_BUDGET = 15
#: On PostgreSQL (as a middle step's, engine/writes.py).
POSTGRES_FINAL_STATEMENT_BUDGET = 11


def test_the_completion_that_queues_the_answer_reads_its_address_and_ending_in_one_query(app, client, complain,
                                                                                         api_token):
    instance_id = complain()["instance_id"]
    for user, data in (("petugas", VERIFIED),
                       ("kasi", {"hasil_pemeriksaan": "benar", "catatan_solusi": "Buku dipindah."})):
        headers = api_token(user)
        task = ready_of(client, headers, instance_id)
        response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=headers)
        assert response.status_code == 200, response.get_json()
    kabid = api_token("kabid")
    task = ready_of(client, kabid, instance_id)
    statements, stop = _recorded(app)
    try:
        response = client.post(f"/api/v1/tasks/{task['id']}/complete",
                               json={"data": {"bentuk_jawaban": "tertulis", "jawaban": "Buku sudah kembali."}},
                               headers=kabid)
    finally:
        stop()
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["instance_status"] == "completed"
    assert not [s for s in statements if re.search(r"^SELECT complaint_intake", s)], \
        "the reporter's address read apart from how the complaint ended"
    assert _first(statements, r"^INSERT INTO outbox_message") < _first(statements, r"^SELECT .* FROM audit_head")
    assert len(statements) <= _budget(app, FINAL_STATEMENT_BUDGET, POSTGRES_FINAL_STATEMENT_BUDGET), \
        "\n".join(statements)


#: Statements of a citizen's submission through the API (Muba; SQLite, the complaint before it on file): the
#: start, the intake step's completion, the intake record, the duplicate check and the receipt. Their audit
#: events are chained in one append at the end (the head was locked and moved three times before: 32) — 26.
#: The intake step's row is the one the start's save inserted (not read back) and the same phone or e-mail is
#: one query — 24. The answer's instance id is kept from before the commit (the instance, expired by the commit,
#: was loaded again with its version for it) — 23.
SUBMISSION_STATEMENT_BUDGET = 23
#: On PostgreSQL: no BEGIN IMMEDIATE, the audit head moves in the events' statement — 21.
POSTGRES_SUBMISSION_STATEMENT_BUDGET = 21


def test_a_submission_locks_the_audit_head_once_after_its_writes_and_stays_within_its_statement_budget(
        app, complain):
    complain()  # the first submission caches what every later one reuses; this one's duplicate check has work
    statements, stop = _recorded(app)
    try:
        body = complain(subject="Lampu ruang baca mati", description="Dua lampu di ruang baca mati sejak Senin.")
    finally:
        stop()
    assert body["tracking_code"]
    heads = [i for i, s in enumerate(statements) if re.search(r"^SELECT .* FROM audit_head", s)]
    assert len(heads) == 1, "the submission's events should be chained in one append:\n" + "\n".join(statements)
    for write in (r"^INSERT INTO process_instance", r"^INSERT INTO human_task", r"^INSERT INTO complaint_intake",
                  r"^INSERT INTO outbox_message"):
        assert _first(statements, write) < heads[0], f"{write} after the audit head was locked"
    assert not [s for s in statements[heads[0]:] if re.search(r"^SELECT .* FROM process_instance", s)], \
        "the instance read again after the commit for its id"
    assert len(statements) <= _budget(app, SUBMISSION_STATEMENT_BUDGET, POSTGRES_SUBMISSION_STATEMENT_BUDGET), \
        "\n".join(statements)
