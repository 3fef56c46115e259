"""What one worker process holds: settings, database, storage and the loaded models.

Models load once per process, on first use or at ``worker_process_init`` for the
queues the worker serves; never per task, never at import.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING

from plenaria.config import Settings, get_settings
from plenaria.storage import LocalStorage

if TYPE_CHECKING:
    from plenaria.db.engine import Database
    from plenaria.diarization.base import Diarizer
    from plenaria.media.vad import VadModel
    from plenaria.transcription.base import Transcriber

log = logging.getLogger(__name__)

_lock = threading.Lock()
_state: dict[str, object] = {}


def use_settings(settings: Settings) -> None:
    with _lock:
        if _state.get("settings") != settings:
            _state.clear()
            _state["settings"] = settings


def settings() -> Settings:
    found = _state.get("settings")
    if found is None:
        found = get_settings()
        _state["settings"] = found
    assert isinstance(found, Settings)
    return found


def database() -> Database:
    from plenaria.db.engine import Database

    with _lock:
        db = _state.get("database")
        if db is None:
            db = Database.from_settings(settings())
            _state["database"] = db
    assert isinstance(db, Database)
    return db


def storage() -> LocalStorage:
    return LocalStorage(settings().storage_path)


def _after_fork_in_child() -> None:
    """A forked child starts with fresh locks and without its parent's connections.

    The parent's reconciler thread may have held a lock at the moment of the fork:
    the child's copy of it would never be released. Only the forking thread exists
    in the child, so replacing the locks here is safe.
    """
    global _lock
    _lock = threading.Lock()
    db = _state.pop("database", None)
    _state.pop("engines", None)
    if db is not None:
        db.forget_after_fork()  # type: ignore[attr-defined]


os.register_at_fork(after_in_child=_after_fork_in_child)


class ProcessEngines:
    """The graph's EngineSource for a worker process: each model loaded on first use."""

    def __init__(self, model: str | None = None) -> None:
        self._model = model
        self._lock = threading.Lock()
        self._vad: VadModel | None = None
        self._transcriber: Transcriber | None = None
        self._diarizer: Diarizer | None = None
        self._diarizer_loaded = False

    def vad(self) -> VadModel:
        from plenaria.media.vad import load_vad_model

        with self._lock:
            if self._vad is None:
                self._vad = load_vad_model()
            return self._vad

    def transcriber(self) -> Transcriber:
        from plenaria.transcription.loader import load_transcriber

        with self._lock:
            if self._transcriber is None:
                self._transcriber = load_transcriber(settings(), self._model)
            return self._transcriber

    def diarizer(self) -> Diarizer | None:
        from plenaria.diarization.loader import load_diarizer

        with self._lock:
            if not self._diarizer_loaded:
                self._diarizer = load_diarizer(settings())
                self._diarizer_loaded = True
            return self._diarizer

    def preload(self, queues: set[str]) -> None:
        """Load what the served queues need, so the first task does not wait for it."""
        if queues & {"media", "diarization", "live"}:
            self.vad()
        if "asr" in queues:
            self.transcriber()
        if queues & {"diarization", "live"}:  # live: the provisional speakers
            self.diarizer()


def engines() -> ProcessEngines:
    with _lock:
        found = _state.get("engines")
        if found is None:
            found = ProcessEngines()
            _state["engines"] = found
    assert isinstance(found, ProcessEngines)
    return found
