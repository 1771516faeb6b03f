"""head office's work figures: every task's times (open, claimed, completed, a go-back's garments), the
stores' zone, rooms and request target, walk-in tickets, reservations' statuses, offers per session

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("figure_task") as batch:
        batch.alter_column("claimed_at", existing_type=sa.Float(), nullable=True)
        batch.add_column(sa.Column("completed_at", sa.Float(), nullable=True))
        batch.add_column(sa.Column("items", sa.Integer(), nullable=True))
    op.create_table(
        "figure_store",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("fitting_rooms", sa.Integer(), nullable=False),
        sa.Column("request_target_s", sa.Float(), nullable=False),
        sa.Column("described_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("store_id"),
    )
    op.create_table(
        "figure_queue",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.Float(), nullable=False),
        sa.Column("called_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "ticket_id"),
    )
    op.create_index("ix_figure_queue_store_joined", "figure_queue", ["store_id", "joined_at"])
    op.create_table(
        "figure_reservation",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("reservation_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "event_id"),
    )
    op.create_index("ix_figure_reservation_store_at", "figure_reservation", ["store_id", "at"])
    op.create_table(
        "figure_offer",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("presented", sa.Integer(), nullable=False),
        sa.Column("redeemed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "session_id", "offer_id"),
    )
    op.create_index("ix_figure_offer_store_started", "figure_offer", ["store_id", "started_at"])


def downgrade() -> None:
    op.drop_table("figure_offer")
    op.drop_table("figure_reservation")
    op.drop_table("figure_queue")
    op.drop_table("figure_store")
    with op.batch_alter_table("figure_task") as batch:
        batch.drop_column("items")
        batch.drop_column("completed_at")
        batch.alter_column("claimed_at", existing_type=sa.Float(), nullable=False)
