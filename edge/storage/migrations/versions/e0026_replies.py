"""a reply from a person: associates' replies to tasks and their photos for the mirrors

Revision ID: e0026
Revises: e0025
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e0026"
down_revision: str | None = "e0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("associate_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=140), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["fitting_room_session.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_task_reply_session_id"), "task_reply", ["session_id"], unique=False)
    op.create_index(op.f("ix_task_reply_task_id"), "task_reply", ["task_id"], unique=False)
    op.create_table(
        "associate_photo",
        sa.Column("associate_id", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"]),
        sa.PrimaryKeyConstraint("associate_id"),
    )


def downgrade() -> None:
    op.drop_table("associate_photo")
    op.drop_index(op.f("ix_task_reply_task_id"), table_name="task_reply")
    op.drop_index(op.f("ix_task_reply_session_id"), table_name="task_reply")
    op.drop_table("task_reply")
