"""``GET /sessions/{id}/acta/package``: the signed acta's publication package for the sede
electrónica (a secretary or admin), built by :func:`plenaria.acts.package.build_package`.

It holds the signed PDF/A, the certificate (JSON, text and DOCX), the web video, the
captions (WebVTT) and the transcript (the portal's open JSON) of the approved version,
and ``manifest.json`` with each file's SHA-256 and size, the session, the council, the
date and the recording's SHA-256. What the portal would not show is not in it either:
the session's redactions are taken out of the captions and the transcript, and burnt
into a copy of the video. 409 while the acta is not signed. The ZIP is written to a
temporary file next to the store (the video may take gigabytes) and removed once sent.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from plenaria.acts import certificate as cert
from plenaria.acts.package import PackageFile, build_package
from plenaria.api import publishing
from plenaria.api.deps import DbSession, Manager
from plenaria.api.public import _open_data
from plenaria.assembly.redaction import redact_transcript
from plenaria.db import acta as workflow
from plenaria.db import civic, portal
from plenaria.db.models import ActaCertificate, Council, PlenarySession
from plenaria.db.transcripts import get_version
from plenaria.domain import Transcript
from plenaria.errors import ConflictError, NotFoundError
from plenaria.formats.captions import to_webvtt
from plenaria.media.probe import probe
from plenaria.media.redact import make_public_video

ZIP = "application/zip"
PACKAGE_DIR = "tmp/packages"


def signed_certificate(db: Session, plenary: PlenarySession) -> ActaCertificate:
    """The approved acta's certificate once its PDF/A is signed; ConflictError before."""
    record = workflow.record_for(db, plenary)
    row = None
    if record.approved_number is not None and record.state in ("signed", "published"):
        row = workflow.certificate_of(db, plenary, record.approved_number)
    if row is None or not row.signed_pdf_key:
        raise ConflictError(
            f"El acta de esta sesión está {workflow.state_name(record.state)}: el paquete de "
            "publicación lleva el PDF/A firmado y aún no lo hay.",
            "Apruebe y firme el acta antes de descargar el paquete.",
        )
    return row


def _has_video(path: Path) -> bool:
    """Whether the proxy has a picture (an audio-only recording's has none)."""
    _fmt, _duration, streams = probe(path)
    return any(s.kind == "video" for s in streams)


def _stem(plenary: PlenarySession) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", plenary.slug or plenary.id).strip("-.") or plenary.id


@contextmanager
def package_files(
    db: Session, storage: Path, council: Council, plenary: PlenarySession
) -> Iterator[tuple[list[PackageFile], dict[str, object]]]:
    """The package's files and the manifest's facts; a redacted video copy lives while open."""
    row = signed_certificate(db, plenary)
    signed = storage / (row.signed_pdf_key or "")
    if not signed.is_file():
        raise NotFoundError("El PDF firmado del acta ya no está en el almacén.")
    stem = _stem(plenary)
    acta_stem = Path(row.data["acta"]["file_name"]).stem
    version = get_version(db, plenary, row.version_number)
    intervals = portal.redaction_intervals(db, plenary)
    transcript = redact_transcript(Transcript.from_dict(version.content), intervals)
    lang = publishing.session_language(transcript, council)
    files = [
        PackageFile(f"{acta_stem}-firmada.pdf", "acta_firmada", path=signed),
        PackageFile(
            f"certificado-{stem}-v{row.version_number}.json",
            "certificado",
            data=(json.dumps(row.data, ensure_ascii=False, indent=2) + "\n").encode(),
        ),
        PackageFile(
            f"certificado-{stem}-v{row.version_number}.txt",
            "certificado",
            data=cert.certificate_text(row.data).encode(),
        ),
        PackageFile(
            f"certificado-{stem}-v{row.version_number}.docx",
            "certificado",
            data=cert.certificate_docx(row.data),
        ),
        PackageFile(f"{stem}.vtt", "subtitulos", data=to_webvtt(transcript).encode()),
        PackageFile(f"{stem}.json", "transcripcion", data=_open_data(transcript, lang).encode()),
    ]
    facts: dict[str, object] = {
        "session_id": plenary.slug or plenary.id,
        "council": council.name,
        "date": plenary.date,
        "session_type": plenary.session_type,
        "acta_version": row.version_number,
        "csv": row.data.get("csv", ""),
        "recording_sha256": (row.data.get("recording") or {}).get("sha256", ""),
        "redactions": len(intervals),
    }
    proxy = publishing._proxy(db, storage, publishing._source_job(db, plenary, version))
    copy: Path | None = None
    try:
        if proxy is not None and intervals:
            folder = storage / PACKAGE_DIR
            folder.mkdir(parents=True, exist_ok=True)
            copy = folder / f"{plenary.id}-{uuid.uuid4().hex}.mp4"
            make_public_video(proxy, copy, intervals, _has_video(proxy))
            files.append(PackageFile(f"{stem}.mp4", "video", path=copy))
        elif proxy is not None:
            files.append(PackageFile(f"{stem}.mp4", "video", path=proxy))
        yield files, facts
    finally:
        if copy is not None:
            copy.unlink(missing_ok=True)


def write_package(
    db: Session, storage: Path, council: Council, plenary: PlenarySession
) -> tuple[Path, str]:
    """The package written to a temporary file (the caller removes it) and its file name."""
    folder = storage / PACKAGE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with package_files(db, storage, council, plenary) as (files, facts):
        fd, name = tempfile.mkstemp(prefix=f"{plenary.id}-", suffix=".zip", dir=folder)
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                build_package(out, files, facts)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    version = facts["acta_version"]
    return path, f"paquete-{_stem(plenary)}-v{version}.zip"


def router() -> APIRouter:
    api = APIRouter(tags=["acta"])

    @api.get(
        "/sessions/{session_id}/acta/package",
        response_class=FileResponse,
        responses={200: {"content": {ZIP: {}}}, 409: {}},
    )
    def package(session_id: str, request: Request, user: Manager, db: DbSession) -> FileResponse:
        """The publication package (ZIP with ``manifest.json``); 409 until the acta is signed."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        storage: Path = request.app.state.storage_path
        path, name = write_package(db, storage, user.council, plenary)
        db.commit()
        return FileResponse(
            path,
            media_type=ZIP,
            filename=name,
            background=BackgroundTask(path.unlink, missing_ok=True),
        )

    return api
