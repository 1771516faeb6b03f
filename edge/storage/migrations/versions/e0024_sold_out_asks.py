"""sold-out asks: sizes and colours asked for at a mirror while sold out here (lost demand)

Revision ID: e0024
Revises: e0019
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e0024"
down_revision: str | None = "e0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sold_out_ask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["fitting_room_session.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sold_out_ask_session_id", "sold_out_ask", ["session_id"])
    op.create_index("ix_sold_out_ask_gtin", "sold_out_ask", ["gtin"])
    op.create_index("ix_sold_out_ask_at", "sold_out_ask", ["at"])


def downgrade() -> None:
    op.drop_table("sold_out_ask")
