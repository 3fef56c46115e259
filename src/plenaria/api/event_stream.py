"""Server-sent events made by polling the database: the loop every stream shares.

``poll`` runs in a worker thread (it reads the database) and answers the events
to send now and whether the stream is over. Between polls the loop sleeps
``poll_s``; after ``keepalive_s`` without an event it sends a comment, so that
proxies keep the connection; it ends when the client goes away. ``close`` runs
once however the stream ends (the client gone, the stream over, an error),
even while the stream is being cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from plenaria.api.security import SlotStreamingResponse, stream_slots
from plenaria.errors import NotFoundError

KEEPALIVE_S = 15.0
Poll = Callable[[], tuple[list[str], bool]]


def event(name: str, data: str, event_id: str = "") -> str:
    """One event: its name, its (one-line, JSON) data and, when given, its id (a browser
    that reconnects sends the last one in ``Last-Event-ID``)."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {name}\ndata: {data}\n\n"


async def polled_events(
    poll: Poll,
    poll_s: float,
    request: Request,
    keepalive_s: float = KEEPALIVE_S,
    close: Callable[[], None] | None = None,
) -> AsyncIterator[str]:
    quiet_s = 0.0
    try:
        while True:
            try:
                events, final = await run_in_threadpool(poll)
            except NotFoundError:  # deleted (with its council) meanwhile
                return
            for text in events:
                yield text
                quiet_s = 0.0
            if final or await request.is_disconnected():
                return
            await asyncio.sleep(poll_s)
            quiet_s += poll_s
            if quiet_s >= keepalive_s:
                yield ": keepalive\n\n"
                quiet_s = 0.0
    finally:
        if close is not None:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(close)


def event_response(
    stream: AsyncIterator[str], request: Request, user_id: str
) -> SlotStreamingResponse:
    """The answer that sends ``stream``: one of the user's few stream slots (429 when all
    are taken), given back when it ends; no caching or buffering on the way."""
    return SlotStreamingResponse(
        stream,
        release=stream_slots(request.app).take(user_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
