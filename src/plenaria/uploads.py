"""Uploaded recordings on disk: one folder per upload, validation, refusals, clean-up.

No web framework here: :mod:`plenaria.api.uploads` speaks tus and calls this.
Layout under ``<storage>/uploads/``::

    <id>/<id>            the bytes (written by tus; the name is the generated id)
    <id>/<id>.info       tus's sidecar: offset, length, metadata, expiry
    <id>/owner.json      the council that created the upload
    <id>/accepted.json   the validated recording, once accepted
    <id>/adopted.json    where its bytes went when a job took them (the bytes leave)
    .refused/<id>.json   why a refused upload was deleted, kept a while for the client

A client's file name is metadata only: it never becomes a path.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from plenaria.domain import Recording
from plenaria.errors import InputError
from plenaria.media.probe import sha256_file
from plenaria.media.probe_process import inspect_isolated
from plenaria.media.sniff import sniff
from plenaria.progress import Progress, no_progress

log = logging.getLogger(__name__)

UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
MAX_FILENAME_CHARS = 255
REFUSED_DIR = ".refused"
REFUSAL_KEEP_S = 3 * 24 * 3600.0  # how long a refused upload's reason stays readable
ADOPTED_KEEP_S = 3 * 24 * 3600.0  # how long a job's upload keeps its record (no bytes)
ORPHAN_AFTER_S = 3600.0  # a folder with no tus sidecar this old was never created fully


class UploadRefused(Exception):
    """An upload, or a request about it, that is refused: an HTTP status and one line."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class UploadMetadata:
    """What the client declares when it creates the upload."""

    filename: str
    sha256: str  # lower-case hex

    def to_dict(self) -> dict[str, str]:
        return {"filename": self.filename, "sha256": self.sha256}


@dataclass(frozen=True)
class AcceptedUpload:
    """A complete, validated upload: its bytes at ``path``, described by ``recording``."""

    id: str
    council_id: str
    path: Path
    filename: str
    sha256: str
    recording: Recording


