"""A file sent by tus 1.0.0 (creation, HEAD for the offset, PATCH in chunks), resumable
from any offset the server reports: a dropped connection is retried with back-off,
each time asking the server for its offset, so no byte is sent twice and none is
skipped. :func:`plenaria.cli.client.upload_file` drives it.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import httpx

from plenaria.cli.service_errors import RETRY_STATUS, ServiceError, refusal
from plenaria.progress import Progress, no_progress

if TYPE_CHECKING:
    from plenaria.cli.client import Client

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
CHUNK_BYTES = 8 * 1024 * 1024


def encode_metadata(values: Mapping[str, str]) -> str:
    """tus ``Upload-Metadata``: ``key base64(value)`` pairs joined by commas."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
        for key, value in values.items()
    )


class TusUpload:
    """One file sent to the tus endpoint, resumable from any offset the server reports."""

    def __init__(self, client: Client, path: Path, sha256: str, chunk_bytes: int = CHUNK_BYTES):
        self.client = client
        self.path = path
        self.sha256 = sha256
        self.size = path.stat().st_size
        self.chunk_bytes = chunk_bytes
        self.endpoint = client.url("/uploads/")

    def create(self) -> str:
        """POST the creation request; the upload's absolute URL."""
        headers = {
            "Tus-Resumable": TUS_VERSION,
            "Upload-Length": str(self.size),
            # filetype too: tus servers such as tuspyserver require it on HEAD.
            "Upload-Metadata": encode_metadata(
                {
                    "filename": self.path.name,
                    "filetype": mimetypes.guess_type(self.path.name)[0]
                    or "application/octet-stream",
                    "sha256": self.sha256,
                }
            ),
        }
        response = self.client.request(
            "POST", self.endpoint, "aceptar la subida", ok=(201,), headers=headers
        )
        location: str = response.headers.get("Location", "")
        if not location:
            raise ServiceError(
                "El servidor aceptó la subida pero no envió Location.",
                "Avise a quien administra el servicio.",
            )
        return urljoin(self.endpoint, location)

    def offset(self, upload_url: str) -> int | None:
        """The server's offset for ``upload_url``; None if it no longer knows it."""
        response = self.client.request(
            "HEAD",
            upload_url,
            "reanudar la subida",
            ok=(200, 204, 404, 410),
            headers={"Tus-Resumable": TUS_VERSION},
        )
        if response.status_code in (404, 410):
            return None
        length = response.headers.get("Upload-Length")
        if length is not None and length.isdigit() and int(length) != self.size:
            return None  # another file's upload: start again
        value = response.headers.get("Upload-Offset", "")
        if not value.isdigit():
            raise ServiceError(
                "La respuesta del servidor a HEAD no tiene un Upload-Offset válido.",
                "Vuelva a lanzar la orden.",
            )
        return int(value)

    def send(self, upload_url: str, offset: int, progress: Progress = no_progress) -> None:
        """PATCH from ``offset`` to the end; after a failure, HEAD says where to go on."""
        delays = self.client.backoff.delays()
        progress("upload", offset, self.size)
        with self.path.open("rb") as f:
            while offset < self.size:
                f.seek(offset)
                chunk = f.read(self.chunk_bytes)
                try:
                    offset = self._patch(upload_url, offset, chunk)
                except (httpx.TransportError, _Transient) as e:
                    delay = next(delays, None)
                    if delay is None:
                        if isinstance(e, _Transient):
                            raise refusal(e.response, "recibir la subida") from None
                        raise self.client._unreachable(e) from e
                    log.info("Upload interrupted at %d (%s); retrying in %.1f s", offset, e, delay)
                    self.client._sleep(delay)
                    known = self.offset(upload_url)
                    if known is None:
                        raise ServiceError(
                            "El servidor ya no conoce esta subida.",
                            "Vuelva a lanzar la orden para empezar la subida de nuevo.",
                        ) from None
                    offset = known
                else:
                    delays = self.client.backoff.delays()  # progress made: full patience again
                progress("upload", offset, self.size)

    def _patch(self, upload_url: str, offset: int, chunk: bytes) -> int:
        headers = {
            "Tus-Resumable": TUS_VERSION,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        }
        response = self.client._http.request("PATCH", upload_url, content=chunk, headers=headers)
        if response.status_code in RETRY_STATUS or response.status_code == 409:
            raise _Transient(response)  # 409: our offset is stale; HEAD tells the real one
        if response.status_code not in (200, 204):
            raise refusal(response, "recibir la subida")
        value = response.headers.get("Upload-Offset", "")
        return int(value) if value.isdigit() else offset + len(chunk)


class _Transient(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.status_code} {response.reason_phrase}")
        self.response = response
