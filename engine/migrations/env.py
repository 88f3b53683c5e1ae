"""Alembic environment of Alur: migrations run on the connection ``engine.schema`` hands over.

Offline (SQL script) mode is not supported: ``alur init`` upgrades a live database in one transaction.
"""

from __future__ import annotations

from alembic import context

from engine.db import load_model_modules, make_engine
from engine.models import Base, UTCDateTime

load_model_modules()
config = context.config


def render_item(type_, obj, _autogen_context):
    """Render Alur's column types as plain SQLAlchemy types, so a revision never imports app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      compare_type=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Use the connection given by ``engine.schema`` (or open one from ``sqlalchemy.url``)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    sa_engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with sa_engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        sa_engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Alur runs migrations on a live database only (alur init).")
run_migrations_online()
