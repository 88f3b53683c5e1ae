"""Config stamp: one row rewritten by triggers on every change to ``role`` and ``calendar_override``.

Revision ID: 0006_config_stamp
Revises: 0005_chain_checks

The web workers cache the lane roles and the calendar's overrides per process and use a cached value only
while ``config_stamp.stamp`` is the one it was read under (``engine/config_cache.py``). The triggers rewrite
the stamp with a new random value in the transaction of any change, whoever makes it (the app, a CLI command,
plain SQL); PostgreSQL also on TRUNCATE. The trigger SQL is frozen here, as in the baseline: later changes to
``engine/db.py`` need a revision of their own — and on SQLite a revision that rebuilds ``role`` or
``calendar_override`` (batch_alter_table) drops their triggers and must create them again.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0006_config_stamp'
down_revision = '0005_chain_checks'
branch_labels = None
depends_on = None

_TABLES = ("role", "calendar_override")
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS config_stamp_{table}_{when.lower()} AFTER {when} ON {table}
        BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END"""
    for table in _TABLES for when in ("INSERT", "UPDATE", "DELETE")
]
_POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION alur_config_changed() RETURNS trigger AS $$
       BEGIN UPDATE config_stamp SET stamp = (random() * 9e18)::bigint WHERE id = 1; RETURN NULL; END;
       $$ LANGUAGE plpgsql""",
] + [
    statement for table in _TABLES for statement in (
        f"DROP TRIGGER IF EXISTS config_stamp_{table} ON {table}",
        f"""CREATE TRIGGER config_stamp_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION alur_config_changed()""")
]


def upgrade() -> None:
    config_stamp = op.create_table('config_stamp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(config_stamp, [{"id": 1, "stamp": secrets.randbits(62)}])
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS config_stamp_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS alur_config_changed()")
    else:
        for table in _TABLES:
            for when in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS config_stamp_{table}_{when}")
    op.drop_table('config_stamp')
