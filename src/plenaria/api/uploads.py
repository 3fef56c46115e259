"""Resumable uploads: the tus protocol (creation, termination) at ``/api/v1/uploads/``.

tuspyserver does creation and the streaming PATCH (written straight to disk
with its default storage, under a file lock). Around it, this module:

- authenticates every request and scopes uploads by council (another council's
  upload is a 404), before tuspyserver reads a byte of the body;
- validates the creation: ``filename`` and ``sha256`` metadata, ``Upload-Length``
  within ``max_upload_bytes`` (413), no concatenation, no deferred length, no
  data in the POST (tuspyserver would buffer it whole in memory);
- checks each PATCH before it is streamed: ``Content-Length`` and
  ``Upload-Offset`` present and within the declared length, and trims any bytes
  a failed PATCH left past the recorded offset (tuspyserver writes them);
- judges the first bytes as soon as they arrive (magic bytes): a PDF named
  ``.mp4`` is refused (422) at its first PATCH, not after gigabytes; ``POST
  <prefix>/check`` judges them the same way before any upload (the web page asks
  it before hashing a whole file);
- validates the complete upload (SHA-256, magic bytes, probe); a refused upload
  is deleted and its reason kept, so the final PATCH and any later HEAD or GET
  answer the same 4xx;
- serves HEAD, GET, OPTIONS and DELETE itself (tuspyserver's HEAD answers 400
  without ``filetype`` metadata; its DELETE leaves the upload's folder).

Expired incomplete uploads are removed by :meth:`UploadStore.clean` (called
here at most every few minutes), not by tuspyserver's ``gc_files``, which
cannot parse the date it writes. Upload-Checksum is not supported (not
advertised): the whole file's SHA-256 is checked at the end instead.
"""

import base64
import inspect
import logging
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any
from uuid import uuid4

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from tuspyserver import create_tus_router
from tuspyserver.lock import FileLock

from plenaria.config import Settings
from plenaria.domain import Recording
from plenaria.media.sniff import HEAD_BYTES
from plenaria.uploads import (
    UPLOAD_ID,
    AcceptedUpload,
    UploadRefused,
    UploadStore,
    check_head,
    parse_metadata,
    validate_upload,
)

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,termination"
EXPIRY_DAYS = 3  # an incomplete upload may be resumed for this long
CLEAN_EVERY_S = 600.0

OnComplete = Callable[[str, Path, dict[str, str], Recording], Awaitable[None] | None]
"""``on_complete(upload_id, path, metadata, recording)``, called once per accepted upload.

``path`` is the stored file (a generated name in the upload's own folder);
``metadata`` is ``{"filename", "sha256", "council_id"}``; ``recording`` the
probe's certified description (``sha256`` equal to the declared one). It may
be a coroutine function; a plain function runs in a worker thread. Raising
``HTTPException`` with a 4xx refuses the upload with that status and detail;
any other exception deletes the upload and answers 500.
"""


