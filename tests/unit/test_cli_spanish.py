"""The command line speaks Spanish: every command's help, and the lines a run prints.

Typer's own words too ("Usage:", the --help option's line, the errors of a wrong
command line); options, metavars, settings, paths and example commands are names, not words.
"""

from __future__ import annotations

import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from plenaria.cli.main import app
from plenaria.cli.service import ALL_QUEUES

ENGLISH = re.compile(
    r"\b(the|and|of|to|is|for|with|from|into|this|that|show|options?|commands?|arguments?|"
    r"default|required|speakers?|upload|job|outputs?|recording|session|file|folder|"
    r"give|check|use|run|not|cannot|invalid|unknown|missing|usage|such|try|help|got|"
    r"unexpected|extra|value|did|you|mean|requires|aborted)\b",
    re.I,
)
# Names: options, metavars, settings, paths, URLs, commands.
NAMES = re.compile(
    r"--?[\w-]+|<\w+>|\{\w+\}|\b[A-Z][A-Z0-9_]{2,}\b|"
    r"\S*[/:@]\S*|\b\w+\.\w+\b|plenaria [\w -]+"
)


def _commands() -> list[list[str]]:
    """Every command path: [], ["process"], ["admin", "create-user"], ..."""
    found: list[list[str]] = [[]]
    root = get_command(app)
    for name, command in getattr(root, "commands", {}).items():
        found.append([name])
        found += [[name, sub] for sub in getattr(command, "commands", {})]
    return found


def _names(path: list[str]) -> set[str]:
    """The command's parameter names ("recording") and the queues' names ("default")."""
    command = get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return {str(p.name) for p in command.params} | set(ALL_QUEUES.split(","))


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p) or "plenaria")
def test_every_help_screen_is_spanish(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    found = {m.group(0) for m in ENGLISH.finditer(NAMES.sub(" ", result.output))}
    words = sorted(found - _names(path))
    assert words == [], f"English in `plenaria {' '.join(path)} --help`: {words}"


def test_the_checker_sees_english() -> None:
    assert ENGLISH.search(NAMES.sub(" ", "Show the web video. --no-proxy")) is not None
    assert ENGLISH.search(NAMES.sub(" ", "Mostrar el vídeo. --no-proxy <bool>")) is None


def test_an_error_is_one_spanish_line() -> None:
    result = CliRunner().invoke(app, ["process", "/no/existe.mp4"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "Error: No se encuentra la grabación: /no/existe.mp4" in result.output
    assert ENGLISH.search(NAMES.sub(" ", result.output)) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["process", "--wrong"],  # No such option
        ["process"],  # Missing argument
        ["admin", "creat-user"],  # No such command. Did you mean
        ["serve", "--port", "abc"],  # Invalid value for '--port'
        ["serve", "--port"],  # Option requires an argument
        ["serve", "sobrante"],  # Got unexpected extra argument
    ],
    ids=" ".join,
)
def test_a_wrong_command_line_is_told_in_spanish(argv: list[str]) -> None:
    result = CliRunner().invoke(app, argv, env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "Error" in result.output and "Usage" not in result.output
    words = {m.group(0) for m in ENGLISH.finditer(NAMES.sub(" ", result.output))}
    assert sorted(words - _names(argv[:1])) == [], result.output


def test_typer_s_unknown_lines_are_kept() -> None:
    from plenaria.cli.spanish import spanish

    assert spanish("No such option: --x") == "No existe la opción --x."
    assert spanish("Invalid value for '-n': Value 'a' is not a valid int.") == (
        "Valor no válido para '-n': 'a' no es un número entero."
    )
    assert spanish("Algo que no conoce.") == "Algo que no conoce."
