"""Independent writes sent together (engine.writes): the same rows on SQLite and PostgreSQL, one statement on
PostgreSQL when every write is one row, one statement per write otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, event, insert, select, update

from engine.db import make_engine
from engine.writes import execute_together

_METADATA = MetaData()
NOTE = Table("note", _METADATA, Column("id", Integer, primary_key=True), Column("owner", Integer),
             Column("label", String(20)), Column("state", String(20)))
TALLY = Table("tally", _METADATA, Column("id", Integer, primary_key=True), Column("owner", Integer),
              Column("state", String(20), default="new"))
#: An update with parameters of its own names, as the runtime's timer update …
RENAME_NOTE = update(NOTE).where(NOTE.c.id == bindparam("note_id")).values(label=bindparam("new_label"))
#: … and statements whose columns are named by the parameters (the same names in each: owner, state).
UPDATE_TALLY = update(TALLY).where(TALLY.c.id == bindparam("tally_id"))
INSERT_NOTE = insert(NOTE)
INSERT_TALLY = insert(TALLY)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """(session, statements sent) over the two tables, with a note and a tally row, on either database."""
    from sqlalchemy.orm import Session

    url = f"sqlite:///{tmp_path / 'writes.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    sa_engine = make_engine(url)
    _METADATA.create_all(sa_engine)
    with sa_engine.begin() as connection:
        connection.execute(insert(NOTE), {"id": 1, "owner": 7, "label": "old", "state": "open"})
        connection.execute(insert(TALLY), {"id": 1, "owner": 7, "state": "open"})
    sent: list[str] = []
    event.listen(sa_engine, "before_cursor_execute", lambda _conn, _cursor, statement, *_: sent.append(statement))
    with Session(sa_engine) as session:
        yield session, sent
    sa_engine.dispose()


def _rows(session, table) -> list[tuple]:
    return [tuple(row) for row in session.execute(select(table).order_by(table.c.id))]


def test_single_row_writes_are_one_statement_on_postgres_with_each_parts_own_values(database):
    session, sent = database
    execute_together(session,
                     (RENAME_NOTE, [{"note_id": 1, "new_label": "renamed"}]),
                     (UPDATE_TALLY, [{"tally_id": 1, "owner": 8, "state": "closed"}]),
                     (INSERT_NOTE, [{"id": 2, "owner": 9, "label": "fresh", "state": "new"}]))
    postgres = session.get_bind().dialect.name == "postgresql"
    assert len(sent) == (1 if postgres else 3)
    assert _rows(session, NOTE) == [(1, 7, "renamed", "open"), (2, 9, "fresh", "new")]
    assert _rows(session, TALLY) == [(1, 8, "closed")]


def test_several_rows_or_a_left_out_default_are_one_statement_per_write(database):
    session, sent = database
    execute_together(session,
                     (RENAME_NOTE, [{"note_id": 1, "new_label": "a"}]),
                     (INSERT_NOTE, [{"id": 2, "owner": 1, "label": "b", "state": "x"},
                                    {"id": 3, "owner": 2, "label": "c", "state": "y"}]))
    assert len(sent) == 2
    # an INSERT in a WITH would not get the column's client-side default: not sent together
    execute_together(session, (INSERT_TALLY, [{"id": 2, "owner": 3}]),
                     (RENAME_NOTE, [{"note_id": 3, "new_label": "d"}]))
    assert len(sent) == 4
    assert _rows(session, NOTE) == [(1, 7, "a", "open"), (2, 1, "b", "x"), (3, 2, "d", "y")]
    assert _rows(session, TALLY) == [(1, 7, "open"), (2, 3, "new")]


def test_writes_without_rows_are_left_out(database):
    session, sent = database
    execute_together(session, (RENAME_NOTE, []), (INSERT_NOTE, []))
    assert sent == []
    execute_together(session, (RENAME_NOTE, []), (UPDATE_TALLY, [{"tally_id": 1, "state": "done"}]))
    assert len(sent) == 1
    assert _rows(session, TALLY) == [(1, 7, "done")]