def uploads_router(
    settings: Settings,
    on_complete: OnComplete,
    council: Callable[..., Any],
    *,
    prefix: str = "/api/v1/uploads",
    admit: Callable[[str, int, str], None] | None = None,
    unique: Callable[[str, str], None] | None = None,
) -> APIRouter:
    """The tus endpoint at ``prefix``, storing under ``settings.storage_path / "uploads"``.

    ``council`` is a FastAPI dependency that authenticates the caller (raising
    401/403 itself) and returns the id of the caller's council. ``admit(council_id,
    length, filename)``, run in a thread before an upload is created, raises
    :class:`UploadRefused` when there is no room for it (quota, disk space).
    ``unique(council_id, sha256)``, run in a thread before an upload is created,
    raises (a 409 naming the existing session) when the council already has that
    recording; a client that means it passes ``allow_duplicate=true`` (query or
    ``Upload-Metadata``).
    """
    Council = Annotated[Any, Depends(council)]
    store = UploadStore(settings.storage_path / "uploads")
    max_bytes = settings.max_upload_bytes
    last_clean = [0.0]

    async def files(request: Request, council_id: Council) -> Callable[..., Any]:
        """tuspyserver's ``file_dep``: checks the request, then names the upload's folder."""
        owner = str(council_id)
        if request.method == "POST":
            filename, length, sha256 = _check_creation(request, max_bytes)
            if unique is not None and not _allows_duplicate(request):
                await run_in_threadpool(unique, owner, sha256)
            if admit is not None:
                try:
                    await run_in_threadpool(admit, owner, length, filename)
                except UploadRefused as e:
                    raise HTTPException(e.status, e.detail) from e
            if time.monotonic() - last_clean[0] > CLEAN_EVERY_S:
                last_clean[0] = time.monotonic()
                await run_in_threadpool(store.clean)

            def create(_metadata: dict[str, str]) -> dict[str, str]:
                upload_id = uuid4().hex
                folder = store.create(upload_id, owner)
                return {"files_dir": str(folder), "uid": upload_id}

            return create
        upload_id = str(request.path_params.get("uuid", ""))
        _check_access(store, upload_id, owner)
        folder = str(store.folder(upload_id))
        if request.method != "PATCH":
            return lambda _metadata: {"files_dir": folder}
        before = _check_patch(store, request, upload_id, max_bytes)

        def written(_metadata: dict[str, str]) -> dict[str, str]:
            # tuspyserver calls this before it streams the body and again after:
            # the second time, the first bytes of a new upload are judged at once.
            if before < HEAD_BYTES:
                refused = _check_head(store, upload_id, owner)
                if refused is not None:
                    raise HTTPException(refused.status, refused.detail)
            return {"files_dir": folder}

        return written

    async def completion(council_id: Council) -> Callable[..., Awaitable[None]]:
        """tuspyserver's ``upload_complete_dep``: validates the upload it just completed."""

        async def complete(file_path: str, _metadata: dict[str, str]) -> None:
            await _complete(store, Path(file_path).name, str(council_id), on_complete)

        return complete

    # tuspyserver awaits what its hooks return and reads files_dir/uid from file_dep's
    # dict, although its annotations say plain callables returning None.
    hooks: dict[str, Any] = {"upload_complete_dep": completion, "file_dep": files}
    router: APIRouter = create_tus_router(
        prefix=prefix,
        files_dir=str(store.root),
        max_size=max_bytes,
        auth=council,
        days_to_keep=EXPIRY_DAYS,
        tags=["uploads"],
        **hooks,
    )
    # Keep tuspyserver's creation and PATCH; HEAD, OPTIONS and DELETE are ours.
    router.routes[:] = [
        r for r in router.routes if getattr(r, "methods", set()) & {"POST", "PATCH"}
    ]

    @router.head("/{uuid}", summary="The offset of an upload (tus)")
    async def head_upload(uuid: str, request: Request, council_id: Council) -> Response:
        _check_version(request)
        _check_access(store, uuid, str(council_id))
        info = store.tus_info(uuid)
        if info is None:
            raise HTTPException(404, "No existe esa subida.")
        headers = {
            "Tus-Resumable": TUS_VERSION,
            "Upload-Offset": str(int(info.get("offset") or 0)),
            "Upload-Length": str(int(info.get("size") or 0)),
            "Cache-Control": "no-store",
        }
        meta = store.metadata(uuid)
        if meta is not None:
            headers["Upload-Metadata"] = ",".join(
                f"{k} {base64.b64encode(v.encode()).decode('ascii')}"
                for k, v in meta.to_dict().items()
            )
        if isinstance(info.get("expires"), str):
            headers["Upload-Expires"] = info["expires"]
        return Response(status_code=200, headers=headers)

    @router.get("/{uuid}", summary="The state of an upload")
    async def get_upload(uuid: str, council_id: Council) -> dict[str, Any]:
        owner = str(council_id)
        _check_access(store, uuid, owner)
        accepted = store.accepted(uuid, owner)
        info = store.tus_info(uuid) or {}
        meta = store.metadata(uuid)
        offset, size = int(info.get("offset") or 0), int(info.get("size") or 0)
        if accepted is not None:
            state = "accepted"
        elif size and offset >= size:
            state = "validating"
        else:
            state = "receiving"
        return {
            "id": uuid,
            "state": state,
            "filename": meta.filename if meta else None,
            "sha256": meta.sha256 if meta else None,
            "offset": offset,
            "length": size,
            "recording": accepted.recording.to_dict() if accepted else None,
        }

    @router.post("/check", status_code=204, summary="Judge a file's first bytes before its upload")
    async def check_first_bytes(
        request: Request, _council_id: Council, filename: str = ""
    ) -> Response:
        """The upload page sends a file's first bytes (only HEAD_BYTES are read) before it
        hashes the whole file: what its upload's first PATCH would refuse (422, the same line)
        is refused in a second, whatever the file's size."""
        head = bytearray()
        async for chunk in request.stream():
            head += chunk
            if len(head) >= HEAD_BYTES:
                break
        refused = await run_in_threadpool(_judge, bytes(head[:HEAD_BYTES]), filename or "archivo")
        if refused is not None:
            raise HTTPException(refused.status, refused.detail)
        return Response(status_code=204)

    @router.options("/", status_code=204, summary="tus capabilities")
    async def tus_options(_council_id: Council) -> Response:
        return Response(
            status_code=204,
            headers={
                "Tus-Resumable": TUS_VERSION,
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": TUS_EXTENSIONS,
                "Tus-Max-Size": str(max_bytes),
            },
        )

    @router.delete("/{uuid}", status_code=204, summary="Terminate an upload (tus)")
    async def delete_upload(uuid: str, request: Request, council_id: Council) -> Response:
        _check_version(request)
        owner = str(council_id)
        refused = store.refusal(uuid) if UPLOAD_ID.fullmatch(uuid) else None
        if refused is not None and refused[0] == owner:
            store.forget_refusal(uuid)
            return Response(status_code=204, headers={"Tus-Resumable": TUS_VERSION})
        _check_access(store, uuid, owner)
        info = store.tus_info(uuid) or {}
        complete = int(info.get("offset") or 0) >= int(info.get("size") or 0) > 0
        if complete and store.accepted(uuid, owner) is None:
            raise HTTPException(409, "La subida se está comprobando; bórrela después.")
        with _exclusive(store, uuid):
            store.remove(uuid)
        return Response(status_code=204, headers={"Tus-Resumable": TUS_VERSION})

    return router


