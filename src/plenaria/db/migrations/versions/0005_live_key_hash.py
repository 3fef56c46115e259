"""live push keys: keep only the stream key's SHA-256 in jobs.live

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 14:40:00
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_jobs = sa.table("jobs", sa.column("id", sa.String), sa.column("live", sa.JSON))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_jobs.c.id, _jobs.c.live).where(_jobs.c.live.is_not(None)))
    for job_id, live in rows.all():
        if not isinstance(live, dict) or "key" not in live:
            continue
        kept = {k: v for k, v in live.items() if k != "key"}
        kept["key_sha256"] = hashlib.sha256(str(live["key"]).encode()).hexdigest()
        bind.execute(sa.update(_jobs).where(_jobs.c.id == job_id).values(live=kept))


def downgrade() -> None:
    """The plain keys are gone for good: a session started before keeps working (the gate
    reads the digest), so nothing is undone."""
