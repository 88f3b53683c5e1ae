"""Schema migrations (Alembic): the revisions build exactly the models' schema, ``alur init`` upgrades an
existing database without losing a row, and refuses — touching nothing — a database in a state it does not
know. Each test runs on SQLite and on PostgreSQL (a throw-away schema; skipped without a server)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import MetaData, func, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError

from engine import deploy, runtime
from engine.actors import SYSTEM_INIT
from engine.audit import canonical_sha256, verify_chain
from engine.db import create_schema, load_model_modules, make_engine, make_session_factory
from engine.errors import SchemaStateUnknown
from engine.models import AuditEvent, Base, HumanTask, ProcessInstance, ProcessVersion, Timer
from engine.schema import (
    BASELINE,
    MIGRATIONS,
    alembic_config,
    describe_difference,
    head_revision,
    inspect_state,
    prepare_database,
    schema_differences,
    script_directory,
)
from engine.timers import sweep_due_timers
from tests.conftest import actor
from tests.engine_helpers import ready_task
from tests.scale_fixtures import alur_env, run_alur

FIXTURES = Path(__file__).resolve().parent / "data" / "schema"

HOW_TO_ADD_A_REVISION = """
The models (engine/*models*.py) and the migrations (engine/migrations/versions) disagree.
Every new table, column, index or constraint needs a migration revision, or existing databases never get it:

    .venv/bin/alur db revision -m "add <what you added>"

then read the generated file in engine/migrations/versions/ (autogenerate cannot see renames or data
changes), run this test again and commit the revision together with the model change.
Differences (database after `alembic upgrade head` -> models):
"""


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path):
    """An empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'alur.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sa_engine_of(url):
    engines = []

    def _make():
        engines.append(make_engine(url))
        return engines[-1]

    yield _make
    for e in engines:
        e.dispose()


def upgrade_to(sa_engine, revision: str, migrations: Path | None = None) -> None:
    with sa_engine.begin() as connection:
        command.upgrade(alembic_config(connection, migrations=migrations), revision)


def _decode(value, column):
    if isinstance(value, dict) and "$datetime" in value:
        at = datetime.fromisoformat(value["$datetime"])
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at
    if isinstance(value, dict) and "$date" in value:
        return date.fromisoformat(value["$date"])
    return value


def load_fixture(sa_engine, revision: str) -> dict:
    """Rows an older Alur stored (``tests/data/schema/<revision>.json``) into a database at ``revision``."""
    fixture = json.loads((FIXTURES / f"{revision}.json").read_text(encoding="utf-8"))
    assert fixture["revision"] == revision
    metadata = MetaData()
    metadata.reflect(sa_engine)
    with sa_engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_head"))  # the revision's genesis row; the fixture has its own
        for table in metadata.sorted_tables:
            rows = fixture["tables"].get(table.name)
            if not rows:
                continue
            for row in rows:
                for key, value in row.items():
                    value = _decode(value, table.c[key])
                    if isinstance(value, datetime) and sa_engine.dialect.name == "sqlite":
                        value = value.astimezone(UTC).replace(tzinfo=None)
                    row[key] = value
            connection.execute(insert(table), rows)
        if sa_engine.dialect.name == "postgresql":  # as pg_restore does: sequences continue after the rows
            for table in metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement is not False and fixture["tables"].get(table.name):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"))
    return json.loads((FIXTURES / f"{revision}.json").read_text(encoding="utf-8"))


def _plain(value):
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return {"$datetime": value.replace(tzinfo=None).isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def assert_fixture_rows_intact(sa_engine, fixture: dict) -> None:
    """Every row of the fixture is still there with every value it had."""
    metadata = MetaData()
    metadata.reflect(sa_engine)
    with sa_engine.connect() as connection:
        for name, rows in fixture["tables"].items():
            if not rows:
                continue
            table = metadata.tables[name]
            pk = [c.name for c in table.primary_key.columns]
            stored = {tuple(r[k] for k in pk): r for r in connection.execute(select(table)).mappings()}
            for row in rows:
                key = tuple(_decode(row[k], None) for k in pk)
                assert key in stored, f"{name} row {key} lost"
                have = {k: _plain(stored[key][k]) for k in row}
                want = {k: _plain(_decode(v, None)) for k, v in row.items()}
                if name == "audit_head":
                    continue  # moves on as new events are appended
                assert have == want, f"{name} row {key} changed"


def snapshot(sa_engine) -> dict:
    """Everything an upgrade could touch: tables, columns, indexes, triggers, every row."""
    insp = inspect(sa_engine)
    shape = {}
    for name in sorted(insp.get_table_names()):
        shape[name] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(name)],
            "indexes": sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(name)),
        }
    with sa_engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        rows = {t.name: sorted(repr(tuple(r)) for r in connection.execute(select(t))) for t in metadata.sorted_tables}
        if sa_engine.dialect.name == "sqlite":
            triggers = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type='trigger'")).all()
        else:
            triggers = connection.execute(text(
                "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal")).all()
    return {"shape": shape, "rows": rows, "triggers": sorted(map(tuple, triggers))}


def audit_is_append_only(sa_engine) -> bool:
    with sa_engine.connect() as connection:
        try:
            connection.execute(text("UPDATE audit_event SET actor = 'x'"))
            connection.execute(text("INSERT INTO audit_event (seq, at, actor, type, payload, prev_hash, hash) "
                                    "VALUES (999999, CURRENT_TIMESTAMP, 'a', 'T', '{}', 'p', 'h')"))
            connection.execute(text("DELETE FROM audit_event WHERE seq = 999999"))
        except DBAPIError as error:
            connection.rollback()
            return "append-only" in str(error)
        connection.rollback()
        return False


def config_stamp_follows_changes(sa_engine) -> bool:
    """Every kind of change to ``role`` and ``calendar_override`` — made here with plain SQL, as psql would —
    rewrites ``config_stamp.stamp`` (the workers' caches depend on it, engine/config_cache.py); rolled back."""
    changes = [
        "INSERT INTO calendar_override (day, is_working_day, reason, created_by, created_at) "
        "VALUES ('2031-01-02', false, 'x', 'sql', CURRENT_TIMESTAMP)",
        "UPDATE calendar_override SET is_working_day = true WHERE day = '2031-01-02'",
        "DELETE FROM calendar_override WHERE day = '2031-01-02'",
        "INSERT INTO role (key, name_id, name_en, description, is_lane) VALUES ('uji_stamp', 'U', 'U', '', true)",
        "UPDATE role SET is_lane = false WHERE key = 'uji_stamp'",
        "DELETE FROM role WHERE key = 'uji_stamp'",
    ]
    if sa_engine.dialect.name == "postgresql":
        changes.append("TRUNCATE calendar_override")
    with sa_engine.connect() as connection:
        stamps = [connection.execute(text("SELECT stamp FROM config_stamp WHERE id = 1")).scalar_one()]
        for change in changes:
            connection.execute(text(change))
            stamps.append(connection.execute(text("SELECT stamp FROM config_stamp WHERE id = 1")).scalar_one())
        connection.rollback()
    return all(a != b for a, b in zip(stamps, stamps[1:], strict=False))


# -- the revisions build the models' schema ----------------------------------------------------------

def test_one_head_and_the_baseline_is_its_root():
    heads = script_directory().get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: merge them (alembic merge) before landing"
    assert script_directory().get_base() == BASELINE


def test_every_revision_id_fits_alembic_version_column():
    # alembic_version.version_num is VARCHAR(32): PostgreSQL refuses a longer id at upgrade time
    too_long = [rev.revision for rev in script_directory().walk_revisions() if len(rev.revision) > 32]
    assert not too_long, f"revision ids longer than 32 characters: {too_long}"


def test_upgrade_head_builds_exactly_the_models_schema(sa_engine_of):
    sa_engine = sa_engine_of()
    upgrade_to(sa_engine, "head")
    load_model_modules()
    with sa_engine.connect() as connection:
        differences = schema_differences(connection)
        assert inspect_state(connection).kind == "current"
    assert not differences, HOW_TO_ADD_A_REVISION + "\n".join(f"  - {describe_difference(d)}" for d in differences)
    assert set(inspect(sa_engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
    assert audit_is_append_only(sa_engine)  # the triggers are part of the migration
    assert config_stamp_follows_changes(sa_engine)
    with sa_engine.connect() as connection:
        assert connection.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar() == 0


def test_a_fresh_database_is_created_whole_and_stamped(sa_engine_of):
    sa_engine = sa_engine_of()
    assert prepare_database(sa_engine).action == "created"
    with sa_engine.connect() as connection:
        assert inspect_state(connection).kind == "current"
        assert schema_differences(connection) == []
    assert audit_is_append_only(sa_engine)
    assert config_stamp_follows_changes(sa_engine)
    assert prepare_database(sa_engine).action == "current"


def test_create_schema_stamps_a_new_database(sa_engine_of):
    sa_engine = sa_engine_of()
    create_schema(sa_engine)
    with sa_engine.connect() as connection:
        assert inspect_state(connection).revisions == (head_revision(),)
    assert config_stamp_follows_changes(sa_engine)


# -- upgrading keeps every row -------------------------------------------------------------------------

def test_alur_init_on_a_baseline_database_keeps_every_row(url, sa_engine_of, tmp_path, ctx, clock):
    """A database made by the first migrated Alur, with complaints, steps, audit events and timers."""
    sa_engine = sa_engine_of()
    upgrade_to(sa_engine, BASELINE)
    fixture = load_fixture(sa_engine, BASELINE)
    result = run_alur(alur_env(tmp_path / "instance", url), "init")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Skema basis data:" in result.stdout
    assert_fixture_rows_intact(sa_engine, fixture)
    with sa_engine.connect() as connection:
        assert inspect_state(connection).kind == "current"
        assert schema_differences(connection) == []
    assert audit_is_append_only(sa_engine)
    assert config_stamp_follows_changes(sa_engine)
    # the data still works with this code: the chain verifies, instances load, steps complete, timers fire
    factory = make_session_factory(sa_engine)
    clock.set(datetime(2026, 3, 13, 5, 0, tzinfo=UTC))
    with factory() as session:
        assert verify_chain(session).ok
        for instance in session.scalars(select(ProcessInstance)):
            assert runtime.load_workflow(instance, ctx).get_tasks()
        # 0007 filled in every version's forms_sha256 as a deploy computes it: the same XML and forms again
        # are that version, not a new one
        versions = session.scalars(select(ProcessVersion).order_by(ProcessVersion.id)).all()
        assert versions and all(v.forms_sha256 == canonical_sha256(v.forms) for v in versions)
        again, created = deploy.deploy_process(session, ctx, versions[0].bpmn_xml.encode(),
                                               {name: json.dumps(schema) for name, schema in versions[0].forms.items()},
                                               actor=SYSTEM_INIT)
        assert (again.id, created) == (versions[0].id, False)
        row = ready_task(session, 2, "periksa_laporan")
        runtime.complete_task(session, ctx, row.id, {"hasil_pemeriksaan": "benar", "catatan_solusi": "ok"},
                              actor=actor("kasi", "budi"))
    clock.advance(hours=1)
    assert sweep_due_timers(factory, ctx).fired == 1  # the timer that was waiting in the old database
    with factory() as session:
        assert verify_chain(session).ok
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.type == "TIMER_FIRED")) == 3
        assert session.scalar(select(func.count()).select_from(Timer).where(Timer.state == "waiting")) == 0
        assert session.scalar(select(func.count()).select_from(HumanTask)) > len(fixture["tables"]["human_task"])


def test_alur_init_on_a_0005_database_adds_the_config_stamp(url, sa_engine_of, tmp_path):
    """The revision before the config stamp, with rows: ``alur init`` adds the table, its row and the triggers."""
    sa_engine = sa_engine_of()
    upgrade_to(sa_engine, BASELINE)
    fixture = load_fixture(sa_engine, BASELINE)
    upgrade_to(sa_engine, "0005_chain_checks")
    assert "config_stamp" not in inspect(sa_engine).get_table_names()
    result = run_alur(alur_env(tmp_path / "instance", url), "init")
    assert result.returncode == 0, result.stderr + result.stdout
    assert_fixture_rows_intact(sa_engine, fixture)
    with sa_engine.connect() as connection:
        assert inspect_state(connection).kind == "current"
        assert schema_differences(connection) == []
        assert connection.execute(text("SELECT count(*) FROM config_stamp")).scalar() == 1
    assert config_stamp_follows_changes(sa_engine)


SYNTHETIC_REVISION = '''"""A test-only revision: a new column filled from old data, and a rebuilt parent table."""
from alembic import op
import sqlalchemy as sa

revision = "9001_test_upgrade"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("process_instance", recreate="always" if sqlite else "auto") as batch:
        batch.add_column(sa.Column("note", sa.String(length=100), nullable=True))
        batch.alter_column("subject", type_=sa.String(length=400))
    op.execute("UPDATE process_instance SET note = 'was ' || status")
    op.create_table("test_extra", sa.Column("id", sa.Integer(), primary_key=True))
    {extra}


def downgrade() -> None:
    pass
'''


def _migrations_with(tmp_path: Path, extra: str = "") -> Path:
    """A copy of the shipped migrations plus :data:`SYNTHETIC_REVISION` after the current head."""
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / "9001_test_upgrade.py").write_text(
        SYNTHETIC_REVISION.format(down=head_revision(), extra=extra or "pass"))
    return copy


def test_an_upgrade_with_a_rebuilt_table_keeps_every_row(sa_engine_of, tmp_path):
    """Rebuilding process_instance (SQLite batch mode) must not cascade-delete its tasks, timers, intake."""
    sa_engine = sa_engine_of()
    upgrade_to(sa_engine, BASELINE)
    fixture = load_fixture(sa_engine, BASELINE)
    migrations = _migrations_with(tmp_path)
    result = prepare_database(sa_engine, migrations=migrations)
    assert (result.action, result.after) == ("upgraded", "9001_test_upgrade")
    assert_fixture_rows_intact(sa_engine, fixture)
    with sa_engine.connect() as connection:
        notes = connection.execute(text("SELECT DISTINCT note FROM process_instance ORDER BY note")).scalars().all()
        assert notes == ["was running"]
        assert inspect_state(connection, migrations).kind == "current"
    with make_session_factory(sa_engine)() as session:
        assert verify_chain(session).ok


def test_a_failing_revision_changes_nothing(sa_engine_of, tmp_path):
    sa_engine = sa_engine_of()
    upgrade_to(sa_engine, BASELINE)
    load_fixture(sa_engine, BASELINE)
    before = snapshot(sa_engine)
    migrations = _migrations_with(tmp_path, extra='op.execute("SELECT no_such_function()")')
    with pytest.raises(DBAPIError):
        prepare_database(sa_engine, migrations=migrations)
    assert snapshot(sa_engine) == before


# -- unknown states are refused, untouched --------------------------------------------------------------

def _unversioned(sa_engine) -> None:
    """Tables and rows as an Alur from before migrations left them: no alembic_version."""
    create_schema(sa_engine)
    with sa_engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(text("INSERT INTO role (key, name_id, name_en, description, is_lane) "
                                "VALUES ('petugas', 'Petugas', 'Clerk', '', true)"))


def test_init_refuses_tables_without_a_revision_and_touches_nothing(url, sa_engine_of, tmp_path):
    sa_engine = sa_engine_of()
    _unversioned(sa_engine)
    before = snapshot(sa_engine)
    with pytest.raises(SchemaStateUnknown) as refused:
        prepare_database(sa_engine)
    assert "alembic_version" in refused.value.message("en") and "--adopt" in refused.value.message("en")
    env = alur_env(tmp_path / "instance", url)
    result = run_alur(env, "init")
    assert result.returncode == 2
    assert "tanpa catatan versi skema" in result.stderr and "nothing was changed" in result.stderr
    assert snapshot(sa_engine) == before
    status = run_alur(env, "db", "status")
    assert status.returncode == 1 and "menolak" in status.stdout


def test_init_refuses_an_unknown_revision_and_touches_nothing(url, sa_engine_of, tmp_path):
    sa_engine = sa_engine_of()
    create_schema(sa_engine)
    with sa_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_a_newer_alur'"))
    before = snapshot(sa_engine)
    result = run_alur(alur_env(tmp_path / "instance", url), "init")
    assert result.returncode == 2
    assert "0099_from_a_newer_alur" in result.stderr and "tidak dikenal" in result.stderr
    assert snapshot(sa_engine) == before


def test_adopt_stamps_an_old_database_only_when_its_schema_is_exact(sa_engine_of):
    from engine.schema import adopt_database

    sa_engine = sa_engine_of()
    _unversioned(sa_engine)
    with sa_engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_timer_due"))
    before = snapshot(sa_engine)
    with pytest.raises(SchemaStateUnknown) as refused:
        adopt_database(sa_engine)
    assert "ix_timer_due" in refused.value.message("en")
    assert snapshot(sa_engine) == before
    with sa_engine.begin() as connection:
        connection.execute(text("CREATE INDEX ix_timer_due ON timer (state, due_at)"))
    assert adopt_database(sa_engine).action == "adopted"
    assert prepare_database(sa_engine).action == "current"
    with pytest.raises(SchemaStateUnknown):
        adopt_database(sa_engine)  # nothing left to adopt
