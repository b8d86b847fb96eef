"""suppliers, purchase orders, delivery promises, stockouts (issue 18)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

`suppliers` and `product_supply` (who a product is bought from, its cost, reorder point
and pack size); `purchase_orders` with their lines and timeline
(`purchase_order_events`); a receipt's stock move names its purchase order. Orders keep
the delivery date promised at checkout (`delivery_promised_by`), and `stockouts` counts
each time a customer asked for more than there was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.store.types

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suppliers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('contact', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
    sa.Column('updated_at', core.store.types.UtcDateTime(), nullable=False),
    sa.CheckConstraint('lead_time_days >= 0', name=op.f('ck_suppliers_lead_time_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers')),
    sa.UniqueConstraint('name', name=op.f('uq_suppliers_name'))
    )
    op.create_table('purchase_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
    sa.Column('updated_at', core.store.types.UtcDateTime(), nullable=False),
    sa.Column('sent_at', core.store.types.UtcDateTime(), nullable=True),
    sa.Column('expected_at', core.store.types.UtcDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_purchase_orders_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('code', name=op.f('uq_purchase_orders_code'))
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_orders_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('product_supply',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('supplier_sku', sa.String(length=64), nullable=False),
    sa.Column('cost', sa.BigInteger(), nullable=True),
    sa.Column('reorder_point', sa.Integer(), nullable=True),
    sa.Column('pack_size', sa.Integer(), nullable=False),
    sa.Column('updated_at', core.store.types.UtcDateTime(), nullable=False),
    sa.CheckConstraint('cost IS NULL OR cost >= 0', name=op.f('ck_product_supply_cost_not_negative')),
    sa.CheckConstraint('pack_size >= 1', name=op.f('ck_product_supply_pack_size_positive')),
    sa.CheckConstraint('reorder_point IS NULL OR reorder_point >= 0', name=op.f('ck_product_supply_reorder_point_ok')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_supply_product_id_products')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_product_supply_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_product_supply'))
    )
    with op.batch_alter_table('product_supply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_supply_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('purchase_order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('at', core.store.types.UtcDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_events_purchase_order_id_purchase_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_events'))
    )
    with op.batch_alter_table('purchase_order_events', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_order_events_po_at', ['purchase_order_id', 'at'], unique=False)

    op.create_table('purchase_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('supplier_sku', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('unit_cost', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_purchase_order_lines_quantity_positive')),
    sa.CheckConstraint('received >= 0 AND received <= quantity', name=op.f('ck_purchase_order_lines_received_within_quantity')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_purchase_order_lines_product_id_products')),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_lines_purchase_order_id_purchase_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines')),
    sa.UniqueConstraint('purchase_order_id', 'product_id', name='uq_purchase_order_lines_product')
    )
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_order_lines_purchase_order_id'), ['purchase_order_id'], unique=False)

    op.create_table('stockouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('asked', sa.Integer(), nullable=False),
    sa.Column('available', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('at', core.store.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stockouts_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stockouts'))
    )
    with op.batch_alter_table('stockouts', schema=None) as batch_op:
        batch_op.create_index('ix_stockouts_at', ['at'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_promised_by', core.store.types.UtcDateTime(), nullable=True))

    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purchase_order_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_stock_moves_purchase_order_id_purchase_orders'), 'purchase_orders', ['purchase_order_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stock_moves_purchase_order_id_purchase_orders'), type_='foreignkey')
        batch_op.drop_column('purchase_order_id')

    # Not in a batch: on SQLite a batch copies the table, and dropping `orders` with its
    # rows referenced (foreign keys on) fails. SQLite 3.35+ drops a plain column in place.
    op.drop_column('orders', 'delivery_promised_by')

    with op.batch_alter_table('stockouts', schema=None) as batch_op:
        batch_op.drop_index('ix_stockouts_at')

    op.drop_table('stockouts')
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_order_lines_purchase_order_id'))

    op.drop_table('purchase_order_lines')
    with op.batch_alter_table('purchase_order_events', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_order_events_po_at')

    op.drop_table('purchase_order_events')
    with op.batch_alter_table('product_supply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_supply_supplier_id'))

    op.drop_table('product_supply')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_orders_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_purchase_orders_status'))

    op.drop_table('purchase_orders')
    op.drop_table('suppliers')
