"""ship-to-home orders (endless aisle)

Revision ID: e0018
Revises: e0001
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e0018"
down_revision: str | None = "e0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ship_order",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("items", sa.String(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("consent_at", sa.Float(), nullable=True),
        sa.Column("member_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("placed", sa.Boolean(), nullable=False),
        sa.Column("placed_at", sa.Float(), nullable=True),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["fitting_room_session.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ship_order_room_id"), "ship_order", ["room_id"], unique=False)
    op.create_index(op.f("ix_ship_order_session_id"), "ship_order", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ship_order_session_id"), table_name="ship_order")
    op.drop_index(op.f("ix_ship_order_room_id"), table_name="ship_order")
    op.drop_table("ship_order")
