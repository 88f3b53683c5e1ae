"""Database set-up: engine configuration, schema creation, the append-only and config-stamp triggers."""

from __future__ import annotations

import os
import secrets
import time

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from .models import AuditHead, Base, ConfigStamp

GENESIS_HASH = "0" * 64

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
]
_POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION alur_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION alur_audit_append_only()""",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
       FOR EACH STATEMENT EXECUTE FUNCTION alur_audit_append_only()""",
]

#: Tables whose every change rewrites ``config_stamp.stamp`` (the workers' caches of them, engine/config_cache.py).
#: A new random value rather than a counter: a value is never seen again, not after a rolled-back change, a
#: schema created anew or a restored backup, so a cache entry can only ever match the data it was read with.
#: The triggers are part of the migrations too (0006_config_stamp); on SQLite a revision that rebuilds one of
#: these tables (batch_alter_table) drops its triggers and must create them again.
CONFIG_TABLES = ("role", "calendar_override")
_SQLITE_CONFIG_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS config_stamp_{table}_{when.lower()} AFTER {when} ON {table}
        BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END"""
    for table in CONFIG_TABLES for when in ("INSERT", "UPDATE", "DELETE")
]
_POSTGRES_CONFIG_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION alur_config_changed() RETURNS trigger AS $$
       BEGIN UPDATE config_stamp SET stamp = (random() * 9e18)::bigint WHERE id = 1; RETURN NULL; END;
       $$ LANGUAGE plpgsql""",
] + [
    statement for table in CONFIG_TABLES for statement in (
        f"DROP TRIGGER IF EXISTS config_stamp_{table} ON {table}",
        f"""CREATE TRIGGER config_stamp_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION alur_config_changed()""")
]


def default_database_url(instance_path: str) -> str:
    """``DATABASE_URL`` from the environment, else a SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    os.makedirs(instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(os.path.abspath(instance_path), "alur.sqlite")


def engine_options(url: str) -> dict:
    """create_engine keyword arguments suited to the backend."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    # no pre-ping on every checkout: configure_engine pings a connection only after it sat idle (see there).
    # jit off: PostgreSQL's JIT compiles a plan whose estimated cost is high (the recap's list, with its
    # correlated sub-selects, estimates millions) — 0.4 s of compiling to save nothing on a 0.3 s query.
    options = " ".join(filter(None, [make_url(url).query.get("options"), "-c jit=off"]))  # the URL's kept
    return {"connect_args": {"options": options},
            "pool_size": int(os.environ.get("ALUR_DB_POOL_SIZE", 10)),
            "max_overflow": int(os.environ.get("ALUR_DB_MAX_OVERFLOW", 20)), "pool_recycle": 1800}


#: A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out (seconds).
PING_AFTER_IDLE = float(os.environ.get("ALUR_DB_PING_AFTER_IDLE", 10))


def _ping_idle_connections(sa_engine: Engine) -> None:
    """Ping a connection on checkout only when it sat idle in the pool for :data:`PING_AFTER_IDLE`.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout, i.e. once per request: a round trip and ~30 µs of
    the server's CPU each time, to guard against a connection the server dropped while it sat idle (a restart,
    an idle timeout). Such a drop is found here just the same after a quiet spell, where it happens; a connection
    handed back and out again within seconds, as under load, is not pinged. A connection dropped in between
    fails its request cleanly (503 ``database_unavailable``, the operation rolled back) and the pool then
    replaces every connection older than the failure, so the next request works — the same as a drop in the
    middle of a request, which no ping can prevent.
    """
    dialect = sa_engine.dialect

    @event.listens_for(sa_engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        if record is not None:
            record.info["alur_idle_since"] = time.monotonic()

    @event.listens_for(sa_engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        idle_since = record.info.get("alur_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return  # a new connection, or one in use moments ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError() from error  # the pool replaces it and checks out again
            raise


def configure_engine(sa_engine: Engine) -> Engine:
    """Per-connection settings: SQLite foreign keys, WAL and a busy timeout; PostgreSQL: a ping after idling."""
    if sa_engine.dialect.name == "postgresql" and not getattr(sa_engine, "_alur_configured", False):
        _ping_idle_connections(sa_engine)
        sa_engine._alur_configured = True  # type: ignore[attr-defined]
    if sa_engine.dialect.name == "sqlite" and not getattr(sa_engine, "_alur_configured", False):

        @event.listens_for(sa_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in str(sa_engine.url):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        sa_engine._alur_configured = True  # type: ignore[attr-defined]
    return sa_engine


def make_engine(url: str) -> Engine:
    """A configured SQLAlchemy engine for ``url``."""
    return configure_engine(create_engine(url, **engine_options(url)))


def make_session_factory(sa_engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=sa_engine, expire_on_commit=False)


def load_model_modules() -> None:
    """Import every ``engine/*_models.py`` so features can add tables without editing ``models.py``."""
    import importlib
    import pkgutil

    import engine

    for module in pkgutil.iter_modules(engine.__path__):
        if module.name.endswith("_models"):
            importlib.import_module(f"engine.{module.name}")


def create_schema_objects(connection: Connection) -> None:
    """Create missing tables, the append-only and config-stamp triggers, the audit chain head and the config
    stamp row (idempotent)."""
    load_model_modules()
    Base.metadata.create_all(connection)
    if connection.dialect.name == "postgresql":
        statements = _POSTGRES_TRIGGERS + _POSTGRES_CONFIG_TRIGGERS
    else:
        statements = _SQLITE_TRIGGERS + _SQLITE_CONFIG_TRIGGERS
    for statement in statements:
        connection.execute(text(statement))
    if connection.execute(select(AuditHead.id).where(AuditHead.id == 1)).first() is None:
        connection.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS_HASH))
    if connection.execute(select(ConfigStamp.id).where(ConfigStamp.id == 1)).first() is None:
        connection.execute(insert(ConfigStamp).values(id=1, stamp=secrets.randbits(62)))


def create_schema(sa_engine: Engine) -> None:
    """Create missing tables, the append-only triggers and the audit chain head.

    A database created from nothing is also stamped with the newest migration revision, so ``alur init``
    later upgrades it (see ``engine/schema.py``, which ``alur init`` uses instead of this function).
    """
    from .schema import stamp_head

    with sa_engine.begin() as connection:
        fresh = not inspect(connection).get_table_names()
        create_schema_objects(connection)
        if fresh:
            stamp_head(connection)


def schema_exists(sa_engine: Engine) -> bool:
    """True when the Alur tables are present."""
    return inspect(sa_engine).has_table("process_instance")
