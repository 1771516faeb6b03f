"""head office's lost demand: per GTIN of a session, asked for while sold out in its store, and items
ordered to ship home (issue 19)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("figure_sku") as batch:
        batch.add_column(sa.Column("requested_sold_out", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("ordered_ship_home", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("figure_sku") as batch:
        batch.drop_column("ordered_ship_home")
        batch.drop_column("requested_sold_out")
