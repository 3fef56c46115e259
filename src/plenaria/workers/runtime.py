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
    """The graph's EngineSource for a worker process: each model loaded on first use.

    A job's spec names its models (frozen when the job was created); a worker
    configured with another one loads the one named, once, beside its own, so
    every chunk of a job is transcribed by the same model whichever worker takes it.
    """

    def __init__(self, model: str | None = None) -> None:
        self._model = model
        self._lock = threading.Lock()
        self._vad: VadModel | None = None
        self._transcribers: dict[str, Transcriber] = {}
        self._diarizers: dict[str, Diarizer | None] = {}

    def vad(self) -> VadModel:
        from plenaria.media.vad import load_vad_model

        with self._lock:
            if self._vad is None:
                self._vad = load_vad_model()
            return self._vad

    def own_models(self) -> tuple[str, str]:
        """What this worker is configured with, as a job's spec names models."""
        from plenaria.diarization.loader import diarizer_request
        from plenaria.transcription.loader import model_request

        return model_request(settings(), self._model), diarizer_request(settings())

    def transcriber(self, model: str = "") -> Transcriber:
        from plenaria.transcription.loader import load_requested

        request = model or self.own_models()[0]
        with self._lock:
            if request not in self._transcribers:
                if self._transcribers:
                    log.warning("loading the speech model %s a job names, beside ours", request)
                self._transcribers[request] = load_requested(settings(), request)
            return self._transcribers[request]

    def diarizer(self, model: str = "") -> Diarizer | None:
        from plenaria.diarization.loader import load_requested

        request = model or self.own_models()[1]
        with self._lock:
            if request not in self._diarizers:
                if self._diarizers:
                    log.warning("loading the diarizer %s a job names, beside ours", request)
                self._diarizers[request] = load_requested(settings(), request)
            return self._diarizers[request]

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
