"""transcript versions stored as changes: a whole snapshot or a delta against the parent

Every existing version becomes a snapshot (its content, as it was). The
downgrade rebuilds each delta's whole content, oldest first, and stores it back.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from plenaria.db.version_changes import apply

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
TABLE = "transcript_versions"


def _json(none_as_null: bool) -> sa.JSON:
    return sa.JSON(none_as_null=none_as_null)


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot", _json(True), nullable=True))
        batch_op.add_column(sa.Column("delta", _json(True), nullable=True))
    op.execute(sa.text(f"UPDATE {TABLE} SET snapshot = content"))
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_column("content")


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", _json(True), nullable=True))
    table = sa.table(
        TABLE,
        sa.column("id", sa.String),
        sa.column("session_id", sa.String),
        sa.column("number", sa.Integer),
        sa.column("parent_number", sa.Integer),
        sa.column("snapshot", _json(True)),
        sa.column("delta", _json(True)),
        sa.column("content", _json(True)),
    )
    conn = op.get_bind()
    op.execute(sa.text(f"UPDATE {TABLE} SET content = snapshot WHERE snapshot IS NOT NULL"))
    query = (
        sa.select(table.c.id, table.c.session_id, table.c.parent_number)
        .where(table.c.snapshot.is_(None))
        .order_by(table.c.session_id, table.c.number)
    )
    for row_id, session_id, parent in conn.execute(query).all():
        content = _content(conn, table, session_id, parent)
        changes = conn.scalar(sa.select(table.c.delta).where(table.c.id == row_id))
        whole = apply(content, changes or {})
        conn.execute(table.update().where(table.c.id == row_id).values(content=whole))
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.alter_column("content", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("delta")
        batch_op.drop_column("snapshot")


def _content(conn: Any, table: Any, session_id: str, number: int) -> dict[str, Any]:
    """A version's whole content, already stored back (deltas are rebuilt oldest first)."""
    query = sa.select(table.c.content).where(
        table.c.session_id == session_id, table.c.number == number
    )
    value = conn.scalar(query)
    if value is None:
        raise RuntimeError(f"the version {number} of the session {session_id} has no content")
    return dict(value)
