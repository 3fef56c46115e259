"""a council's own look on the portal: its logo and two colours

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("councils") as batch:
        batch.add_column(
            sa.Column("logo_key", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("accent_color", sa.String(length=7), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("header_color", sa.String(length=7), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("councils") as batch:
        batch.drop_column("header_color")
        batch.drop_column("accent_color")
        batch.drop_column("logo_key")
