"""portal search on PostgreSQL: a stored tsvector column and one GIN index over it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 21:00:00

Search ranked every match by ``ts_rank(to_tsvector('simple', text), ...)``: the
text was parsed again for each match, 1.3 s for a word found in 18,000 pieces of
500 hours of sessions (bench/portal.py). ``public_segments.fts_vector`` holds
each piece's vector, made by PostgreSQL on insert (Spanish configuration for
Spanish rows, ``simple`` for the others, as the two indexes it replaces); the
models do not map it (``models.include_name``). SQLite keeps its FTS5 table.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEXES = (
    "CREATE INDEX ix_public_segments_fts_es ON public_segments "
    "USING gin (to_tsvector('spanish', text)) WHERE language = 'es'",
    "CREATE INDEX ix_public_segments_fts_simple ON public_segments "
    "USING gin (to_tsvector('simple', text)) WHERE language <> 'es'",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_public_segments_fts_es")
    op.execute("DROP INDEX IF EXISTS ix_public_segments_fts_simple")
    op.execute(
        "ALTER TABLE public_segments ADD COLUMN fts_vector tsvector GENERATED ALWAYS AS "
        "(CASE WHEN language = 'es' THEN to_tsvector('spanish', text) "
        "ELSE to_tsvector('simple', text) END) STORED"
    )
    op.execute(
        "CREATE INDEX ix_public_segments_fts_vector ON public_segments USING gin (fts_vector)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_public_segments_fts_vector")
    op.execute("ALTER TABLE public_segments DROP COLUMN fts_vector")
    for statement in OLD_INDEXES:
        op.execute(statement)
