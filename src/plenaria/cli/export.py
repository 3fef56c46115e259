"""``plenaria export-site DIR [--council SLUG]``: the citizens' portal as a static site.

Uses the service's settings (``PLENARIA_DATABASE_URL`` or SQLite under
``PLENARIA_DATA_DIR``, ``PLENARIA_STORAGE_DIR``) and writes what the live portal
shows: see :mod:`plenaria.api.public_export`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plenaria.cli.errors import err, reported_errors

Debug = Annotated[bool, typer.Option("--debug", help="Mostrar la traza de un error.")]


def export_site(
    folder: Annotated[Path, typer.Argument(help="Carpeta del sitio (nueva o vacía).")],
    council: Annotated[
        str | None, typer.Option("--council", help="Solo este ayuntamiento (su identificador).")
    ] = None,
    base_path: Annotated[
        str,
        typer.Option("--base-path", help="Ruta bajo la que se publicará el sitio, p. ej. /plenos."),
    ] = "",
    url: Annotated[
        str,
        typer.Option(
            "--url",
            help="Dirección del sitio para el canal Atom y el mapa del sitio, "
            "p. ej. https://sede.ejemplo.es (por defecto, PLENARIA_PUBLIC_BASE_URL).",
        ),
    ] = "",
    debug: Debug = False,
) -> None:
    """Escribir las sesiones publicadas como un sitio estático, con su buscador."""
    from plenaria.api import public_export
    from plenaria.config import get_settings
    from plenaria.db.engine import Database
    from plenaria.db.migrate import upgrade
    from plenaria.errors import InputError

    with reported_errors(debug):
        if base_path and (not base_path.startswith("/") or "//" in base_path):
            raise InputError(
                f"--base-path {base_path!r} no es una ruta.", "Escríbala como /plenos."
            )
        public_export.check_target(folder)
        settings = get_settings()
        upgrade(settings)
        database = Database.from_settings(settings)
        try:
            done = public_export.export_site(
                database,
                settings.storage_path,
                folder,
                council,
                base_path=base_path,
                base_url=url or settings.public_base_url,
                piece_words=settings.portal_piece_words,
            )
        finally:
            database.dispose()
        for slug, count in done.councils.items():
            err.print(f"{slug}: {count} sesiones publicadas")
        typer.echo(
            f"Sitio escrito en {folder}: {sum(done.councils.values())} sesiones, "
            f"{done.videos} vídeos, {done.records} fragmentos en el buscador."
        )


def register(app: typer.Typer) -> None:
    app.command(
        "export-site",
        help="Escribir el portal ciudadano como un sitio estático (páginas, vídeos, buscador).",
    )(export_site)
