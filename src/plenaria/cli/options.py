"""Command-line options that several commands share, declared once (same names, same help)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from plenaria.errors import ConfigError

Recording = Annotated[Path, typer.Argument(help="The plenary's video or audio file.")]
SessionFile = Annotated[
    Path | None,
    typer.Option("--session", "-s", help="Session data (YAML/JSON): council, date, agenda..."),
]
OutDir = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Output folder (default: out/<recording name>)"),
]
Language = Annotated[
    str | None,
    typer.Option("--language", "-l", help="es, ca, gl, eu, en... (default: detect per chunk)"),
]
Model = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Whisper model: a name under the models folder, or a path"),
]
NoDiarization = Annotated[bool, typer.Option("--no-diarization", help="One speaker for all.")]
NoProxy = Annotated[bool, typer.Option("--no-proxy", help="Skip the web video proxy.")]
ActaLang = Annotated[str, typer.Option(help="Language of the acta: es or ca.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]


def process_options(base: Any, **given: Any) -> Any:
    """Apply CLI flags onto the nested ProcessOptions (validated: bad values are an error)."""
    from pydantic import ValidationError

    updates: dict[str, dict[str, Any]] = {"transcription": {}, "diarization": {}, "chunking": {}}
    top: dict[str, Any] = {}
    for name, value in given.items():
        if value is None:
            continue
        if name in ("language", "beam_size"):
            updates["transcription"][name] = value
        elif name in ("min_speakers", "max_speakers"):
            updates["diarization"][name] = value
        elif name == "chunk_max_s":
            updates["chunking"][name] = value
        else:
            top[name] = value
    try:
        data = base.model_dump()
        for section, values in updates.items():
            data[section] = {**data[section], **values}
        return type(base).model_validate({**data, **top})
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"Invalid option {where}: {first['msg']}.", "Check the value given."
        ) from e
