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
            f"No existe el archivo de transcripción {path}.",
            "Revise la ruta, o procese antes la grabación.",
        ) from e
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"No se puede leer el archivo de transcripción {path} ({e}).",
            "Dé el .json que Plenaria escribió para una grabación.",
        ) from e
    try:
        data: Any = json.loads(raw)
    except ValueError as e:
        raise InputError(
            f"{path} no es JSON ({e}).",
            "Dé el .json de la transcripción que Plenaria escribió para una grabación.",
        ) from e
    if not isinstance(data, dict) or "schema_version" not in data:
        raise InputError(
            f"{path} es JSON, pero no una transcripción de Plenaria (no tiene schema_version).",
            "Dé el .json de la transcripción que Plenaria escribió para una grabación.",
        )
    version = str(data["schema_version"])
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise InputError(
            f"{path} tiene el esquema de transcripción {version!r}; esta versión de Plenaria "
            f"lee el {SCHEMA_VERSION.split('.')[0]}.x.",
            "Vuelva a procesar la grabación con esta versión de Plenaria, o use la versión "
            "que escribió el archivo.",
        )
    try:
        return Transcript.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InputError(
            f"{path} es una transcripción de Plenaria dañada ({type(e).__name__}: {e}).",
            "Vuelva a procesar la grabación para escribirla de nuevo.",
        ) from e
