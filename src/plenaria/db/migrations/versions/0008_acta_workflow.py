"""the acta's workflow: its state per session and the certificates of approved versions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
UQ_VERSION = "uq_acta_certificates_session_id_version_number"


def _fk(owner: str, name: str, table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [name], [f"{table}.id"], name=op.f(f"fk_{owner}_{name}_{table}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "acta_records",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("council_id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("approved_number", sa.Integer(), nullable=True),
        sa.Column("not_applicable", sa.JSON(), nullable=False),
        sa.Column("corrections", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("acta_records", "council_id", "councils"),
        _fk("acta_records", "session_id", "plenary_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acta_records")),
        sa.UniqueConstraint("session_id", name=op.f("uq_acta_records_session_id")),
    )
    with op.batch_alter_table("acta_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acta_records_council_id"), ["council_id"])

    op.create_table(
        "acta_certificates",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("council_id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("csv", sa.String(length=32), nullable=False),
        sa.Column("acta_sha256", sa.String(length=64), nullable=False),
        sa.Column("docx_key", sa.String(length=500), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("acta_certificates", "council_id", "councils"),
        _fk("acta_certificates", "session_id", "plenary_sessions"),
        _fk("acta_certificates", "approved_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acta_certificates")),
        sa.UniqueConstraint("csv", name=op.f("uq_acta_certificates_csv")),
        sa.UniqueConstraint(
            "session_id",
            "version_number",
            name=op.f(UQ_VERSION),
        ),
    )
    with op.batch_alter_table("acta_certificates", schema=None) as batch_op:
        for column in ("council_id", "session_id", "acta_sha256", "approved_by"):
            batch_op.create_index(batch_op.f(f"ix_acta_certificates_{column}"), [column])


def downgrade() -> None:
    op.drop_table("acta_certificates")
    op.drop_table("acta_records")
