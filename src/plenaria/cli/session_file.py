"""The session file (YAML or JSON) given to ``--session``: read, parsed, then checked by
:func:`plenaria.session.session_from_mapping`, as the service checks what it stores."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from plenaria.domain import SessionInfo
from plenaria.errors import InputError
from plenaria.session import session_from_mapping


def load_session(path: Path) -> SessionInfo:
    """Read a session file; unknown keys and malformed values are an InputError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputError(
            f"No se encuentra el archivo de la sesión: {path}.", "Revise la ruta dada a --session."
        ) from e
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"No se puede leer el archivo de la sesión {path}: {e}.",
            "Guárdelo como YAML o JSON en UTF-8.",
        ) from e
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(
            f"El archivo de la sesión {path.name} no es YAML/JSON válido ({first}).",
            "Corrija la sintaxis; hay un ejemplo en samples/.",
        ) from e
    return session_from_mapping(data, source=path.name)
