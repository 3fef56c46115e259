"""The session file (YAML or JSON): the council's data for the acta heading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from plenaria.domain import AgendaItem, SessionInfo
from plenaria.errors import InputError

_FIELDS = {
    "id",
    "council",
    "date",
    "session_type",
    "place",
    "start_time",
    "president",
    "secretary",
    "agenda",
    "vocabulary",
}


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


def session_from_mapping(data: Any, source: str = "session") -> SessionInfo:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: se esperaba un conjunto de campos.", f"Campos conocidos: {_known()}."
        )
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise InputError(
            f"{source}: campo(s) desconocido(s) {', '.join(unknown)}.",
            f"Campos conocidos: {_known()}.",
        )
    agenda_raw = data.get("agenda") or []
    if not isinstance(agenda_raw, list):
        raise InputError(
            f"{source}: 'agenda' tiene que ser una lista de puntos.", "Un título por línea."
        )
    agenda: list[AgendaItem] = []
    for n, item in enumerate(agenda_raw, start=1):
        if isinstance(item, dict):
            agenda.append(AgendaItem(int(item.get("number", n)), str(item.get("title", ""))))
        else:
            agenda.append(AgendaItem(n, str(item)))
    vocabulary = data.get("vocabulary") or []
    if not isinstance(vocabulary, list):
        raise InputError(
            f"{source}: 'vocabulary' tiene que ser una lista de palabras.", "Una por línea."
        )
    plain = {
        k: str(v) for k, v in data.items() if k not in ("agenda", "vocabulary") and v is not None
    }
    return SessionInfo.from_dict(
        {
            **plain,
            "agenda": [a.to_dict() for a in agenda],
            "vocabulary": [str(v) for v in vocabulary],
        }
    )


def _known() -> str:
    return ", ".join(sorted(_FIELDS))
