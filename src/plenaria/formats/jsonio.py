"""The transcript as a JSON file: the canonical, versioned output every other one derives from."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from plenaria.cache import atomic_write_text
from plenaria.domain import SCHEMA_VERSION, Transcript
from plenaria.errors import InputError

log = logging.getLogger(__name__)


def transcript_to_json(t: Transcript) -> str:
    """UTF-8 JSON text (accents kept as they are), indented for a human reader."""
    return json.dumps(t.to_dict(), ensure_ascii=False, indent=2) + "\n"


def write_transcript(t: Transcript, path: Path) -> Path:
    """Write atomically (temporary file, then rename): a reader never sees half a file."""
    atomic_write_text(path, transcript_to_json(t))
    log.info("Wrote transcript %s", path)
    return path


def read_transcript(path: Path) -> Transcript:
    """Read a file written by :func:`write_transcript` (any minor version of the schema)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputError(
            f"Transcript file {path} does not exist.",
            "Check the path, or process the recording first.",
        ) from e
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"Transcript file {path} cannot be read ({e}).",
            "Give the .json file Plenaria wrote for a recording.",
        ) from e
    try:
        data: Any = json.loads(raw)
    except ValueError as e:
        raise InputError(
            f"{path} is not JSON ({e}).",
            "Give the .json transcript Plenaria wrote for a recording.",
        ) from e
    if not isinstance(data, dict) or "schema_version" not in data:
        raise InputError(
            f"{path} is JSON but not a Plenaria transcript (no schema_version).",
            "Give the .json transcript Plenaria wrote for a recording.",
        )
    version = str(data["schema_version"])
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise InputError(
            f"{path} has transcript schema {version!r}; this version of Plenaria reads "
            f"{SCHEMA_VERSION.split('.')[0]}.x.",
            "Reprocess the recording with this version of Plenaria, or use the version "
            "that wrote the file.",
        )
    try:
        return Transcript.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InputError(
            f"{path} is a damaged Plenaria transcript ({type(e).__name__}: {e}).",
            "Reprocess the recording to write it again.",
        ) from e
