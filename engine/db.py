"""Database set-up: engine configuration, schema creation, the append-only triggers."""

from __future__ import annotations

import os

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .models import AuditHead, Base

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
    # pre-ping: a connection the server dropped while idle is replaced before a request uses it.
    # jit off: PostgreSQL's JIT compiles a plan whose estimated cost is high (the recap's list, with its
    # correlated sub-selects, estimates millions) — 0.4 s of compiling to save nothing on a 0.3 s query.
    options = " ".join(filter(None, [make_url(url).query.get("options"), "-c jit=off"]))  # the URL's kept
    return {"connect_args": {"options": options}, "pool_pre_ping": True,
            "pool_size": int(os.environ.get("ALUR_DB_POOL_SIZE", 10)),
            "max_overflow": int(os.environ.get("ALUR_DB_MAX_OVERFLOW", 20)), "pool_recycle": 1800}


def configure_engine(sa_engine: Engine) -> Engine:
    """Per-connection settings: SQLite foreign keys, WAL and a busy timeout."""
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
    """Create missing tables, the append-only triggers and the audit chain head (idempotent)."""
    load_model_modules()
    Base.metadata.create_all(connection)
    statements = _POSTGRES_TRIGGERS if connection.dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in statements:
        connection.execute(text(statement))
    if connection.execute(select(AuditHead.id).where(AuditHead.id == 1)).first() is None:
        connection.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS_HASH))


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
