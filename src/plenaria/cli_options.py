"""Command-line options that several commands share, declared once (same names, same help)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
