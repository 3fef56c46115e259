"""citizens' portal: publications, redactions, public_segments and their full-text index

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:00:00

SQLite: an external-content FTS5 table over public_segments.text, kept in step
by triggers. PostgreSQL: GIN indexes on to_tsvector('spanish', text) for
Spanish rows and to_tsvector('simple', text) for the others (Catalan).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE public_segments_fts USING fts5("
    "text, content='public_segments', content_rowid='rowid', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER public_segments_ai AFTER INSERT ON public_segments BEGIN "
    "INSERT INTO public_segments_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER public_segments_ad AFTER DELETE ON public_segments BEGIN "
    "INSERT INTO public_segments_fts(public_segments_fts, rowid, text) "
    "VALUES ('delete', old.rowid, old.text); END",
    "CREATE TRIGGER public_segments_au AFTER UPDATE ON public_segments BEGIN "
    "INSERT INTO public_segments_fts(public_segments_fts, rowid, text) "
    "VALUES ('delete', old.rowid, old.text); "
    "INSERT INTO public_segments_fts(rowid, text) VALUES (new.rowid, new.text); END",
)
PG_FTS = (
    "CREATE INDEX ix_public_segments_fts_es ON public_segments "
    "USING gin (to_tsvector('spanish', text)) WHERE language = 'es'",
    "CREATE INDEX ix_public_segments_fts_simple ON public_segments "
    "USING gin (to_tsvector('simple', text)) WHERE language <> 'es'",
)


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(length=32), nullable=False)


def _council() -> sa.Column[str]:
    return sa.Column("council_id", sa.String(length=32), nullable=False)


def _fk(owner: str, name: str, table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [name], [f"{table}.id"], name=op.f(f"fk_{owner}_{name}_{table}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "publications",
        _id(),
        _council(),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("video_key", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("published_by", sa.String(length=32), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("publications", "council_id", "councils"),
        _fk("publications", "session_id", "plenary_sessions"),
        _fk("publications", "job_id", "jobs", "SET NULL"),
        _fk("publications", "published_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("session_id", name=op.f("uq_publications_session_id")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        for column in ("council_id", "job_id", "published_by"):
            batch_op.create_index(batch_op.f(f"ix_publications_{column}"), [column], unique=False)

    op.create_table(
        "redactions",
        _id(),
        _council(),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("redactions", "council_id", "councils"),
        _fk("redactions", "session_id", "plenary_sessions"),
        _fk("redactions", "created_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redactions")),
    )
    with op.batch_alter_table("redactions", schema=None) as batch_op:
        for column in ("council_id", "session_id", "created_by"):
            batch_op.create_index(batch_op.f(f"ix_redactions_{column}"), [column], unique=False)

    op.create_table(
        "public_segments",
        _id(),
        _council(),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("speaker", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _fk("public_segments", "council_id", "councils"),
        _fk("public_segments", "session_id", "plenary_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_segments")),
    )
    with op.batch_alter_table("public_segments", schema=None) as batch_op:
        for column in ("council_id", "session_id"):
            batch_op.create_index(
                batch_op.f(f"ix_public_segments_{column}"), [column], unique=False
            )

    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else PG_FTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("public_segments_ai", "public_segments_ad", "public_segments_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS public_segments_fts")
    op.drop_table("public_segments")
    op.drop_table("redactions")
    op.drop_table("publications")
