"""Inbox indexes: the inbox index covers the counts; a "held by me" index.

Revision ID: 0003_inbox_indexes
Revises: 0002_recap

``ix_human_task_inbox`` (state, role, urgent_at) gains warn_at, process_key and claimed_by, so the inbox
counts per role, process, timer state and holder are read from the index alone; ``ix_human_task_held``
(claimed_by, state, role, urgent_at) serves the "held by me" list. Measured by bench/inbox_bench.py: without
them a kasi's inbox at 100,000 open complaints scans every waiting row of the role on each request.
"""
from alembic import op

revision = '0003_inbox_indexes'
down_revision = '0002_recap'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.create_index('ix_human_task_inbox', ['state', 'role', 'urgent_at', 'warn_at', 'process_key',
                                                      'claimed_by'], unique=False)
        batch_op.create_index('ix_human_task_held', ['claimed_by', 'state', 'role', 'urgent_at'], unique=False)
        batch_op.drop_index('ix_human_task_completed_by')
        batch_op.create_index('ix_human_task_completed_by', ['completed_by', 'completed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_completed_by')
        batch_op.create_index('ix_human_task_completed_by', ['completed_by'], unique=False)
        batch_op.drop_index('ix_human_task_held')
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.create_index('ix_human_task_inbox', ['state', 'role', 'urgent_at'], unique=False)
