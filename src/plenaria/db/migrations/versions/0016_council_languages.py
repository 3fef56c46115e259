"""the council's languages: those spoken in its plenos, each turn transcribed in its own

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty: any language, detected as before (every council already there keeps that).
    with op.batch_alter_table("councils") as batch:
        batch.add_column(sa.Column("languages", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("councils") as batch:
        batch.drop_column("languages")
