"""The publication package for the sede electrónica: one ZIP with the signed acta, its
certificate, the web video, the captions and the transcript, and ``manifest.json``
listing each file with its SHA-256 and size.

:func:`build_package` is pure: it is handed the files (bytes, or a path for the
video, read in blocks and never held whole) and the session's facts, and writes
the ZIP to ``out``. Files already compressed (PDF, MP4, DOCX) are stored, text
is deflated. Each entry's time is fixed, so the same files make the same ZIP.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MANIFEST = "manifest.json"
BLOCK = 1024 * 1024
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_STORED = (".pdf", ".mp4", ".docx", ".zip")


@dataclass(frozen=True)
class PackageFile:
    """A file of the package: its name in the ZIP, its bytes or the path to read them from,
    and what it is (a line of the manifest)."""

    name: str
    role: str
    data: bytes | None = None
    path: Path | None = None

    def blocks(self) -> Iterator[bytes]:
        if self.data is not None:
            yield self.data
            return
        if self.path is None:
            raise ValueError(f"{self.name}: sin contenido")
        with self.path.open("rb") as f:
            while block := f.read(BLOCK):
                yield block


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    stored = name.lower().endswith(_STORED)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def build_package(
    out: IO[bytes], files: list[PackageFile], facts: dict[str, Any]
) -> dict[str, Any]:
    """Write the ZIP of ``files`` and its manifest (``facts`` first) to ``out``; return the
    manifest. Names must be unique and not ``manifest.json``."""
    names = [f.name for f in files]
    if len(set(names)) != len(names) or MANIFEST in names:
        raise ValueError(f"nombres repetidos o reservados en el paquete: {names}")
    listed: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for item in files:
            digest = hashlib.sha256()
            size = 0
            with archive.open(_info(item.name), "w", force_zip64=item.path is not None) as entry:
                for block in item.blocks():
                    digest.update(block)
                    size += len(block)
                    entry.write(block)
            listed.append(
                {"name": item.name, "role": item.role, "sha256": digest.hexdigest(), "size": size}
            )
        manifest = {**facts, "files": listed}
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        archive.writestr(_info(MANIFEST), text.encode("utf-8"))
    return manifest
