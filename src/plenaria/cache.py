"""Content keys and atomic writes.

A key is the SHA-256 digest of everything a result depends on (the recording's
hash, the model, the options): the job graph stores each step's result under
one (``plenaria.storage``). Writes are atomic, so a run killed mid-write leaves
either the old value or none, never half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def cache_key(*parts: object) -> str:
    """A stable digest of JSON-serialisable parts (pydantic models via model_dump)."""
    blob = json.dumps([_plain(p) for p in parts], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _plain(part: object) -> object:
    dump = getattr(part, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    return (
        part if isinstance(part, str | int | float | bool | type(None) | list | dict) else str(part)
    )


def atomic_write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
