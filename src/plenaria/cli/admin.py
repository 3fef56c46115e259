"""``plenaria admin create-council | create-user | create-token`` and ``plenaria db upgrade``.

They use the same settings as ``serve`` and ``api`` (``PLENARIA_DATABASE_URL``,
or SQLite under ``PLENARIA_DATA_DIR``). Bad input prints one line and exits 2.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from plenaria.cli.errors import err, reported_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

admin_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Ayuntamientos, usuarios y tokens de API del servicio.",
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="La base de datos del servicio: aplicar migraciones.",
    pretty_exceptions_enable=False,
)

Debug = Annotated[bool, typer.Option("--debug", help="Mostrar la traza de un error.")]


@contextmanager
def _transaction() -> Iterator[Session]:
    """One transaction on the service's database, committed when the block ends without error.

    The migrations are applied first, as ``serve`` does, so that an admin command run
    before the first ``serve`` (or after an update) finds the tables it needs.
    """
    from plenaria.config import get_settings
    from plenaria.db.engine import Database
    from plenaria.db.migrate import upgrade

    settings = get_settings()
    upgrade(settings)
    database = Database.from_settings(settings)
    try:
        with database.transaction() as s:
            yield s
    finally:
        database.dispose()


@db_app.command(
    "upgrade", help="Crear o migrar la base de datos al esquema más nuevo (se puede repetir)."
)
def db_upgrade(debug: Debug = False) -> None:
    """Create or migrate the database to the newest schema (safe to run again)."""
    with reported_errors(debug, "Vuelva a lanzarlo; las migraciones son transaccionales."):
        from plenaria.config import get_settings
        from plenaria.db.migrate import upgrade

        shown = upgrade(get_settings())
        err.print(f"Base de datos al día: {shown}")


@admin_app.command("create-council", help="Crear un ayuntamiento.")
def create_council(
    slug: Annotated[str, typer.Argument(help="Identificador corto, p. ej. villanueva-del-rio.")],
    name: Annotated[str, typer.Option("--name", help="El nombre completo del ayuntamiento.")],
    debug: Debug = False,
) -> None:
    """Create a council (a tenant)."""
    with reported_errors(debug, "No se guardó nada."):
        from plenaria.db import accounts

        with _transaction() as s:
            council_id = accounts.create_council(s, slug, name).id
        typer.echo(council_id)
        err.print(f"Ayuntamiento {slug} creado.")


@admin_app.command(
    "create-user",
    help="Crear un usuario de un ayuntamiento; la contraseña se lee de la entrada estándar.",
)
def create_user(
    email: Annotated[str, typer.Argument(help="El correo del usuario (con el que entra).")],
    council: Annotated[str, typer.Option("--council", help="El identificador del ayuntamiento.")],
    role: Annotated[str, typer.Option("--role", help="admin, secretary o clerk.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Leer la contraseña de la entrada estándar.")
    ] = False,
    debug: Debug = False,
) -> None:
    """Create a user of a council; the password is read from standard input."""
    with reported_errors(debug, "No se guardó nada."):
        from plenaria.db import accounts
        from plenaria.errors import InputError

        if not password_stdin:
            raise InputError(
                "Dé --password-stdin y pase la contraseña por una tubería.",
                "p. ej. printf '%s' \"$PW\" | plenaria admin create-user ... --password-stdin",
            )
        accounts.check_role(role)
        password = sys.stdin.readline().rstrip("\r\n")
        accounts.check_password(password)
        with _transaction() as s:
            found = accounts.get_council_by_slug(s, council)
            user_id = accounts.create_user(s, found, email, password, role).id
        typer.echo(user_id)
        err.print(f"Usuario {accounts.normalize_email(email)} ({role}) creado en {council}.")


@admin_app.command(
    "create-token",
    help="Crear un token de API; se muestra una sola vez, solo, en la salida estándar.",
)
def create_token(
    email: Annotated[str, typer.Argument(help="El usuario en cuyo nombre actúa el token.")],
    name: Annotated[str, typer.Option("--name", help="Quién lo usa, p. ej. sede-electronica.")],
    debug: Debug = False,
) -> None:
    """Create an API token; it is printed alone on standard output, once."""
    with reported_errors(debug, "No se guardó nada."):
        from plenaria.db import accounts
        from plenaria.errors import NotFoundError

        with _transaction() as s:
            user = accounts.get_user_by_email(s, email)
            if user is None:
                raise NotFoundError(f"No hay usuario con el correo {email}.", "Créelo antes.")
            token, clear = accounts.create_token(s, user, name)
            accounts.audit(
                s,
                user.council_id,
                None,
                "token.create",
                "api_token",
                token.id,
                {"name": name, "via": "cli"},
            )
        typer.echo(clear)


def register(app: typer.Typer) -> None:
    app.add_typer(admin_app, name="admin", help="Ayuntamientos, usuarios y tokens de API.")
    app.add_typer(db_app, name="db", help="La base de datos del servicio.")
