"""ship-to-home orders paid on a payment provider's hosted checkout, and cancelled orders

Revision ID: e0028
Revises: e0027
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e0028"
down_revision: str | None = "e0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("payment_method", sa.String(length=32)),
    ("payment_url", sa.String(length=2048)),
    ("checkout_id", sa.String(length=128)),
    ("payment_reference", sa.String(length=128)),
    ("cancelled_at", sa.Float()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("ship_order", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ship_order") as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
