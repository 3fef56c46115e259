"""A client for Plenaria's API, on httpx: resumable tus uploads, jobs, outputs.

The upload follows tus 1.0.0 (creation, HEAD for the offset, PATCH in chunks).
A dropped connection is retried with back-off, each time asking the server for
its offset, so no byte is sent twice and none is skipped. The upload's URL and
the file's SHA-256 are remembered in a small state file keyed by the file's path,
size and modification time, so running the same command again after Ctrl-C
resumes the upload instead of starting over.

Every failure a user can act on is a :class:`ServiceError` with one line that
names the problem (server unreachable, token refused, the server's ``detail``).
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from plenaria.api.i18n import step_label
from plenaria.errors import ConfigError, InputError, PlenariaError
from plenaria.progress import Progress, no_progress

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
TUS_VERSION = "1.0.0"
OUTPUT_KINDS = ("json", "vtt", "srt", "docx", "proxy")
TERMINAL_STATES = frozenset({"done", "failed", "cancelled"})
CHUNK_BYTES = 8 * 1024 * 1024
# Worth another try: the connection dropped or timed out, or a proxy/server hiccup.
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class ServiceError(PlenariaError):
    """The server cannot be reached, or refused a request."""

    exit_code = 4


class JobFailedError(PlenariaError):
    """The job ended failed or cancelled."""

    exit_code = 5


@dataclass(frozen=True)
class Backoff:
    """Retries after a transient failure: ``first_s``, doubled each time, at most ``max_s``."""

    retries: int = 8
    first_s: float = 1.0
    max_s: float = 30.0

    def delays(self) -> Iterator[float]:
        for n in range(self.retries):
            yield min(self.max_s, self.first_s * 2**n)


def _detail(response: httpx.Response) -> str:
    """The server's ``{"detail": ...}``, else the start of its body."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip().splitlines()
        return text[0][:200] if text else response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):  # FastAPI's validation errors
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
                parts.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg")))
        return "; ".join(parts) or json.dumps(detail)
    return str(detail) if detail else response.reason_phrase


def _refused(response: httpx.Response, what: str) -> ServiceError:
    status = response.status_code
    if status == 401:
        return ServiceError(
            "El servidor rechazó el token (401).",
            "Revise --token; una persona administradora crea uno con "
            "plenaria admin create-token EMAIL --name NAME.",
        )
    if status == 403:
        return ServiceError(
            f"El token no permite {what} (403): {_detail(response).rstrip('.')}.",
            "Pida a una persona administradora un token con la función adecuada.",
        )
    if status >= 500:
        return ServiceError(
            f"El servidor falló al {what} ({status}): {_detail(response).rstrip('.')}.",
            "Vuelva a intentarlo más tarde; si sigue, avise a quien administra el servicio.",
        )
    return ServiceError(
        f"El servidor se negó a {what} ({status}): {_detail(response).rstrip('.')}.",
        "Corrija lo que dice el servidor y vuelva a lanzar la orden.",
    )


