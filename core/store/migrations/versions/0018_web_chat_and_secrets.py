"""the web: the web chat's transcript and files, the shop's own secrets (issue 19)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

`app_secrets` keeps the secret the shop made itself when WEB_SECRET is not set (it signs
the web chat's cookie and the tracking links); `tracking_links` each order's random
link key; `web_messages` is the web chat's
transcript per visitor session, and `web_files` the documents it offered.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.store.types

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'app_secrets',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_app_secrets')),
    )
    op.create_table(
        'tracking_links',
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['order_id'], ['orders.id'], name=op.f('fk_tracking_links_order_id_orders')
        ),
        sa.PrimaryKeyConstraint('order_id', name=op.f('pk_tracking_links')),
        sa.UniqueConstraint('key', name=op.f('uq_tracking_links_key')),
    )
    op.create_table(
        'web_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_messages')),
    )
    with op.batch_alter_table('web_messages', schema=None) as batch_op:
        batch_op.create_index('ix_web_messages_user', ['user_id', 'id'], unique=False)
    op.create_table(
        'web_files',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('mime_type', sa.String(length=100), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_files')),
    )
    with op.batch_alter_table('web_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_files_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_files_user_id'))
    op.drop_table('web_files')
    with op.batch_alter_table('web_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_web_messages_user')
    op.drop_table('web_messages')
    op.drop_table('tracking_links')
    op.drop_table('app_secrets')
