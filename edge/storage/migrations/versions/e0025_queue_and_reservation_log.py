"""the fitting-room queue's tickets and the reservations' status log (restart, manager's figures)

Revision ID: e0025
Revises: e0024
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e0025"
down_revision: str | None = "e0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("ticket", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=True),
        sa.Column("party", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.Float(), nullable=False),
        sa.Column("called_at", sa.Float(), nullable=True),
        sa.Column("room_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_queue_ticket_joined_at", "queue_ticket", ["joined_at"])
    op.create_table(
        "reservation_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_reservation_status_change_reservation_id", "reservation_status_change", ["reservation_id"]
    )
    op.create_index("ix_reservation_status_change_at", "reservation_status_change", ["at"])


def downgrade() -> None:
    op.drop_table("reservation_status_change")
    op.drop_table("queue_ticket")
