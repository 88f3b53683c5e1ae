"""A version is its diagram and its forms: ``process_version.forms_sha256``.

Revision ID: 0007_version_forms_sha256
Revises: 0006_config_stamp

Until now a deploy whose XML matched an existing version of the process returned that version, so a form
changed alone (a new required field, say) was silently dropped. ``forms_sha256`` is the sha256 of the
canonical JSON of the version's forms (sorted keys, no spaces, UTF-8 — ``engine.audit.canonical_sha256``,
frozen below), filled in for every existing version; the unique key becomes (process_key, sha256,
forms_sha256). Code before this revision cannot deploy on the upgraded schema (it leaves the new column
empty): upgrade the app servers before deploying again.
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = '0007_version_forms_sha256'
down_revision = '0006_config_stamp'
branch_labels = None
depends_on = None

#: SQLite reflects the baseline's unique constraints without names: batch mode names them by this convention.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
_VERSIONS = sa.table("process_version", sa.column("id", sa.Integer), sa.column("forms", sa.JSON),
                     sa.column("forms_sha256", sa.String))


def _forms_sha256(forms) -> str:
    text = json.dumps(forms, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _unique_name(columns: list[str]) -> str:
    """The name of process_version's unique constraint on ``columns`` (PostgreSQL's own, or the convention's)."""
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints("process_version"):
        if constraint["column_names"] == columns and constraint.get("name"):
            return constraint["name"]
    return _NAMING["uq"] % {"table_name": "process_version", "column_0_N_name": "_".join(columns)}


def upgrade() -> None:
    op.add_column("process_version", sa.Column("forms_sha256", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    for version_id, forms in connection.execute(sa.select(_VERSIONS.c.id, _VERSIONS.c.forms)).all():
        connection.execute(_VERSIONS.update().where(_VERSIONS.c.id == version_id)
                           .values(forms_sha256=_forms_sha256(forms or {})))
    old = _unique_name(["process_key", "sha256"])
    with op.batch_alter_table("process_version", schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.alter_column("forms_sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(old, type_="unique")
        batch_op.create_unique_constraint("uq_process_version_content", ["process_key", "sha256", "forms_sha256"])


def downgrade() -> None:
    with op.batch_alter_table("process_version", schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint("uq_process_version_content", type_="unique")
        batch_op.create_unique_constraint(_unique_name(["process_key", "sha256"]), ["process_key", "sha256"])
        batch_op.drop_column("forms_sha256")