def parse_metadata(header: str | None) -> UploadMetadata:
    """The ``filename`` and ``sha256`` of a tus ``Upload-Metadata`` header.

    Raises :class:`UploadRefused` (400) naming the missing or malformed key.
    """
    values: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        if key not in ("filename", "sha256"):
            continue  # other keys (filetype...) are the client's business
        try:
            values[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise UploadRefused(
                400, f"Upload-Metadata: el valor de {key} no es base64 de texto UTF-8."
            ) from None
    filename = display_name(values.get("filename", ""))
    if not filename:
        raise UploadRefused(
            400, "Upload-Metadata tiene que nombrar el archivo: añada filename (base64 del nombre)."
        )
    sha256 = values.get("sha256", "").strip()
    if not sha256:
        raise UploadRefused(
            400,
            "Upload-Metadata tiene que declarar el SHA-256 del archivo: añada sha256 "
            "(base64 de sus 64 dígitos hexadecimales).",
        )
    if not SHA256_HEX.fullmatch(sha256):
        raise UploadRefused(
            400, "Upload-Metadata: sha256 tiene que tener 64 dígitos hexadecimales (el SHA-256)."
        )
    return UploadMetadata(filename=filename, sha256=sha256.lower())


def display_name(name: str) -> str:
    """A client's file name fit for one-line messages: base name, no control characters."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    clean = "".join(c if c.isprintable() else " " for c in base).strip()
    return clean[:MAX_FILENAME_CHARS]


def validate_upload(
    path: Path, meta: UploadMetadata, progress: Progress = no_progress
) -> Recording:
    """The certified recording of a complete upload, or :class:`UploadRefused` (422).

    Checks, in this order: the first bytes name an accepted container, the
    SHA-256 of the stored bytes equals the declared one (read once, in
    blocks), and the recording is complete, readable and has audio (read by a
    child process with limits: :func:`~plenaria.media.probe_process.inspect_isolated`).
    """
    try:
        sniff(path, meta.filename)
        digest = sha256_file(path, progress)
        if digest != meta.sha256:
            raise UploadRefused(
                422,
                "El SHA-256 declarado no coincide con los bytes subidos: declarado "
                f"{meta.sha256}, recibido {digest}. El archivo cambió o la transferencia "
                "lo dañó: vuelva a subirlo.",
            )
        # Demuxing untrusted bytes: in a child process with limits, not in the API's.
        return inspect_isolated(path, name=meta.filename, sha256=digest)
    except InputError as e:
        raise UploadRefused(422, str(e)) from e


def check_head(path: Path, filename: str) -> UploadRefused | None:
    """The refusal (422) of a file whose first bytes are no accepted recording; None if they are.

    Cheap (one read of :data:`~plenaria.media.sniff.HEAD_BYTES`), so it runs on the
    first bytes of an upload, before the rest is sent.
    """
    try:
        sniff(path, filename)
    except InputError as e:
        return UploadRefused(422, str(e))
    return None


class UploadStore:
    """The folders of uploads under ``root`` (``<storage>/uploads``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, upload_id: str) -> Path:
        if not UPLOAD_ID.fullmatch(upload_id):
            raise ValueError(f"not an upload id: {upload_id!r}")
        return self.root / upload_id

    def data_path(self, upload_id: str) -> Path:
        return self.folder(upload_id) / upload_id

    def create(self, upload_id: str, council_id: str) -> Path:
        """Make the upload's folder, owned by ``council_id``; the folder."""
        folder = self.folder(upload_id)
        folder.mkdir(parents=True)
        _write_json(folder / "owner.json", {"council_id": council_id, "created_at": time.time()})
        return folder

    def owner(self, upload_id: str) -> str | None:
        """The owning council's id; None for an unknown upload."""
        data = _read_json(self.folder(upload_id) / "owner.json")
        return str(data["council_id"]) if data and "council_id" in data else None

    def tus_info(self, upload_id: str) -> dict[str, Any] | None:
        """tus's sidecar (offset, size, metadata, expires...); None when absent or torn."""
        return _read_json(self.folder(upload_id) / f"{upload_id}.info")

    def metadata(self, upload_id: str) -> UploadMetadata | None:
        info = self.tus_info(upload_id)
        meta = info.get("metadata") if info else None
        if not isinstance(meta, dict):
            return None
        return UploadMetadata(
            filename=display_name(str(meta.get("filename", ""))),
            sha256=str(meta.get("sha256", "")).lower(),
        )

    def accept(self, upload: AcceptedUpload) -> None:
        _write_json(
            self.folder(upload.id) / "accepted.json",
            {
                "council_id": upload.council_id,
                "filename": upload.filename,
                "sha256": upload.sha256,
                "recording": upload.recording.to_dict(),
                "accepted_at": time.time(),
            },
        )

    def accepted(self, upload_id: str, council_id: str) -> AcceptedUpload | None:
        """The accepted upload ``upload_id`` of ``council_id``; None otherwise."""
        if not UPLOAD_ID.fullmatch(upload_id):
            return None
        data = _read_json(self.folder(upload_id) / "accepted.json")
        if not data or str(data.get("council_id")) != str(council_id):
            return None
        return AcceptedUpload(
            id=upload_id,
            council_id=str(council_id),
            path=self.data_path(upload_id),
            filename=str(data["filename"]),
            sha256=str(data["sha256"]),
            recording=Recording.from_dict(data["recording"]),
        )

    def refuse(self, upload_id: str, council_id: str, refusal: UploadRefused) -> None:
        """Delete the upload's folder, keeping why, for the client's next question."""
        _write_json(
            self.root / REFUSED_DIR / f"{upload_id}.json",
            {
                "council_id": council_id,
                "status": refusal.status,
                "detail": refusal.detail,
                "at": time.time(),
            },
        )
        self.remove(upload_id)
        log.info("Upload %s refused: %s", upload_id, refusal.detail)

    def refusal(self, upload_id: str) -> tuple[str, UploadRefused] | None:
        """(owner council id, the refusal) of a refused upload; None otherwise."""
        data = _read_json(self.root / REFUSED_DIR / f"{upload_id}.json")
        if not data:
            return None
        return str(data["council_id"]), UploadRefused(int(data["status"]), str(data["detail"]))

    def forget_refusal(self, upload_id: str) -> None:
        (self.root / REFUSED_DIR / f"{upload_id}.json").unlink(missing_ok=True)

    def mark_adopted(self, upload_id: str, storage_key: str) -> None:
        """The accepted upload's bytes now belong to a job, at ``storage_key``.

        Its folder keeps only its record (so a client resuming it learns it is
        complete) and is removed by :meth:`clean` after :data:`ADOPTED_KEEP_S`.
        """
        if UPLOAD_ID.fullmatch(upload_id) and self.folder(upload_id).is_dir():
            _write_json(
                self.folder(upload_id) / "adopted.json",
                {"storage_key": storage_key, "at": time.time()},
            )

    def receiving(self) -> list[tuple[str, int, int]]:
        """(owner council id, declared length, bytes received) of each incomplete upload."""
        out: list[tuple[str, int, int]] = []
        if not self.root.is_dir():
            return out
        for folder in self.root.iterdir():
            upload_id = folder.name
            if not UPLOAD_ID.fullmatch(upload_id) or (folder / "accepted.json").exists():
                continue
            owner, info = self.owner(upload_id), self.tus_info(upload_id) or {}
            size, offset = int(info.get("size") or 0), int(info.get("offset") or 0)
            if owner is not None and size > 0:
                out.append((owner, size, min(offset, size)))
        return out

    def remove(self, upload_id: str) -> None:
        shutil.rmtree(self.folder(upload_id), ignore_errors=True)

    def clean(self, now: float | None = None) -> list[str]:
        """Delete expired incomplete uploads and old refusals; the ids removed.

        An upload is expired when tus's ``expires`` date has passed and it is
        not accepted (accepted uploads belong to their jobs). An upload whose
        bytes a job took (:meth:`mark_adopted`) keeps its record a few days. tuspyserver's own
        ``gc_files`` cannot parse the date it writes, so it is not used.
        """
        now = time.time() if now is None else now
        removed: list[str] = []
        if not self.root.is_dir():
            return removed
        for folder in self.root.iterdir():
            upload_id = folder.name
            if not UPLOAD_ID.fullmatch(upload_id):
                continue
            adopted = _read_json(folder / "adopted.json")
            if adopted is not None:
                if now - float(adopted.get("at") or 0) > ADOPTED_KEEP_S:
                    self.remove(upload_id)
                    removed.append(upload_id)
                continue
            if (folder / "accepted.json").exists():
                continue
            if self._expired(upload_id, folder, now):
                self.remove(upload_id)
                removed.append(upload_id)
        refused = self.root / REFUSED_DIR
        if refused.is_dir():
            for tomb in refused.glob("*.json"):
                with contextlib.suppress(OSError):
                    if now - tomb.stat().st_mtime > REFUSAL_KEEP_S:
                        tomb.unlink()
                        removed.append(tomb.stem)
        if removed:
            log.info("Removed %d expired uploads or refusals", len(removed))
        return removed

    def _expired(self, upload_id: str, folder: Path, now: float) -> bool:
        info = self.tus_info(upload_id)
        expires = info.get("expires") if info else None
        if isinstance(expires, str):
            try:
                return parsedate_to_datetime(expires).timestamp() < now
            except (TypeError, ValueError):
                pass
        elif isinstance(expires, int | float):
            return float(expires) < now
        try:  # no sidecar, or an unreadable date: judge by the folder's age
            return now - folder.stat().st_mtime > ORPHAN_AFTER_S
        except OSError:
            return False


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
