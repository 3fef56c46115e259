"""Deleting a plenary session with everything made from it: it is personal data.

The rows: the session (its transcript versions, publication, redactions, public
segments, acta and certificates go with it, ON DELETE CASCADE), its jobs (their
steps and outputs with them), and the recordings and uploads that only its jobs
used. The files: each removed recording's original, its work folder
(``recordings/<sha>``: audio, chunks, transcripts, web video) and its probe
(``sources/``), the jobs' outputs, step pointers (``runs/<job>``) and live
folders, the upload's folder, the session's published videos (``public/<id>``)
and certified actas (``actas/<id>``). A file that a remaining row still names
(the same recording in another session or council, the same outputs) is kept.

:func:`remove_session` deletes the rows and names the files (the caller
commits); :func:`remove_files` deletes the files once the rows are gone, so a
failed commit never leaves rows without their files.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from plenaria.db import accounts as repo
from plenaria.db import civic
from plenaria.db.models import Job, Output, Recording, TranscriptVersion, Upload, User
from plenaria.errors import ConflictError
from plenaria.storage import EXTERNAL, LocalStorage, StorageKeyError

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def remove_session(db: Session, storage_root: Path, user: User, session_id: str) -> list[str]:
    """Delete the session of ``user``'s council and its rows (audited); the storage keys
    of the files to delete after the commit. 409 while one of its jobs is queued or runs."""
    plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
    jobs = list(
        db.scalars(
            select(Job).where(Job.session_id == plenary.id, Job.council_id == user.council_id)
        )
    )
    busy = [j.id for j in jobs if j.state in ACTIVE]
    if busy:
        raise ConflictError(
            f"La sesión tiene un proceso en curso ({busy[0]}): no se puede borrar ahora.",
            "Cancele el proceso o espere a que termine, y vuelva a borrarla.",
        )
    job_ids = [j.id for j in jobs]
    outputs = list(db.scalars(select(Output).where(Output.job_id.in_(job_ids)))) if jobs else []
    shared = set(
        db.scalars(
            select(Job.recording_id).where(
                Job.recording_id.in_([j.recording_id for j in jobs]), Job.id.not_in(job_ids)
            )
        )
    )
    recordings = [
        r
        for r in db.scalars(
            select(Recording).where(Recording.id.in_({j.recording_id for j in jobs}))
        )
        if r.id not in shared
    ]
    uploads = [u for r in recordings if r.upload_id and (u := db.get(Upload, r.upload_id))]
    versions = db.scalar(select(func.count()).where(TranscriptVersion.session_id == plenary.id))
    storage = LocalStorage(storage_root)
    originals = {r.storage_key for r in recordings} | {u.storage_key for u in uploads}
    sources = [k for j in jobs if (k := _probe_source(storage, j.id))]
    folders = {f"recordings/{r.sha256[:24]}": r.sha256[:24] for r in recordings if r.sha256}
    output_folders = {_output_folder(o.storage_key) for o in outputs}
    keys = [f"runs/{j}" for j in job_ids] + [f"live/{j}" for j in job_ids]
    keys += [f"uploads/{u.id}" for u in uploads if SAFE_ID.fullmatch(u.id)]
    keys += [f"public/{plenary.id}", f"actas/{plenary.id}"]
    detail = {
        "slug": plenary.slug,
        "date": plenary.date,
        "jobs": len(jobs),
        "recordings": len(recordings),
        "transcript_versions": int(versions or 0),
    }
    repo.audit(db, user.council_id, user.id, "session.delete", "session", plenary.id, detail)
    for job in jobs:
        db.delete(job)
    db.flush()
    for row in [*recordings, *uploads]:
        db.delete(row)
    db.delete(plenary)
    db.flush()
    kept = _still_named(db, originals, folders, output_folders)
    keys += [k for k in originals | output_folders | set(folders) if k not in kept]
    if not kept & originals:
        keys += sources
    return [k for k in keys if k and not k.startswith(EXTERNAL)]


def _probe_source(storage: LocalStorage, job_id: str) -> str:
    """The probe a run recorded for its original (``sources/...``), if any."""
    try:
        pointer = (
            storage.read_json(f"runs/{job_id}/probe.json") if SAFE_ID.fullmatch(job_id) else None
        )
    except (StorageKeyError, OSError):
        return ""
    key = str((pointer or {}).get("key") or "")
    return key if key.startswith("sources/") else ""


def _output_folder(key: str) -> str:
    """An output's folder (``outputs/<digest>``), or the key itself when it has none."""
    parts = key.split("/")
    return "/".join(parts[:2]) if len(parts) > 2 and parts[0] == "outputs" else key


def _still_named(
    db: Session, originals: set[str], folders: dict[str, str], output_folders: set[str]
) -> set[str]:
    """The keys that remaining rows (of any council) still name: those files stay."""
    kept: set[str] = set()
    for key in originals:
        named = select(Recording.id).where(Recording.storage_key == key).limit(1)
        upload = select(Upload.id).where(Upload.storage_key == key).limit(1)
        if db.scalar(named) is not None or db.scalar(upload) is not None:
            kept.add(key)
    for key, prefix in folders.items():
        if db.scalar(select(Recording.id).where(Recording.sha256.startswith(prefix)).limit(1)):
            kept.add(key)
    for key in output_folders:
        query = select(Output.id).where(
            or_(Output.storage_key == key, Output.storage_key.startswith(key + "/"))
        )
        if db.scalar(query.limit(1)) is not None:
            kept.add(key)
    return kept


def remove_files(storage_root: Path, keys: list[str]) -> None:
    """Delete the files and folders of ``keys`` (absent ones are no error)."""
    storage = LocalStorage(storage_root)
    for key in keys:
        try:
            storage.delete(key)
        except (StorageKeyError, OSError):
            log.exception("The file %s of a deleted session could not be deleted", key)
