"""Chain checks: the runs of the whole-chain verification (progress while it runs in the background, outcome).

Revision ID: 0005_chain_checks
Revises: 0004_complaint_facts

``chain_check`` holds one row per check asked for on the auditor's page or run by ``alur audit verify``;
``uq_chain_check_under_way`` admits one check under way at a time across web workers.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_chain_checks'
down_revision = '0004_complaint_facts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chain_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('under_way', sa.Boolean(), nullable=True),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('checked', sa.Integer(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=True),
    sa.Column('broken_seq', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('chain_check', schema=None) as batch_op:
        batch_op.create_index('uq_chain_check_under_way', ['under_way'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('chain_check', schema=None) as batch_op:
        batch_op.drop_index('uq_chain_check_under_way')

    op.drop_table('chain_check')
