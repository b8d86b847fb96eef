"""an exchange's replacement and its own shipment (issue 13)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

An exchange names the product sent instead of the returned one
(`return_lines.replacement_product_id`, reserved from the request), and the replacement
ships with a tracking number of its own (`return_shipments`: an order has a single row in
`shipments`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.store.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replacement_product_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_return_lines_replacement_product_id_products'),
            'products',
            ['replacement_product_id'],
            ['id'],
        )
    op.create_table(
        'return_shipments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('return_id', sa.Integer(), nullable=False),
        sa.Column('carrier_code', sa.String(length=32), nullable=False),
        sa.Column('tracking_number', sa.String(length=64), nullable=False),
        sa.Column('tracking_url', sa.String(length=600), nullable=False),
        sa.Column('shipped_at', core.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['carrier_code'],
            ['carriers.code'],
            name=op.f('fk_return_shipments_carrier_code_carriers'),
        ),
        sa.ForeignKeyConstraint(
            ['return_id'],
            ['return_requests.id'],
            name=op.f('fk_return_shipments_return_id_return_requests'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_return_shipments')),
        sa.UniqueConstraint('return_id', name=op.f('uq_return_shipments_return_id')),
    )


def downgrade() -> None:
    op.drop_table('return_shipments')
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_return_lines_replacement_product_id_products'), type_='foreignkey'
        )
        batch_op.drop_column('replacement_product_id')
