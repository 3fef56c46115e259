"""Where steps keep what they make: one interface, a local folder behind it today.

Keys are relative POSIX paths (``recordings/<sha>/audio.wav``). A step reads and
writes only through a :class:`Storage`, never through a path another step chose,
so the same step runs in-process or on a worker of another machine that mounts
the same volume; an S3-compatible store can implement the same Protocol.

Writes are atomic: a killed step leaves the old value or none, never half a file,
so "present" always means "done".

A key of the form ``ext:/absolute/path`` names a file outside the store that is
read in place (``plenaria process`` on a file the user gave); it is only
meaningful on the machine that has that file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Protocol

EXTERNAL = "ext:"


class StorageKeyError(ValueError):
    """A key that is absolute, climbs out of the store, or is empty."""


class Storage(Protocol):
    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def read_json(self, key: str) -> Any | None:
        """The value stored under ``key``, or None when absent (or damaged: recomputed)."""
        ...

    def write_json(self, key: str, value: Any) -> None: ...

    def local_path(self, key: str) -> Path:
        """A local file holding the object, for ffmpeg and the models (read only)."""
        ...

    def writing(self, key: str, suffix: str = "") -> Any:
        """Context manager: a temporary local path to write; published under ``key`` on exit."""
        ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, prefix: str) -> None:
        """Delete ``prefix`` and everything under it (no error when absent)."""
        ...


def external_key(path: Path) -> str:
    return EXTERNAL + str(path.resolve())


class LocalStorage:
    """A folder: key ``a/b.json`` is ``root/a/b.json``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if key.startswith(EXTERNAL):
            return Path(key[len(EXTERNAL) :])
        pure = PurePosixPath(key)
        if not key or pure.is_absolute() or ".." in pure.parts:
            raise StorageKeyError(f"Invalid storage key {key!r}")
        return self.root.joinpath(*pure.parts)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def read_json(self, key: str) -> Any | None:
        path = self._path(key)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, UnicodeDecodeError):
            path.unlink(missing_ok=True)  # a damaged entry is recomputed
            return None

    def write_json(self, key: str, value: Any) -> None:
        with self.writing(key) as tmp:
            tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")

    def local_path(self, key: str) -> Path:
        return self._path(key)

    @contextmanager
    def writing(self, key: str, suffix: str = "") -> Iterator[Path]:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=suffix or target.suffix
        )
        os.close(fd)
        tmp = Path(name)
        try:
            yield tmp
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, prefix: str) -> None:
        path = self._path(prefix)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def copy_out(self, key: str, dest: Path) -> Path:
        """Put the object at ``dest`` (a hard link when possible: no copy of a big proxy)."""
        src = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
        return dest


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def clean_cache(root: Path, max_bytes: int) -> tuple[int, int]:
    """Delete the least recently used recordings' work under ``root`` until it fits.

    Returns (folders removed, bytes freed). A recording's folder is used when any
    file in it is written; the newest are kept.
    """
    base = root / "recordings"
    if not base.is_dir():
        return 0, 0
    entries = []
    for d in base.iterdir():
        if d.is_dir():
            files = [f for f in d.rglob("*") if f.is_file()]
            used = max((f.stat().st_mtime for f in files), default=d.stat().st_mtime)
            entries.append((used, d, sum(f.stat().st_size for f in files)))
    total = sum(e[2] for e in entries)
    removed = freed = 0
    for _, d, size in sorted(entries):
        if total <= max_bytes:
            break
        shutil.rmtree(d, ignore_errors=True)
        total -= size
        freed += size
        removed += 1
    return removed, freed
