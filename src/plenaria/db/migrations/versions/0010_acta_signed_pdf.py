"""the approved acta's signed PDF/A: its stored key and SHA-256 on the certificate

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
TABLE = "acta_certificates"


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_pdf_key", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("signed_sha256", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_signed_sha256"), ["signed_sha256"])


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{TABLE}_signed_sha256"))
        batch_op.drop_column("signed_sha256")
        batch_op.drop_column("signed_pdf_key")
