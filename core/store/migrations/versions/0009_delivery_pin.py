"""a shared location kept beside the written address (issue 13): no schema change

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

The delivery pin (latitude, longitude) and the address as the customer typed it are
keys of the address JSON the order (`orders.address`) and the saved address
(`addresses.data`) already store, as the pin-only addresses of before were: no column
is needed, and erasing a customer's data (which blanks those JSON values) removes them
too. The revision stays in the chain so later ones keep their numbers.
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
