"""Command-line options that several commands share, declared once (same names, same help)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from plenaria.errors import ConfigError, validation_message

Recording = Annotated[Path, typer.Argument(help="El archivo de vídeo o audio del pleno.")]
SessionFile = Annotated[
    Path | None,
    typer.Option(
        "--session",
        "-s",
        help="Datos de la sesión (YAML/JSON): ayuntamiento, fecha, orden del día...",
    ),
]
OutDir = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", help="Carpeta de salida (por defecto: out/<nombre de la grabación>)"
    ),
]
Language = Annotated[
    str | None,
    typer.Option(
        "--language",
        "-l",
        help="es, ca, gl, eu, en...; o los idiomas del ayuntamiento, p. ej. ca,es: cada turno "
        "se transcribe en el suyo (por defecto: los de PLENARIA_DETECT_LANGUAGES; sin ellos, "
        "se detecta en cada fragmento)",
    ),
]
Model = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", help="Modelo de Whisper: un nombre de la carpeta de modelos, o una ruta"
    ),
]
NoDiarization = Annotated[
    bool, typer.Option("--no-diarization", help="Un solo interviniente para todo.")
]
NoProxy = Annotated[bool, typer.Option("--no-proxy", help="Sin el vídeo para la web.")]
ActaLang = Annotated[str, typer.Option(help="Idioma del acta: es, ca, gl o eu.")]
ActaTemplate = Annotated[
    Path | None,
    typer.Option(
        "--acta-template",
        help="Plantilla DOCX propia del acta (docxtpl); por defecto, la de "
        "PLENARIA_ACTA_TEMPLATES o la de Plenaria.",
    ),
]
Verbatim = Annotated[
    bool,
    typer.Option(
        "--verbatim", help="Acta literal: las palabras de cada intervención, no su síntesis."
    ),
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v")]
Debug = Annotated[bool, typer.Option("--debug", help="Mostrar la traza de los errores.")]


def settings_languages(language: str | None, settings: Any) -> tuple[str, ...] | None:
    """The council's languages of the settings (PLENARIA_DETECT_LANGUAGES) when no
    --language is given and some are set; else None (the flag, or any language)."""
    if language is not None and language.strip():
        return None
    codes: tuple[str, ...] = settings.detect_language_codes
    return codes or None


def process_options(base: Any, **given: Any) -> Any:
    """Apply CLI flags onto the nested ProcessOptions (validated: bad values are an error)."""
    from pydantic import ValidationError

    updates: dict[str, dict[str, Any]] = {"transcription": {}, "diarization": {}, "chunking": {}}
    top: dict[str, Any] = {}
    for name, value in given.items():
        if value is None:
            continue
        if name == "language" and "," in str(value):  # the council's languages: ca,es
            codes = tuple(c.strip() for c in str(value).split(",") if c.strip())
            updates["transcription"]["detect_languages"] = codes
        elif name == "detect_languages":  # PLENARIA_DETECT_LANGUAGES, with no --language
            updates["transcription"]["detect_languages"] = tuple(value)
        elif name in ("language", "beam_size"):
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
            f"Opción no válida {where}: {validation_message(first)}.", "Revise el valor dado."
        ) from e
