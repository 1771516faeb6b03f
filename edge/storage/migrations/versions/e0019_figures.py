"""figures: associate roles and the indexes the manager's figures take

Revision ID: e0019
Revises: e0018
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e0019"
down_revision: str | None = "e0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("associate") as batch:
        batch.add_column(sa.Column("role", sa.String(length=16), nullable=False, server_default="associate"))
    op.create_index("ix_fitting_room_session_started_at", "fitting_room_session", ["started_at"])
    op.create_index("ix_task_kind_session", "task", ["kind", "session_id"])


def downgrade() -> None:
    op.drop_index("ix_task_kind_session", table_name="task")
    op.drop_index("ix_fitting_room_session_started_at", table_name="fitting_room_session")
    with op.batch_alter_table("associate") as batch:
        batch.drop_column("role")
