"""A content-addressed store of stage results, so an interrupted run resumes.

Keys are SHA-256 digests of everything a result depends on (the recording's
hash, the model, the options). Values are JSON files written atomically, so a
run killed mid-write leaves either the old value or none, never half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


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


class ResultCache:
    """JSON results under ``root/<kind>/<key>.json``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / f"{key}.json"

    def load(self, kind: str, key: str) -> Any | None:
        path = self.path(kind, key)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, UnicodeDecodeError):
            path.unlink(missing_ok=True)  # a damaged entry is recomputed
            return None

    def store(self, kind: str, key: str, value: Any) -> None:
        atomic_write_text(self.path(kind, key), json.dumps(value, ensure_ascii=False))
