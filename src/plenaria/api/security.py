"""What every answer carries and every request may not exceed, as plain ASGI middleware.

- :class:`SecurityHeaders`: Content-Security-Policy (only the app's own scripts,
  styles and media; no framing, except under the embed paths), nosniff,
  Referrer-Policy, HSTS when cookies are HTTPS-only, and ``Cache-Control:
  no-store`` on the API (its answers are one council's data).
- :class:`BodyLimit`: a request body over ``max_body_bytes`` is a 413 with one
  Spanish line, read no further. The tus PATCH is exempt: it streams a chunk of
  a recording to disk, bounded by the upload's declared length.
- :class:`StreamSlots`: a cap on the server-sent event streams one user holds
  open at once (429 beyond it).

Both middlewares only look at the start of the answer and count the request's
bytes: streamed answers (events, video ranges) pass through untouched.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plenaria.config import Settings
from plenaria.errors import RateLimitedError

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)
REFERRER_POLICY = "strict-origin-when-cross-origin"  # keeps the Origin header of form posts
HSTS = "max-age=31536000"
TUS_PATCH = re.compile(r"/api/v1/uploads/[^/]+/?")


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


class SecurityHeaders:
    """Adds the security headers to every HTTP answer (those the app set stay, except
    Cache-Control on the API, which is always ``no-store``)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.embed_paths = tuple(
            p.strip() for p in settings.frame_embed_paths.split(",") if p.strip()
        )
        self.hsts = settings.cookie_secure

    def headers_for(self, path: str) -> list[tuple[bytes, bytes]]:
        embed = any(path.startswith(prefix) for prefix in self.embed_paths)
        ancestors = "*" if embed else "'none'"
        out = [
            (b"content-security-policy", f"{CSP}; frame-ancestors {ancestors}".encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", REFERRER_POLICY.encode()),
        ]
        if not embed:
            out.append((b"x-frame-options", b"DENY"))
        if self.hsts:
            out.append((b"strict-transport-security", HSTS.encode()))
        return out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        added = self.headers_for(path)
        api = path.startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not (api and k.lower() == b"cache-control")
                ]
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in added if k not in present]
                if api:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """A request body over the limit; an HTTPException so that FastAPI's body parsing
    passes it on to the error handler (413) instead of calling it malformed (400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"La petición ocupa más de {_size(limit)}, el máximo de este servidor "
            "(PLENARIA_MAX_BODY_BYTES): envíe menos datos de una vez.",
        )


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes: by Content-Length before reading,
    or while reading a body of unknown length. ``exempt(method, path)`` skips one."""

    def __init__(
        self, app: ASGIApp, limit: int, exempt: Callable[[str, str], bool] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt or tus_patch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.exempt(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await _refuse(scope, receive, send, BodyTooLarge(self.limit))
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as e:  # raised where no handler caught it
            if started:
                raise
            await _refuse(scope, receive, send, e)


def tus_patch(method: str, path: str) -> bool:
    """The tus PATCH streams a recording's bytes: its size is checked by the upload."""
    return method == "PATCH" and TUS_PATCH.fullmatch(path) is not None


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, error: HTTPException) -> None:
    response = JSONResponse(
        {"detail": error.detail}, status_code=error.status_code, headers={"Connection": "close"}
    )
    await response(scope, receive, send)


class StreamSlots:
    """How many event streams each user has open in this process; ``per_user`` at most."""

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    def open_count(self, user_id: str) -> int:
        with self._lock:
            return self._open[user_id]

    def take(self, user_id: str) -> Callable[[], None]:
        """Take a slot (429 when none is left); the function that gives it back, once."""
        with self._lock:
            if self._open[user_id] >= self.per_user:
                raise RateLimitedError(
                    f"Ya tiene {self.per_user} seguimientos de procesos abiertos, el máximo "
                    "(PLENARIA_MAX_EVENT_STREAMS_PER_USER).",
                    "Cierre alguna pestaña de procesos y vuelva a intentarlo.",
                )
            self._open[user_id] += 1
        given_back = threading.Event()

        def give_back() -> None:
            with self._lock:
                if given_back.is_set():
                    return
                given_back.set()
                self._open[user_id] -= 1
                if self._open[user_id] <= 0:
                    del self._open[user_id]

        return give_back


class SlotStreamingResponse(StreamingResponse):
    """A streamed answer that gives its slot back when it ends, however it ends."""

    def __init__(self, content: Any, *, release: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def stream_slots(app: Any) -> StreamSlots:
    slots: StreamSlots = app.state.event_streams
    return slots


def install(app: FastAPI, settings: Settings) -> None:
    """The limits and headers on ``app`` (the headers outermost, so a 413 has them too)."""
    app.state.event_streams = StreamSlots(settings.max_event_streams_per_user)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, settings=settings)