def _check_version(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise HTTPException(
            412,
            f"Tus-Resumable tiene que ser {TUS_VERSION}.",
            headers={"Tus-Version": TUS_VERSION},
        )


def _allows_duplicate(request: Request) -> bool:
    """Whether the client asks to upload a recording the council already has."""
    if request.query_params.get("allow_duplicate", "").lower() in ("true", "1"):
        return True
    for pair in (request.headers.get("upload-metadata") or "").split(","):
        key, _, encoded = pair.strip().partition(" ")
        if key == "allow_duplicate":
            try:
                value = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return False
            return value.strip().lower() in ("true", "1")
    return False


def _check_creation(request: Request, max_bytes: int) -> tuple[str, int, str]:
    """Refuse, before anything is created, what this server does not take; else
    the file's name, its length and its declared SHA-256."""
    headers = request.headers
    if "upload-concat" in headers:
        raise HTTPException(400, "Upload-Concat no se admite: envíe el archivo en una sola subida.")
    if "upload-defer-length" in headers:
        raise HTTPException(
            400, "Upload-Defer-Length no se admite: declare el tamaño en Upload-Length."
        )
    if (_int_header(request, "content-length") or 0) > 0 or "transfer-encoding" in headers:
        raise HTTPException(
            400, "La petición de creación no lleva cuerpo: envíe los datos con PATCH."
        )
    meta = _refusing(parse_metadata, headers.get("upload-metadata"))
    length = _int_header(request, "upload-length")
    if length is None:
        raise HTTPException(400, "Falta Upload-Length: el tamaño del archivo en bytes.")
    if length == 0:
        raise HTTPException(
            422, f"{meta.filename} está vacío (0 bytes): no hay grabación que subir."
        )
    if length > max_bytes:
        raise HTTPException(
            413,
            f"{meta.filename} ocupa {_size(length)}, más que el límite de subida de este "
            f"servidor, {_size(max_bytes)} (PLENARIA_MAX_UPLOAD_BYTES).",
        )
    return meta.filename, length, meta.sha256


def _check_access(store: UploadStore, upload_id: str, council_id: str) -> None:
    """404 unless ``upload_id`` is an upload of ``council_id``; a refused one's 4xx."""
    if not UPLOAD_ID.fullmatch(upload_id):
        raise HTTPException(404, "No existe esa subida.")
    refused = store.refusal(upload_id)
    if refused is not None and refused[0] == council_id:
        raise HTTPException(refused[1].status, refused[1].detail)
    if store.owner(upload_id) != council_id:
        raise HTTPException(404, "No existe esa subida.")


def _check_head(store: UploadStore, upload_id: str, owner: str) -> UploadRefused | None:
    """The refusal of an upload whose first bytes are not a recording (the upload is
    deleted, its reason kept); None while they are, or too few have arrived to judge."""
    info = store.tus_info(upload_id) or {}
    size = int(info.get("size") or 0)
    try:
        have = store.data_path(upload_id).stat().st_size
    except OSError:
        return None
    if have < min(HEAD_BYTES, size) or have == 0:
        return None
    meta = store.metadata(upload_id)
    refusal = check_head(store.data_path(upload_id), meta.filename if meta else upload_id)
    if refusal is not None:
        store.refuse(upload_id, owner, refusal)
    return refusal


def _judge(head: bytes, filename: str) -> UploadRefused | None:
    """:func:`check_head` on bytes (written to a temporary file, as an upload's are)."""
    with tempfile.TemporaryDirectory(prefix="plenaria-head-") as folder:
        path = Path(folder) / "head"
        path.write_bytes(head)
        return check_head(path, Path(filename).name or "archivo") if head else None


def _check_patch(store: UploadStore, request: Request, upload_id: str, max_bytes: int) -> int:
    """Refuse a PATCH that tuspyserver would mishandle, before its body is read; the
    upload's offset before it.

    tuspyserver streams the body in a dependency, before its route checks
    Tus-Resumable and Content-Type: a bad PATCH would be written, then refused.
    """
    _check_version(request)
    if request.headers.get("content-type") != "application/offset+octet-stream":
        raise HTTPException(415, "Content-Type tiene que ser application/offset+octet-stream.")
    info = store.tus_info(upload_id)
    if info is None:
        raise HTTPException(404, "No existe esa subida.")
    offset, size = int(info.get("offset") or 0), int(info.get("size") or 0)
    if store.accepted(upload_id, store.owner(upload_id) or "") is not None:
        raise HTTPException(409, "La subida está completa y aceptada: no hay nada más que enviar.")
    length = _int_header(request, "content-length")
    if length is None:
        raise HTTPException(411, "Falta Content-Length: el tamaño del cuerpo de este PATCH.")
    claimed = _int_header(request, "upload-offset")
    if claimed is None:
        raise HTTPException(400, "Falta Upload-Offset: dónde empiezan los bytes de este PATCH.")
    if claimed != offset:
        raise HTTPException(
            409,
            f"Upload-Offset {claimed} no es la posición de la subida, {offset}: "
            "pregúntela con HEAD y continúe desde allí.",
        )
    if size and offset >= size:
        raise HTTPException(409, "La subida está completa y se está comprobando.")
    if offset + length > size:
        status = 413 if offset + length > max_bytes else 400
        raise HTTPException(
            status,
            f"Este PATCH acabaría en el byte {offset + length}, más allá del "
            f"Upload-Length declarado, {size}.",
        )
    with _exclusive(store, upload_id):
        data = store.data_path(upload_id)
        if data.exists() and data.stat().st_size > offset:
            # A PATCH refused mid-body leaves its bytes; the recorded offset is the truth.
            os.truncate(data, offset)
    return offset


class _exclusive:
    """Hold the upload's tus lock now, or answer 409: another request is writing to it."""

    def __init__(self, store: UploadStore, upload_id: str) -> None:
        folder = store.folder(upload_id)
        self.lock = FileLock(str(folder / upload_id), locks_dir=str(folder / ".locks"))

    def __enter__(self) -> None:
        if not self.lock.acquire(blocking=False):
            raise HTTPException(
                409, "Otra petición está escribiendo en esta subida: pregunte con HEAD y continúe."
            )

    def __exit__(self, *_exc: object) -> None:
        self.lock.release()


async def _complete(
    store: UploadStore, upload_id: str, council_id: str, on_complete: OnComplete
) -> None:
    """Validate a complete upload; accept it (``on_complete``) or refuse it (4xx)."""
    meta = store.metadata(upload_id)
    path = store.data_path(upload_id)
    try:
        if meta is None:
            raise UploadRefused(
                422, "La subida ha perdido sus metadatos: vuelva a subir el archivo."
            )
        recording = await run_in_threadpool(validate_upload, path, meta)
        described = {**meta.to_dict(), "council_id": council_id}
        if inspect.iscoroutinefunction(on_complete):
            await on_complete(upload_id, path, described, recording)
        else:
            result = await run_in_threadpool(on_complete, upload_id, path, described, recording)
            if inspect.isawaitable(result):
                await result
    except UploadRefused as refusal:
        await run_in_threadpool(store.refuse, upload_id, council_id, refusal)
        raise HTTPException(refusal.status, refusal.detail) from refusal
    except HTTPException as e:
        if 400 <= e.status_code < 500:
            refused = UploadRefused(e.status_code, str(e.detail))
            await run_in_threadpool(store.refuse, upload_id, council_id, refused)
        else:
            await run_in_threadpool(store.remove, upload_id)
        raise
    except Exception:
        log.exception("Upload %s: recording the accepted upload failed", upload_id)
        await run_in_threadpool(store.remove, upload_id)
        raise
    store.accept(AcceptedUpload(upload_id, council_id, path, meta.filename, meta.sha256, recording))
    log.info("Upload %s accepted: %s, %.1f s", upload_id, meta.filename, recording.duration_s)


def _refusing(func: Callable[..., Any], *args: Any) -> Any:
    try:
        return func(*args)
    except UploadRefused as e:
        raise HTTPException(e.status, e.detail) from e


def _int_header(request: Request, name: str) -> int | None:
    """A non-negative integer header; None when absent; 400 when malformed."""
    raw = request.headers.get(name)
    if raw is None:
        return None
    value = raw.strip()
    if not value.isdigit() or not value.isascii():
        raise HTTPException(
            400, f"{_title(name)} tiene que ser un número entero de bytes, no {raw!r}."
        )
    return int(value)


def _title(header: str) -> str:
    return "-".join(part.capitalize() for part in header.split("-"))


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit} ({n} bytes)".replace(".", ",", 1)
    return f"{n} bytes"
