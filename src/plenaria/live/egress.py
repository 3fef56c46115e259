"""Where a service recorder's ffmpeg may connect: every host checked where it connects.

ffmpeg follows HTTP redirects and opens each HLS segment by the URL its playlist
names; it resolves every name itself. None of that can be checked before it
starts. So the worker gives ffmpeg an HTTP proxy of its own (:class:`CheckedProxy`,
on 127.0.0.1, one per recording): ffmpeg sends every http request and every https
``CONNECT`` through it, and the proxy resolves the host, refuses it when
:func:`plenaria.live.pull_guard.checked_addresses` does (403, logged), and
connects to the address it checked, so a name that resolves to a public address
for the check and to an internal one a moment later (DNS rebinding) gains
nothing. TLS stays end to end (ffmpeg speaks it inside the tunnel).

:class:`GuardedSource` puts it together for the recorder: the URL for each new
connection (checked again, tcp/udp/srt pinned to the checked address) and the
proxy's address for ffmpeg.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from plenaria.live.listener import Listener
from plenaria.live.pull_guard import (
    AllowedHosts,
    PullRefused,
    checked_addresses,
    pinned_url,
    resolve,
)

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 16384
HEAD_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 10.0
IDLE_TIMEOUT_S = 60.0
HOP_HEADERS = ("connection", "keep-alive", "proxy-connection", "proxy-authorization", "te")


class CheckedProxy(Listener):
    """An HTTP proxy on 127.0.0.1 that connects only to the hosts the guard allows."""

    def __init__(
        self, allowed: AllowedHosts, on_refused: Callable[[str], None] | None = None
    ) -> None:
        super().__init__(socket.create_server(("127.0.0.1", 0)), "live-egress", on_refused)
        self.allowed = allowed

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, client: socket.socket, peer: Any) -> None:
        try:
            head, rest = _read_head(client)
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = (lines[0].split(" ", 2) + ["", ""])[:3]
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = self._open(host.strip("[]"), int(port))
                if not isinstance(upstream, socket.socket):
                    return _answer(client, upstream)
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                upstream.sendall(rest)
            elif method in ("GET", "HEAD"):
                parts = urlsplit(target)
                if parts.scheme != "http" or not parts.hostname:
                    return _answer(client, "400 Bad Request")
                upstream = self._open(parts.hostname, parts.port or 80)
                if not isinstance(upstream, socket.socket):
                    return _answer(client, upstream)
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                kept = [h for h in lines[1:] if h and h.split(":", 1)[0].lower() not in HOP_HEADERS]
                request = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close"])
                upstream.sendall(request.encode("latin-1") + b"\r\n\r\n" + rest)
            else:
                return _answer(client, "405 Method Not Allowed")
        except (OSError, ValueError, UnicodeError):
            _close(client)
            return
        _relay(client, upstream)

    def _open(self, host: str, port: int) -> socket.socket | str:
        """A connection to ``host`` by an address the guard allows, or the HTTP status to
        answer: 403 when the guard refuses it, 502 when it cannot be reached."""
        try:
            addresses = checked_addresses(host, port, self.allowed) or resolve(host, port)
        except PullRefused as e:
            self.refused.append(f"{host}:{port}")
            log.warning("directo: conexión con %s:%s rechazada: %s", host, port, e.message)
            self._on_refused(e.message)
            return "403 Forbidden"
        for ip in addresses:
            try:
                sock = socket.create_connection((str(ip), port), timeout=CONNECT_TIMEOUT_S)
                sock.settimeout(IDLE_TIMEOUT_S)
                return sock
            except OSError:
                continue
        return "502 Bad Gateway"


class GuardedSource:
    """A service recording's source: the URL of each connection, and ffmpeg's proxy."""

    def __init__(self, url: str, allowed: AllowedHosts) -> None:
        self.url = url
        self.allowed = allowed
        scheme = urlsplit(url).scheme.lower()
        self.proxy = CheckedProxy(allowed).start() if scheme in ("http", "https") else None

    @property
    def http_proxy(self) -> str | None:
        return self.proxy.url if self.proxy is not None else None

    def next_url(self) -> str:
        """Checked again now; tcp/udp/srt with the address checked instead of the name."""
        return pinned_url(self.url, self.allowed)

    def close(self) -> None:
        if self.proxy is not None:
            self.proxy.close()


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    sock.settimeout(HEAD_TIMEOUT_S)
    data = bytearray()
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD_BYTES:
            raise ValueError("request head too long")
        block = sock.recv(4096)
        if not block:
            raise ValueError("closed before the request head")
        data += block
    head, _, rest = bytes(data).partition(b"\r\n\r\n")
    sock.settimeout(IDLE_TIMEOUT_S)
    return head, rest


def _answer(client: socket.socket, status: str) -> None:
    with contextlib.suppress(OSError):
        client.sendall(
            f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
    _close(client)


def _relay(a: socket.socket, b: socket.socket) -> None:
    other = threading.Thread(target=_copy, args=(b, a), daemon=True)
    other.start()
    _copy(a, b)
    other.join(timeout=IDLE_TIMEOUT_S)
    _close(a)
    _close(b)


def _copy(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
