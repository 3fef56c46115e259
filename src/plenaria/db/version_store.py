"""How a transcript version is stored: whole (a snapshot) or as changes against its parent.

A version is a snapshot when it has no parent, when the machine made it (a
job's result: read whole by :func:`plenaria.db.jobs.job_warnings_of`), when
``snapshot_every`` versions have passed since the last snapshot on its line of
parents, or when its changes would take more than half the room of the whole
content; otherwise it stores only its changes (:mod:`plenaria.db.version_changes`).
Reading one rebuilds it from the nearest snapshot among its ancestors (or an
ancestor already rebuilt in the same database session), applying the deltas in order.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from plenaria.db.models import TranscriptVersion
from plenaria.db.version_changes import apply, delta

SNAPSHOT_EVERY = 20  # the default of Settings.transcript_snapshot_every

_T = TranscriptVersion


def _lines(db: Session, session_id: str, upto: int) -> dict[int, tuple[int | None, bool]]:
    """Every version up to ``upto``: its parent and whether it is a snapshot (no content)."""
    query = select(_T.number, _T.parent_number, _T.snapshot.is_not(None)).where(
        _T.session_id == session_id, _T.number <= upto
    )
    return {n: (p, bool(s)) for n, p, s in db.execute(query)}


def _rebuilt(db: Session, session_id: str) -> dict[int, dict[str, Any]]:
    """The contents already rebuilt in this database session, by number."""
    out = {}
    for obj in list(db.identity_map.values()):
        if isinstance(obj, _T) and obj.session_id == session_id:
            content = obj.__dict__.get("_content")
            if content is not None:
                out[obj.number] = content
    return out


def rebuild(row: TranscriptVersion) -> dict[str, Any]:
    """The whole content of ``row``: its snapshot, or its ancestors' with the deltas applied."""
    if row.snapshot is not None:
        return row.snapshot
    db = object_session(row)
    if db is None or row.delta is None or row.parent_number is None:
        raise RuntimeError(f"transcript version {row.number} cannot be read outside a session")
    lines = _lines(db, row.session_id, row.number)
    known = _rebuilt(db, row.session_id)
    path: list[int] = []  # the ancestors with a delta, newest first
    number: int | None = row.parent_number
    while number is not None and number not in known and not lines[number][1]:
        path.append(number)
        number = lines[number][0]
    if number is None:
        raise RuntimeError(f"transcript version {row.number} has no snapshot before it")
    query = select(_T.snapshot).where(_T.session_id == row.session_id, _T.number == number)
    content: dict[str, Any] | None = known[number] if number in known else db.scalar(query)
    if content is None:
        raise RuntimeError(f"transcript version {number} is neither a snapshot nor rebuilt")
    deltas: dict[int, dict[str, Any]] = {}
    if path:
        query2 = select(_T.number, _T.delta).where(
            _T.session_id == row.session_id, _T.number.in_(path)
        )
        deltas = {n: d for n, d in db.execute(query2)}
    for n in reversed(path):
        content = apply(content, deltas[n])
    return apply(content, row.delta)


def depth(db: Session, session_id: str, number: int) -> int:
    """How many deltas lie between version ``number`` and the snapshot it is read from."""
    lines = _lines(db, session_id, number)
    steps = 0
    at: int | None = number
    while at is not None and at in lines and not lines[at][1]:
        steps += 1
        at = lines[at][0]
    return steps


def stored_form(
    db: Session,
    session_id: str,
    parent_number: int | None,
    parent_content: dict[str, Any] | None,
    content: dict[str, Any],
    machine: bool,
    snapshot_every: int = SNAPSHOT_EVERY,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(snapshot, delta) for a new version with ``content`` on ``parent_number``."""
    whole = (content, None)
    if parent_number is None or parent_content is None or machine:
        return whole
    if depth(db, session_id, parent_number) + 1 >= snapshot_every:
        return whole
    changes = delta(parent_content, content)
    if changes is None:
        return whole
    if 2 * _size(changes) > _whole_size(content):
        return whole
    return None, changes


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def _whole_size(content: dict[str, Any], sample: int = 8) -> int:
    """The bytes of ``content`` as JSON, its interventions estimated from a sample of them
    (a 40,000-word transcript takes a third of a second to encode whole)."""
    items = content.get("interventions")
    if not isinstance(items, list) or len(items) <= 2 * sample:
        return _size(content)
    picked = items[:: len(items) // sample][:sample]
    rest = {k: v for k, v in content.items() if k != "interventions"}
    return _size(rest) + len(items) * sum(_size(i) for i in picked) // len(picked)
