"""the chain's fitting-room figures: facts per session, per GTIN of a session and per claimed task, with
their date-range indexes (issue 19)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "figure_session",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=False),
        sa.Column("items_tried", sa.Integer(), nullable=False),
        sa.Column("items_bought", sa.Integer(), nullable=False),
        sa.Column("purchases", sa.Integer(), nullable=False),
        sa.Column("go_back_items", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "session_id"),
    )
    op.create_index("ix_figure_session_store_started", "figure_session", ["store_id", "started_at"])
    op.create_index("ix_figure_session_started", "figure_session", ["started_at"])
    op.create_table(
        "figure_sku",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("tried", sa.Integer(), nullable=False),
        sa.Column("bought", sa.Integer(), nullable=False),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("wanted_unbought", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "session_id", "gtin"),
    )
    op.create_index("ix_figure_sku_store_started", "figure_sku", ["store_id", "started_at"])
    op.create_index("ix_figure_sku_started", "figure_sku", ["started_at"])
    op.create_table(
        "figure_task",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("claimed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "task_id"),
    )
    op.create_index("ix_figure_task_store_created", "figure_task", ["store_id", "created_at"])
    op.create_index("ix_figure_task_created", "figure_task", ["created_at"])


def downgrade() -> None:
    for table in ("figure_task", "figure_sku", "figure_session"):
        op.drop_table(table)
