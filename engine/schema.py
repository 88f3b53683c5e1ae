"""Schema versions with Alembic: what state a database is in, and bringing it to the code's schema.

``alur init`` calls :func:`prepare_database`:

- an empty database gets the whole schema at once (``create_all``, the append-only triggers, the audit
  chain head) and is stamped with the newest revision (Alembic's "create from scratch" recipe);
- a database stamped with an older revision known to this code is upgraded (``alembic upgrade head``),
  in one transaction on PostgreSQL;
- a database whose tables carry no revision (made before migrations existed, or by something else), or
  whose revision this code does not know (a newer Alur, another branch), is refused with an explanation:
  nothing is created, changed or stamped.

The revisions live in ``engine/migrations/versions``. ``tests/test_schema_migrations.py`` checks that
``upgrade head`` yields exactly ``Base.metadata``; a new table or column needs a revision
(``alur db revision -m "..."`` writes one from the difference).
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from .errors import SchemaStateUnknown

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The first revision: the schema as it was when migrations were introduced.
BASELINE = "0001_baseline"
VERSION_TABLE = "alembic_version"
#: pg_advisory_lock key: two hosts running ``alur init`` at once take turns.
_PG_LOCK_KEY = 0x616C7572  # "alur"


def alembic_config(connection: Connection | None = None, url: str | None = None,
                   migrations: Path | None = None) -> Config:
    """An Alembic configuration over Alur's migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(migrations or MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@functools.lru_cache(maxsize=4)
def script_directory(migrations: Path | None = None) -> ScriptDirectory:
    """The revisions shipped with this code (or in ``migrations``, a copy with extra revisions)."""
    return ScriptDirectory.from_config(alembic_config(migrations=migrations))


def head_revision(migrations: Path | None = None) -> str:
    """The newest revision (a single head: branches must be merged before landing)."""
    return script_directory(migrations).get_current_head()


def known_revisions(migrations: Path | None = None) -> set[str]:
    """Every revision id this code can upgrade from."""
    return {rev.revision for rev in script_directory(migrations).walk_revisions()}


@dataclass
class SchemaState:
    """Where a database stands: ``empty``, ``current``, ``behind``, ``unversioned`` or ``unknown_revision``."""

    kind: str
    revisions: tuple[str, ...] = ()
    tables: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        """States :func:`prepare_database` will not touch."""
        return self.kind in ("unversioned", "unknown_revision")


def _alur_tables() -> set[str]:
    from .db import load_model_modules
    from .models import Base

    load_model_modules()
    return set(Base.metadata.tables)


def inspect_state(connection: Connection, migrations: Path | None = None) -> SchemaState:
    """Read the database's schema state without changing anything."""
    names = set(inspect(connection).get_table_names())
    ours = sorted(names & _alur_tables())
    revisions: tuple[str, ...] = ()
    if VERSION_TABLE in names:
        revisions = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    if not revisions:
        return SchemaState("unversioned" if ours else "empty", (), ours)
    if any(rev not in known_revisions(migrations) for rev in revisions):
        return SchemaState("unknown_revision", revisions, ours)
    if revisions == (head_revision(migrations),):
        return SchemaState("current", revisions, ours)
    return SchemaState("behind", revisions, ours)


def refusal(state: SchemaState, migrations: Path | None = None) -> SchemaStateUnknown:
    """The error explaining why a database in ``state`` is left alone."""
    if state.kind == "unversioned":
        shown = ", ".join(state.tables[:6]) + (" …" if len(state.tables) > 6 else "")
        return SchemaStateUnknown("schema_unversioned", tables=shown, count=len(state.tables))
    return SchemaStateUnknown("schema_unknown_revision", revision=", ".join(state.revisions),
                              known=", ".join(sorted(known_revisions(migrations))))


def stamp_head(connection: Connection, migrations: Path | None = None) -> None:
    """Record the newest revision in ``alembic_version`` (the schema must already match it)."""
    MigrationContext.configure(connection).stamp(script_directory(migrations), "head")


def _create_current(connection: Connection, migrations: Path | None) -> None:
    """The whole schema as the code defines it, the triggers, the audit head, the revision stamp."""
    from .db import create_schema_objects

    create_schema_objects(connection)
    stamp_head(connection, migrations)


@dataclass
class PrepareResult:
    """What :func:`prepare_database` did: ``created``, ``upgraded`` or ``current``; revisions before/after."""

    action: str
    before: tuple[str, ...]
    after: str


