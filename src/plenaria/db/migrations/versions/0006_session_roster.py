"""plenary sessions: the session's own roster (members) and legal number of members

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plenary_sessions") as batch:
        batch.add_column(sa.Column("members", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("legal_members", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plenary_sessions") as batch:
        batch.drop_column("legal_members")
        batch.drop_column("members")
