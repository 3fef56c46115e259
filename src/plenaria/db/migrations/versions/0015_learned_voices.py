"""voices learned from corrections: a voice sample's source, session and speaker

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("voice_profiles") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="enrolled")
        )
        batch.add_column(sa.Column("session_id", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("speaker", sa.String(length=64), nullable=False, server_default="")
        )
        batch.create_index(batch.f("ix_voice_profiles_session_id"), ["session_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_voice_profiles_session_id_plenary_sessions"),
            "plenary_sessions",
            ["session_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_unique_constraint(
            batch.f("uq_voice_profiles_session_id_speaker"), ["session_id", "speaker"]
        )


def downgrade() -> None:
    # Learned samples cannot be told from enrolled ones without these columns: they go.
    op.execute(sa.text("DELETE FROM voice_profiles WHERE source = 'correction'"))
    with op.batch_alter_table("voice_profiles") as batch:
        batch.drop_constraint(batch.f("uq_voice_profiles_session_id_speaker"), type_="unique")
        batch.drop_constraint(
            batch.f("fk_voice_profiles_session_id_plenary_sessions"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_voice_profiles_session_id"))
        batch.drop_column("speaker")
        batch.drop_column("session_id")
        batch.drop_column("source")
