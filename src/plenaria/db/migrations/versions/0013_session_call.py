"""the session's call (ROF 109.1.c): held in first or second call

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plenary_sessions") as batch:
        batch.add_column(sa.Column("call", sa.String(length=20), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("plenary_sessions") as batch:
        batch.drop_column("call")
