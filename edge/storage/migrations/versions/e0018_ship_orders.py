"""ship-to-home orders (endless aisle); offers pulled from the central store, presented and redeemed

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
    op.create_table(
        "store_offer",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("document", sa.String(), nullable=False),
        sa.Column("valid_until", sa.Float(), nullable=False),
        sa.Column("pulled_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "offer_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["fitting_room_session.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "offer_id", "kind", "gtin"),
    )
    op.create_index(op.f("ix_offer_event_offer_id"), "offer_event", ["offer_id"], unique=False)
    op.create_index(op.f("ix_offer_event_session_id"), "offer_event", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_table("offer_event")
    op.drop_table("store_offer")
    op.drop_index(op.f("ix_ship_order_session_id"), table_name="ship_order")
    op.drop_index(op.f("ix_ship_order_room_id"), table_name="ship_order")
    op.drop_table("ship_order")
