"""What ties the tus uploads router (:mod:`plenaria.api.uploads`) to accounts and the database.

- :func:`uploader_council_id`: the router's ``council`` dependency. Uploading
  is for those who create jobs (admin, secretary); it authenticates like every
  route (bearer token, or cookie with X-CSRF-Token on unsafe methods).
- :func:`record_accepted_upload`: the router's ``on_complete``. A validated
  upload becomes an ``uploads`` row (state complete) and a ``recordings`` row
  holding the probe, so ``POST /api/v1/jobs {"upload_id"}`` finds it in the
  caller's council only.
- :func:`refuse_duplicates`: the router's ``unique``; a recording the council
  already processed answers 409 with its session (``existing``).
- :func:`keep_original`: when a job is created, the upload's bytes move to
  ``originals/``, where jobs read them; the upload keeps no copy.
- :func:`include_uploads`: mounts the router on the app.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from plenaria.api.capacity import admission
from plenaria.api.deps import DbSession, Manager
from plenaria.api.uploads import uploads_router
from plenaria.config import Settings
from plenaria.db import jobs as job_repo
from plenaria.db.engine import Database
from plenaria.db.models import Job, Recording, Upload
from plenaria.domain import Recording as ProbedRecording
from plenaria.errors import DuplicateRecordingError
from plenaria.uploads import UploadStore

OnComplete = Callable[[str, Path, dict[str, str], ProbedRecording], None]
UPLOADS_PREFIX = "uploads/"
ORIGINALS_PREFIX = "originals/"


def uploader_council_id(user: Manager, db: DbSession) -> str:
    # A PATCH streams its body for long: hold no pooled connection meanwhile.
    db.close()
    return user.council_id


def storage_key(storage_root: Path, path: Path) -> str:
    """A stored file's key: its path under the storage folder, with forward slashes."""
    return path.resolve().relative_to(storage_root.resolve()).as_posix()


def record_accepted_upload(database: Database, storage_root: Path) -> OnComplete:
    def record(
        upload_id: str, path: Path, metadata: dict[str, str], probed: ProbedRecording
    ) -> None:
        council_id = metadata["council_id"]
        key = storage_key(storage_root, path)
        with database.transaction() as s:
            upload = s.get(Upload, upload_id)
            if upload is None:
                upload = job_repo.create_upload(
                    s,
                    council_id,
                    upload_id,
                    metadata.get("filename") or probed.file_name,
                    probed.sha256,
                    probed.size_bytes,
                )
            job_repo.set_upload_state(upload, "complete", storage_key=key)
            known = s.scalar(select(Recording.id).where(Recording.upload_id == upload_id))
            if known is None:
                job_repo.create_recording(
                    s,
                    council_id,
                    key,
                    upload.filename,
                    probed.size_bytes,
                    probed.sha256,
                    upload_id=upload_id,
                    probe=probed.to_dict(),
                )

    return record


def refuse_duplicates(database: Database) -> Callable[[str, str], None]:
    """The router's ``unique``: a recording the council already processed is refused
    (409) with its session and job, so the clerk opens it instead of a second copy."""

    def unique(council_id: str, sha256: str) -> None:
        with database.session() as s:
            row = s.execute(
                select(Job.id, Job.session_id, Job.created_at)
                .join(Recording, Recording.id == Job.recording_id)
                .where(
                    Recording.council_id == council_id,
                    Recording.sha256 == sha256.lower(),
                    Job.state.not_in(("failed", "cancelled")),
                )
                .order_by(Job.created_at.desc())
                .limit(1)
            ).first()
        if row is None:
            return
        job_id, session_id, created_at = row
        url = f"/sessions/{session_id}/editor" if session_id else f"/jobs/{job_id}"
        raise DuplicateRecordingError(
            f"Esta grabación ya se subió el {created_at:%d/%m/%Y}; abra la sesión existente.",
            "Si de verdad quiere procesarla otra vez, súbala con allow_duplicate=true.",
            {"session_id": session_id, "job_id": job_id, "url": url},
        )

    return unique


def keep_original(storage_root: Path, db: Session, upload: Upload) -> None:
    """Give a job the upload's bytes: moved (never copied) to ``originals/<council>/<sha256>``.

    The upload's folder then holds no copy, only its record (see
    :meth:`UploadStore.mark_adopted`); the same recording uploaded twice is
    stored once. The rows that named the old key name the new one (the caller
    commits). An upload already kept, or not in the uploads folder, is left as is.
    """
    old = upload.storage_key
    if not old.startswith(UPLOADS_PREFIX):
        return
    key = f"{ORIGINALS_PREFIX}{upload.council_id}/{upload.sha256}"
    src, dst = storage_root / old, storage_root / key
    if dst.is_file() and dst.stat().st_size != upload.size:
        key, dst = f"{key}-{upload.id}", storage_root / f"{key}-{upload.id}"
    if src.is_file():
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_file():  # the same bytes (the SHA-256 was checked) are stored already
            src.unlink()
        else:
            os.replace(src, dst)
    elif not dst.is_file():
        return  # gone: the caller says so
    upload.storage_key = key
    for recording in db.scalars(select(Recording).where(Recording.storage_key == old)):
        recording.storage_key = key
    UploadStore(storage_root / "uploads").mark_adopted(upload.id, key)


def include_uploads(app: FastAPI, settings: Settings, database: Database, prefix: str) -> None:
    """Mount the tus router at ``prefix``/uploads."""
    on_complete: Any = record_accepted_upload(database, settings.storage_path)
    store = UploadStore(settings.storage_path / "uploads")
    admit = admission(settings, database, store)
    app.include_router(
        uploads_router(
            settings,
            on_complete,
            uploader_council_id,
            prefix=f"{prefix}/uploads",
            admit=admit,
            unique=refuse_duplicates(database),
        )
    )
