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
            f"Session file not found: {path}.", "Check the path given to --session."
        ) from e
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"Cannot read the session file {path}: {e}.", "Save it as UTF-8 YAML or JSON."
        ) from e
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(
            f"The session file {path.name} is not valid YAML/JSON ({first}).",
            "Fix the syntax; see samples/ for an example.",
        ) from e
    return session_from_mapping(data, source=path.name)


def session_from_mapping(data: Any, source: str = "session") -> SessionInfo:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping of fields.", f"Known fields: {_known()}.")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise InputError(
            f"{source}: unknown field(s) {', '.join(unknown)}.", f"Known fields: {_known()}."
        )
    agenda_raw = data.get("agenda") or []
    if not isinstance(agenda_raw, list):
        raise InputError(f"{source}: 'agenda' must be a list of items.", "One title per line.")
    agenda: list[AgendaItem] = []
    for n, item in enumerate(agenda_raw, start=1):
        if isinstance(item, dict):
            agenda.append(AgendaItem(int(item.get("number", n)), str(item.get("title", ""))))
        else:
            agenda.append(AgendaItem(n, str(item)))
    vocabulary = data.get("vocabulary") or []
    if not isinstance(vocabulary, list):
        raise InputError(f"{source}: 'vocabulary' must be a list of words.", "One per line.")
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
