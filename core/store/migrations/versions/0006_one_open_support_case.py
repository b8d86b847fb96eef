"""one open support case per customer

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

A customer has at most one open support case: asking for a person again adds the
message to it (follow_ups in all, unanswered since the shop's last reply) instead of
opening another case and alerting the admins anew. Older duplicate open cases of one
customer are closed first (the newest stays open), so the unique index can be built.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Closed when the newest one was opened (it took their place).
    newest = (
        "FROM support_cases AS newer "
        "WHERE newer.customer_id = support_cases.customer_id AND newer.status = 'open'"
    )
    op.execute(
        f"UPDATE support_cases SET status = 'closed', "
        f"closed_at = (SELECT MAX(newer.created_at) {newest}) "
        f"WHERE status = 'open' AND id < (SELECT MAX(newer.id) {newest})"
    )
    with op.batch_alter_table('support_cases', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('follow_ups', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column('unanswered', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.create_index(
            'ux_support_cases_open_customer',
            ['customer_id'],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )


def downgrade() -> None:
    with op.batch_alter_table('support_cases', schema=None) as batch_op:
        batch_op.drop_index(
            'ux_support_cases_open_customer',
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_column('unanswered')
        batch_op.drop_column('follow_ups')
