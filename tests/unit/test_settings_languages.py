"""PLENARIA_DETECT_LANGUAGES: the council's languages for `plenaria process` and `plenaria
live` when no --language is given (a comma list, checked, each code once)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

import plenaria
from plenaria.cli.options import process_options, settings_languages
from plenaria.config import Settings, get_settings
from plenaria.errors import ConfigError
from plenaria.graph.options import ProcessOptions


def test_the_setting_is_a_checked_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).detect_language_codes == ()  # type: ignore[call-arg]
    monkeypatch.setenv("PLENARIA_DETECT_LANGUAGES", " CA, es,,ca ")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.detect_languages == "ca,es"
    assert settings.detect_language_codes == ("ca", "es")
    monkeypatch.setenv("PLENARIA_DETECT_LANGUAGES", "ca,català")
    with pytest.raises(ValidationError, match="'català' no es un código de idioma"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError) as refused:
            get_settings()
    finally:
        get_settings.cache_clear()
    assert str(refused.value).startswith(
        "Ajuste no válido PLENARIA_DETECT_LANGUAGES: 'català' no es un código de idioma"
    )


def test_the_commands_take_them_when_no_language_is_given() -> None:
    settings = Settings(_env_file=None, detect_languages="ca,es")  # type: ignore[call-arg]
    given = settings_languages(None, settings)
    assert given == ("ca", "es")
    taken = process_options(ProcessOptions(), language=None, detect_languages=given).transcription
    assert (taken.language, taken.detect_languages) == (None, ("ca", "es"))
    assert taken.language_per_window
    # --language wins, one code or several; no setting: any language, as before.
    for flag in ("es", "gl,eu"):
        assert settings_languages(flag, settings) is None
    forced = process_options(
        ProcessOptions(), language="es", detect_languages=settings_languages("es", settings)
    ).transcription
    assert (forced.language, forced.detect_languages) == ("es", ())
    unset = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings_languages(None, unset) is None
    assert process_options(ProcessOptions(), detect_languages=None).transcription == (
        ProcessOptions().transcription
    )


# The package this test imports, found again by the command (which runs elsewhere).
SOURCES = str(Path(plenaria.__file__).resolve().parents[1])


def test_a_bad_setting_is_one_spanish_line_from_the_command(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "plenaria", "process", str(tmp_path / "none.mp4")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": SOURCES,  # the sources under test
            "PLENARIA_CACHE_DIR": str(tmp_path / "cache"),
            "PLENARIA_DETECT_LANGUAGES": "ca,castellano",
            "COLUMNS": "200",
        },
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Error interno" not in proc.stderr
    assert "PLENARIA_DETECT_LANGUAGES: 'castellano' no es un código de idioma" in proc.stderr
