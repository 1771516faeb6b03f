"""signed webhook deliveries (ship-to-home orders, offer_presented); offers, offer consent and records

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_delivery",
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=False),
        sa.Column("delivered_at", sa.Float(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("target", "key"),
    )
    op.create_index("ix_webhook_delivery_next_attempt_at", "webhook_delivery", ["next_attempt_at"])
    op.create_index("ix_webhook_delivery_delivered_at", "webhook_delivery", ["delivered_at"])
    op.create_table(
        "offer",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("store_ids", sa.JSON(), nullable=True),
        sa.Column("room_kinds", sa.JSON(), nullable=True),
        sa.Column("gtins", sa.JSON(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=True),
        sa.Column("discount_pct", sa.Integer(), nullable=True),
        sa.Column("members_only", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Float(), nullable=False),
        sa.Column("valid_until", sa.Float(), nullable=False),
        sa.Column("max_per_member_per_day", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_offer_valid_from", "offer", ["valid_from"])
    op.create_index("ix_offer_valid_until", "offer", ["valid_until"])
    op.create_table(
        "offer_consent",
        sa.Column("member_id", sa.String(length=128), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_table(
        "offer_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store_id", "event_id", name="uq_offer_record_event"),
    )
    op.create_index("ix_offer_record_offer_id", "offer_record", ["offer_id"])
    op.create_index("ix_offer_record_member_id", "offer_record", ["member_id"])
    op.create_index("ix_offer_record_at", "offer_record", ["at"])


def downgrade() -> None:
    op.drop_table("offer_record")
    op.drop_table("offer_consent")
    op.drop_table("offer")
    op.drop_index("ix_webhook_delivery_delivered_at", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_next_attempt_at", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
