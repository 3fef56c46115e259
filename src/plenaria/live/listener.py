"""A TCP listener on a thread of its own: each connection handled on a thread, closed with
one call. The push gate (:mod:`plenaria.live.rtmp_gate`) and the pull proxy
(:mod:`plenaria.live.egress`) are both one."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any, Self


class Listener:
    """Accepts on ``server`` until :meth:`close`; each client goes to :meth:`handle`.

    ``refused`` keeps what was turned away, and ``on_refused`` hears it as it happens.
    """

    def __init__(
        self, server: socket.socket, name: str, on_refused: Callable[[str], None] | None = None
    ) -> None:
        self.refused: list[str] = []
        self._on_refused = on_refused or (lambda why: None)
        self._server = server
        self._server.settimeout(0.5)
        self._name = name
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.getsockname()[1])

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)
        self._server.close()

    def handle(self, client: socket.socket, peer: Any) -> None:
        raise NotImplementedError

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                client, peer = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(
                target=self.handle, args=(client, peer), name=f"{self._name}-client", daemon=True
            ).start()
