"""dead letters: events the central store could not store, kept with the reason; event counts per store
and type kept at ingest for /v1/admin/stats (issue 21)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dead_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=True),
        sa.Column("member_id", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dead_letter_store_id", "dead_letter", ["store_id"])
    op.create_index("ix_dead_letter_member_id", "dead_letter", ["member_id"])
    op.create_index("ix_dead_letter_received_at", "dead_letter", ["received_at"])
    op.create_table(
        "event_count",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "type"),
    )
    # The events stored before: counted once, here.
    op.execute(
        "INSERT INTO event_count (store_id, type, n) SELECT store_id, type, count(*) FROM event GROUP BY 1, 2"
    )


def downgrade() -> None:
    op.drop_table("event_count")
    op.drop_table("dead_letter")
