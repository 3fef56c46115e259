"""``plenaria admin ...`` and ``plenaria db upgrade`` on a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import plenaria
from plenaria.cli import app
from plenaria.config import get_settings
from plenaria.db import accounts
from plenaria.db.engine import Database
from plenaria.db.models import Council

runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    values = {"PLENARIA_DATABASE_URL": db_url, "PLENARIA_DATA_DIR": str(tmp_path / "data")}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


def _run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=stdin)


def test_create_council_user_and_token(env: dict[str, str], db_url: str) -> None:
    r = _run("admin", "create-council", "villa-a", "--name", "Ayuntamiento de Villa A")
    assert r.exit_code == 0, r.output
    r = _run(
        "admin",
        "create-user",
        "Ana@Example.org",
        "--council",
        "villa-a",
        "--role",
        "secretary",
        "--password-stdin",
        stdin="una contraseña larga\n",
    )
    assert r.exit_code == 0, r.output
    # The token alone on stdout, from a real process (so a script can capture it).
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "plenaria",
            "admin",
            "create-token",
            "ana@example.org",
            "--name",
            "sede",
        ],
        env={**os.environ, **env, "PYTHONPATH": str(Path(plenaria.__file__).parents[1])},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    token = proc.stdout.strip()
    assert proc.stdout == token + "\n" and token.startswith("pln_")
    database = Database(db_url)
    try:
        with database.transaction() as s:
            user = accounts.verify_token(s, token)
            assert user is not None and user.role == "secretary"
            council = s.get(Council, user.council_id)
            assert council is not None and council.name == "Ayuntamiento de Villa A"
            assert accounts.authenticate(s, "ana@example.org", "una contraseña larga") is not None
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["admin", "create-council", "villa-a", "--name", "Again"],
            None,
            "Ya existe un ayuntamiento",
        ),
        (
            ["admin", "create-council", "Villa A!", "--name", "X"],
            None,
            "Identificador de ayuntamiento no válido",
        ),
        (
            [
                "admin",
                "create-user",
                "b@x.org",
                "--council",
                "nowhere",
                "--role",
                "clerk",
                "--password-stdin",
            ],
            "long password\n",
            "No existe el ayuntamiento",
        ),
        (
            [
                "admin",
                "create-user",
                "b@x.org",
                "--council",
                "villa-a",
                "--role",
                "mayor",
                "--password-stdin",
            ],
            "long password\n",
            "Función desconocida",
        ),
        (
            [
                "admin",
                "create-user",
                "b@x.org",
                "--council",
                "villa-a",
                "--role",
                "clerk",
                "--password-stdin",
            ],
            "\n",
            "La contraseña está vacía",
        ),
        (
            [
                "admin",
                "create-user",
                "b@x.org",
                "--council",
                "villa-a",
                "--role",
                "clerk",
                "--password-stdin",
            ],
            "once chars.\n",
            "La contraseña tiene menos de 12 caracteres",
        ),
        (
            ["admin", "create-user", "b@x.org", "--council", "villa-a", "--role", "clerk"],
            None,
            "--password-stdin",
        ),
        (
            ["admin", "create-token", "nobody@x.org", "--name", "x"],
            None,
            "No hay usuario con el correo",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    env: dict[str, str], args: list[str], stdin: str | None, message: str
) -> None:
    assert _run("admin", "create-council", "villa-a", "--name", "Villa A").exit_code == 0
    r = _run(*args, stdin=stdin)
    assert r.exit_code == 2, r.output
    assert message in r.stderr
    assert r.stderr.startswith("Error:") and "Traceback" not in r.output
    assert r.stdout == ""


def test_db_upgrade_creates_the_sqlite_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLENARIA_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("PLENARIA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        r = _run("db", "upgrade")
        assert r.exit_code == 0, r.output
        assert "Base de datos al día" in r.stderr
        assert (tmp_path / "fresh" / "plenaria.db").is_file()
        assert _run("db", "upgrade").exit_code == 0
        r = _run("admin", "create-council", "x", "--name", "X")
        assert r.exit_code == 0, r.output
    finally:
        get_settings.cache_clear()


def test_admin_commands_before_the_first_serve_apply_the_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLENARIA_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("PLENARIA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        r = _run("admin", "create-council", "villa-b", "--name", "Villa B")
        assert r.exit_code == 0, r.output
        r = _run(
            *("admin", "create-user", "b@villa-b.es", "--council", "villa-b"),
            *("--role", "admin", "--password-stdin"),
            stdin="una contraseña larga\n",
        )
        assert r.exit_code == 0, r.output
        database = Database(f"sqlite:///{tmp_path / 'fresh' / 'plenaria.db'}")
        try:
            with database.session() as s:
                assert [c.slug for c in s.query(Council)] == ["villa-b"]
        finally:
            database.dispose()
    finally:
        get_settings.cache_clear()