class Client:
    """Plenaria's API at ``server`` (e.g. ``https://plenaria.example.es``) with a bearer token.

    ``transport`` and ``backoff`` are for callers that need other network
    behaviour; the defaults are those of the ``plenaria submit`` command.
    """

    def __init__(
        self,
        server: str,
        token: str,
        *,
        backoff: Backoff | None = None,
        timeout_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"No es la dirección de un servidor: {server!r}.",
                "Dé --server como URL, p. ej. https://plenaria.example.es.",
            )
        if not token.strip():
            raise ConfigError("El token está vacío.", "Dé --token con un token de API.")
        self.server = server.rstrip("/")
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self._contacted = False
        self._http = httpx.Client(
            headers={"Authorization": f"Bearer {token.strip()}"},
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 15.0)),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        return f"{self.server}{API_PREFIX}{path}"

    # -- transport with retries -------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        what: str,
        *,
        ok: tuple[int, ...] = (200,),
        retry: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request; transient failures retried with back-off; refusals as ServiceError.

        The first contact with the server is not retried: a wrong address or a
        stopped service fails at once with one line.
        """
        delays = self.backoff.delays() if retry else iter(())
        while True:
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TransportError as e:
                if not self._contacted:
                    raise self._unreachable(e) from e
                delay = next(delays, None)
                if delay is None:
                    raise self._unreachable(e) from e
                log.info("%s %s: %s; retrying in %.1f s", method, url, e, delay)
                self._sleep(delay)
                continue
            self._contacted = True
            if response.status_code in ok:
                return response
            if response.status_code in _RETRY_STATUS:
                delay = next(delays, None)
                if delay is not None:
                    log.info(
                        "%s %s: %d; retrying in %.1f s", method, url, response.status_code, delay
                    )
                    self._sleep(delay)
                    continue
            raise _refused(response, what)

    def _unreachable(self, e: httpx.TransportError) -> ServiceError:
        reason = str(e) or type(e).__name__
        return ServiceError(
            f"No se llega al servidor {self.server} ({reason}).",
            "Revise --server y la conexión; vuelva a lanzar la orden para seguir.",
        )

    # -- jobs --------------------------------------------------------------------------------

    def create_job(
        self, upload_id: str, session: Mapping[str, Any] | None, options: Mapping[str, Any]
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"upload_id": upload_id, "options": dict(options)}
        if session:  # without a session file the job has no session data
            body["session"] = dict(session)
        # Not retried on a dropped connection: a second POST could queue the job twice.
        response = self.request(
            "POST",
            self.url("/jobs"),
            "crear el proceso",
            ok=(200, 201, 202),
            retry=False,
            json=body,
        )
        return _json_object(response, "proceso")

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.request("GET", self.url(f"/jobs/{job_id}"), "mostrar el proceso")
        return _json_object(response, "proceso")

    def find_job(self, job_id: str) -> dict[str, Any] | None:
        """The job, or None if the server does not know it (404)."""
        response = self.request(
            "GET", self.url(f"/jobs/{job_id}"), "mostrar el proceso", ok=(200, 404)
        )
        return None if response.status_code == 404 else _json_object(response, "proceso")

    def wait(
        self,
        job_id: str,
        on_update: Callable[[dict[str, Any]], None] = lambda job: None,
        poll_s: float = 1.0,
    ) -> dict[str, Any]:
        """Poll the job until it is done; failed or cancelled raise JobFailedError."""
        while True:
            job = self.job(job_id)
            on_update(job)
            state = job.get("state")
            if state == "done":
                return job
            if state == "failed":
                error = job.get("error") or "sin detalle del error"
                step = f" en el paso {step_label(job['step'], 'es')}" if job.get("step") else ""
                raise JobFailedError(
                    f"El proceso {job_id} falló{step}: {error}.",
                    "Corrija la causa y vuelva a enviarlo, o pida al servicio que lo reintente.",
                )
            if state == "cancelled":
                raise JobFailedError(
                    f"El proceso {job_id} se canceló.", "Vuelva a enviarlo si lo necesita."
                )
            self._sleep(poll_s)

    def download(
        self, job_id: str, kind: str, dest: Path, progress: Progress = no_progress
    ) -> Path:
        """Stream one output to ``dest`` (written under a temporary name, then renamed)."""
        url = self.url(f"/jobs/{job_id}/outputs/{kind}")
        part = dest.with_name(dest.name + ".part")
        for delay in [*self.backoff.delays(), None]:
            try:
                with self._http.stream("GET", url) as response:
                    if response.status_code != 200:
                        response.read()
                        if response.status_code in _RETRY_STATUS and delay is not None:
                            self._sleep(delay)
                            continue
                        raise _refused(response, f"enviar el resultado {kind}")
                    total = int(response.headers.get("Content-Length") or 0)
                    done = 0
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with part.open("wb") as f:
                        for block in response.iter_bytes(1 << 20):
                            f.write(block)
                            done += len(block)
                            progress(kind, done, total or done)
                os.replace(part, dest)
                return dest
            except httpx.TransportError as e:
                if delay is None:
                    raise self._unreachable(e) from e
                self._sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as e:
        raise ServiceError(
            f"El servidor envió un {what} que no es JSON.", "Avise a quien administra el servicio."
        ) from e
    if not isinstance(body, dict):
        raise ServiceError(
            f"El servidor envió un {what} que no es un objeto JSON.",
            "Avise a quien administra el servicio.",
        )
    return body


# -- tus ----------------------------------------------------------------------------------------


def encode_metadata(values: Mapping[str, str]) -> str:
    """tus ``Upload-Metadata``: ``key base64(value)`` pairs joined by commas."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
        for key, value in values.items()
    )


