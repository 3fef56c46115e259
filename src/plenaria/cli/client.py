"""A client for Plenaria's API, on httpx: resumable tus uploads, jobs, outputs.

The upload follows tus 1.0.0 (:mod:`plenaria.cli.tus`): a dropped connection is
retried with back-off, each time asking the server for its offset, so no byte is
sent twice and none is skipped. The upload's URL and the file's SHA-256 are
remembered in a small state file keyed by the file's path, size and modification
time, so running the same command again after Ctrl-C resumes the upload instead
of starting over.

Every failure a user can act on is a
:class:`~plenaria.cli.service_errors.ServiceError` with one line that names the
problem (server unreachable, token refused, the server's ``detail``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from plenaria.api.i18n import step_label
from plenaria.cli.service_errors import (
    RETRY_STATUS,
    JobFailedError,
    ServiceError,
    json_object,
    refusal,
)
from plenaria.cli.tus import CHUNK_BYTES, TusUpload
from plenaria.errors import ConfigError, InputError
from plenaria.progress import Progress, no_progress

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
OUTPUT_KINDS = ("json", "vtt", "srt", "docx", "proxy")
TERMINAL_STATES = frozenset({"done", "failed", "cancelled"})


@dataclass(frozen=True)
class Backoff:
    """Retries after a transient failure: ``first_s``, doubled each time, at most ``max_s``."""

    retries: int = 8
    first_s: float = 1.0
    max_s: float = 30.0

    def delays(self) -> Iterator[float]:
        for n in range(self.retries):
            yield min(self.max_s, self.first_s * 2**n)


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
            if response.status_code in RETRY_STATUS:
                delay = next(delays, None)
                if delay is not None:
                    log.info(
                        "%s %s: %d; retrying in %.1f s", method, url, response.status_code, delay
                    )
                    self._sleep(delay)
                    continue
            raise refusal(response, what)

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
        return json_object(response, "proceso")

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.request("GET", self.url(f"/jobs/{job_id}"), "mostrar el proceso")
        return json_object(response, "proceso")

    def find_job(self, job_id: str) -> dict[str, Any] | None:
        """The job, or None if the server does not know it (404)."""
        response = self.request(
            "GET", self.url(f"/jobs/{job_id}"), "mostrar el proceso", ok=(200, 404)
        )
        return None if response.status_code == 404 else json_object(response, "proceso")

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
                        if response.status_code in RETRY_STATUS and delay is not None:
                            self._sleep(delay)
                            continue
                        raise refusal(response, f"enviar el resultado {kind}")
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


# -- a file's upload ----------------------------------------------------------------------------


def upload_id_of(upload_url: str) -> str:
    """The upload id: the last segment of the upload's URL."""
    return urlsplit(upload_url).path.rstrip("/").rsplit("/", 1)[-1]


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
