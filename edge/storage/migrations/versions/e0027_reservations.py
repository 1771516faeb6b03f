"""the store's reservations to try kept in the edge database (back at once after a restart)

Revision ID: e0027
Revises: e0026
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e0027"
down_revision: str | None = "e0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reservation",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("member_first_name", sa.String(length=80), nullable=True),
        sa.Column("gtins", sa.Text(), nullable=False),
        sa.Column("arrive_from", sa.Float(), nullable=False),
        sa.Column("arrive_until", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reservation_member_id", "reservation", ["member_id"])


def downgrade() -> None:
    op.drop_table("reservation")
