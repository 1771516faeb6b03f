"""a webhook key long enough for an order's cancellation (``<order id>:cancel``)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_delivery") as batch:
        batch.alter_column("key", existing_type=sa.String(length=64), type_=sa.String(length=80))


def downgrade() -> None:
    with op.batch_alter_table("webhook_delivery") as batch:
        batch.alter_column("key", existing_type=sa.String(length=80), type_=sa.String(length=64))