@contextlib.contextmanager
def _migration_transaction(sa_engine: Engine):
    """One connection and one transaction for the whole check-and-upgrade, serialised between hosts.

    PostgreSQL: DDL is transactional; an advisory lock makes a second ``alur init`` wait for the first.
    SQLite: the driver would run DDL outside any transaction, so ``BEGIN IMMEDIATE`` is issued by hand
    (it also takes the write lock); foreign keys are off while tables are rebuilt (``batch_alter_table``
    drops and recreates a table, and with foreign keys on that DROP would cascade into child rows),
    and ``PRAGMA foreign_key_check`` must come back clean before the commit.
    """
    with sa_engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if sqlite:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def prepare_database(sa_engine: Engine, migrations: Path | None = None) -> PrepareResult:
    """Bring the database to the code's schema (create, upgrade, or nothing) — or refuse, touching nothing.

    Raises :class:`SchemaStateUnknown` for tables without a revision or an unknown revision.
    ``migrations`` replaces the shipped revisions (tests add a revision to a copy).
    """
    head = head_revision(migrations)
    with _migration_transaction(sa_engine) as connection:
        state = inspect_state(connection, migrations)
        if state.refused:
            raise refusal(state, migrations)
        if state.kind == "current":
            return PrepareResult("current", state.revisions, head)
        if state.kind == "empty":
            _create_current(connection, migrations)
            return PrepareResult("created", (), head)
        command.upgrade(alembic_config(connection, migrations=migrations), "head")
        return PrepareResult("upgraded", state.revisions, head)


def adopt_database(sa_engine: Engine) -> PrepareResult:
    """Stamp a database made before migrations existed, if its schema is exactly the code's schema.

    Anything else (a missing or extra column, another type) is refused: adopting it would hide the
    difference from every later migration.
    """
    with _migration_transaction(sa_engine) as connection:
        state = inspect_state(connection)
        if state.kind != "unversioned":
            raise SchemaStateUnknown("schema_adopt_not_needed", state=state.kind)
        problems = schema_differences(connection)
        if problems:
            raise SchemaStateUnknown("schema_adopt_mismatch", count=len(problems),
                                     first=describe_difference(problems[0]))
        stamp_head(connection)
        return PrepareResult("adopted", (), head_revision())


def schema_differences(connection: Connection) -> list:
    """Alembic's autogenerate comparison of the database against ``Base.metadata`` (empty = identical)."""
    from .db import load_model_modules
    from .models import Base

    load_model_modules()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def describe_difference(diff) -> str:
    """One readable line for an autogenerate difference tuple (or a list of column changes)."""
    if isinstance(diff, list):
        return "; ".join(describe_difference(d) for d in diff)
    kind = diff[0]
    rest = diff[1:]
    parts = []
    for item in rest:
        name = getattr(item, "name", None)
        table = getattr(getattr(item, "table", None), "name", None)
        if name is not None:
            parts.append(f"{table}.{name}" if table and table != name else str(name))
        elif item is not None and not isinstance(item, dict):
            parts.append(str(item))
    return f"{kind} " + " ".join(parts[:4])


#: ``alembic_version.version_num`` is VARCHAR(32): a longer id breaks the upgrade on PostgreSQL.
REVISION_ID_MAX = 32


def write_revision(message: str) -> Path:
    """Autogenerate a revision for what ``Base.metadata`` has beyond ``head`` (a developer's tool).

    A scratch SQLite database is upgraded to ``head`` and compared with the models; the new file goes
    into ``engine/migrations/versions``. Review it before committing.
    """
    from .db import make_engine

    versions = MIGRATIONS / "versions"
    before = {p.name for p in versions.glob("*.py")}
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/scratch.sqlite"
        sa_engine = make_engine(url)
        try:
            with sa_engine.begin() as connection:
                command.upgrade(alembic_config(connection), "head")
            command.revision(alembic_config(url=url), message=message, autogenerate=True,
                             rev_id=f"{_next_number():04d}_{_slug(message)}"[:REVISION_ID_MAX])
        finally:
            sa_engine.dispose()
    script_directory.cache_clear()
    return next(p for p in versions.glob("*.py") if p.name not in before)


def _next_number() -> int:
    numbers = [int(rev.split("_", 1)[0]) for rev in known_revisions() if rev.split("_", 1)[0].isdigit()]
    return max(numbers, default=0) + 1


def _slug(message: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "change"


#: A waiting timer this long past due means no timer worker is sweeping.
OVERDUE_ALERT = 600


def database_health(session, now) -> dict:
    """For monitoring: the database answers, its schema revision is the code's, timers are being fired."""
    from datetime import timedelta

    from sqlalchemy import func, select
    from sqlalchemy.exc import DBAPIError

    from .models import Timer

    try:
        revisions = tuple(sorted(MigrationContext.configure(session.connection()).get_current_heads()))
        overdue = session.scalar(select(func.count()).select_from(Timer).where(
            Timer.state == "waiting", Timer.due_at < now - timedelta(seconds=OVERDUE_ALERT)))
    except DBAPIError as error:
        session.invalidate()  # the connection may be gone: do not hand it back to the pool
        return {"status": "database_unavailable", "detail": type(error.orig).__name__}
    session.rollback()
    head = head_revision()
    problems = []
    if revisions != (head,):
        problems.append("schema_not_current")
    if overdue:
        problems.append("timers_overdue")
    return {"status": ",".join(problems) or "ok", "schema_revision": ",".join(revisions) or None,
            "code_revision": head, "overdue_timers": overdue}