def upload_id_of(upload_url: str) -> str:
    """The upload id: the last segment of the upload's URL."""
    return urlsplit(upload_url).path.rstrip("/").rsplit("/", 1)[-1]


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
                            raise _refused(e.response, "recibir la subida") from None
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
        if response.status_code in _RETRY_STATUS or response.status_code == 409:
            raise _Transient(response)  # 409: our offset is stale; HEAD tells the real one
        if response.status_code not in (200, 204):
            raise _refused(response, "recibir la subida")
        value = response.headers.get("Upload-Offset", "")
        return int(value) if value.isdigit() else offset + len(chunk)


class _Transient(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.status_code} {response.reason_phrase}")
        self.response = response


# -- state kept between runs ---------------------------------------------------------------------


class UploadState:
    """Small JSON file: per file (path + size + mtime) and server, its upload URL and SHA-256."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def key(server: str, file: Path) -> str:
        st = file.stat()
        return f"{server}|{file.resolve()}|{st.st_size}|{st.st_mtime_ns}"

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> dict[str, Any]:
        entry = self._read().get(key)
        return dict(entry) if isinstance(entry, dict) else {}

    def update(self, key: str, **values: Any) -> None:
        data = self._read()
        entry = {**data.get(key, {}), **values}
        data[key] = {k: v for k, v in entry.items() if v is not None}
        self._write(data)

    def forget(self, key: str) -> None:
        data = self._read()
        if data.pop(key, None) is not None:
            self._write(data)

    def _write(self, data: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


def check_recording_file(path: Path) -> None:
    """The file to upload exists, is a regular file and is not empty."""
    if not path.exists():
        raise InputError(f"No se encuentra el archivo: {path}.", "Revise la ruta de la grabación.")
    if not path.is_file():
        raise InputError(
            f"No es un archivo: {path}.", "Dé el archivo de la grabación, no una carpeta."
        )
    if path.stat().st_size == 0:
        raise InputError(f"El archivo está vacío: {path}.", "Dé la grabación completa.")


def upload_file(
    client: Client,
    path: Path,
    state: UploadState,
    progress: Progress = no_progress,
    chunk_bytes: int = CHUNK_BYTES,
) -> tuple[str, str]:
    """Upload ``path`` (resuming an earlier, interrupted upload); ``(upload_url, sha256)``.

    The SHA-256 is read in blocks (``progress("hash", ...)``) once per file version
    and kept in the state file with the upload's URL; bytes go as
    ``progress("upload", ...)``.
    """
    from plenaria.media.probe import sha256_file

    check_recording_file(path)
    key = state.key(client.server, path)
    entry = state.get(key)
    sha256 = entry.get("sha256")
    if not isinstance(sha256, str) or len(sha256) != 64:
        sha256 = sha256_file(path, progress)
        state.update(key, sha256=sha256)
    tus = TusUpload(client, path, sha256, chunk_bytes)
    upload_url = entry.get("upload_url")
    offset = tus.offset(upload_url) if isinstance(upload_url, str) else None
    if offset is None or upload_url is None:
        upload_url = tus.create()
        state.update(key, upload_url=upload_url)
        offset = 0
    else:
        log.info("Resuming %s at byte %d of %d", upload_url, offset, tus.size)
    tus.send(upload_url, offset, progress)
    return upload_url, sha256
