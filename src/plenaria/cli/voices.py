"""``plenaria voices enroll | list | remove``: the voice profiles that name speakers.

Profiles live under ``<data_dir>/voices`` (``PLENARIA_DATA_DIR``). Errors a
user can fix print one line and exit with the error's code (2 for bad input),
through :func:`plenaria.cli.errors.reported_errors`.
"""

from __future__ import annotations

import logging
import sys
from contextlib import AbstractContextManager
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from plenaria.cli.errors import reported_errors

voices_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Perfiles de voz que ponen nombre a los intervinientes: registrar, listar, borrar.",
    pretty_exceptions_enable=False,
)

out = Console()

ROLES = "alcalde, concejal, secretario, interventor, público..."


def _errors(debug: bool) -> AbstractContextManager[None]:
    return reported_errors(debug, "No se guardó nada; vuelva a lanzar la orden.")


@voices_app.command(
    help="Aprender la voz de una persona de una o más grabaciones (se suma a su perfil)."
)
def enroll(
    name: Annotated[
        str, typer.Argument(help="El nombre completo de la persona, como va en el acta.")
    ],
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Audio o vídeo de esta persona sola: ARCHIVO o ARCHIVO:INICIO-FIN "
            "(segundos, mm:ss o hh:mm:ss), p. ej. pleno.mp4:1:05-2:30.",
            show_default=False,
        ),
    ],
    role: Annotated[str | None, typer.Option(help=f"Cargo: {ROLES}")] = None,
    group: Annotated[str | None, typer.Option(help="Grupo político o partido.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Mostrar la traza de los errores.")
    ] = False,
) -> None:
    """Learn a person's voice from one or more recordings (adds to an existing profile)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr)
    with _errors(debug):
        from plenaria.config import get_settings
        from plenaria.voices import VoiceStore, enroll_from_audio, parse_source

        parsed = [parse_source(s) for s in sources]  # bad specs fail before the model loads
        for path, _ in parsed:
            if not path.is_file():
                from plenaria.errors import InputError

                raise InputError(
                    f"No se encuentra el audio de registro: {path}.", "Revise la ruta."
                )
        from plenaria.diarization.embedded import EmbeddedDiarizer
        from plenaria.diarization.loader import pick_device

        settings = get_settings()
        store = VoiceStore.default()
        before = store.get(name)
        embedder = EmbeddedDiarizer.load(settings.models_path, device=pick_device(settings.device))
        profile = enroll_from_audio(embedder, store, name, parsed, role=role, group=group)
        verb = "Actualizado" if before is not None else "Registrado"
        out.print(
            f"{verb} {escape(profile.name)}: {profile.seconds:.1f} s de voz de "
            f"{profile.samples} muestra(s), guardado en {escape(str(store.path(profile.id)))}"
        )


@voices_app.command("list", help="Mostrar las voces registradas.")
def list_(debug: Annotated[bool, typer.Option("--debug")] = False) -> None:
    """Show the enrolled voices."""
    with _errors(debug):
        from plenaria.voices import VoiceStore

        store = VoiceStore.default()
        profiles = store.list()
        if not profiles:
            out.print(f"No hay perfiles de voz en {escape(str(store.root))}.")
            return
        table = Table(title=f"Perfiles de voz ({escape(str(store.root))})")
        for column in ("nombre", "cargo", "grupo", "segundos", "muestras", "actualizado", "modelo"):
            table.add_column(
                column, justify="right" if column in ("segundos", "muestras") else "left"
            )
        for p in profiles:
            table.add_row(
                escape(p.name),
                escape(p.role or "-"),
                escape(p.group or "-"),
                f"{p.seconds:.1f}",
                str(p.samples),
                p.updated,
                escape(p.model_id or "antiguo (vuelva a registrarlo)"),
            )
        out.print(table)


@voices_app.command(help="Borrar el perfil de voz de una persona (todas las huellas de su voz).")
def remove(
    name: Annotated[str, typer.Argument(help="El nombre de la persona o el id del perfil.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="No pedir confirmación.")] = False,
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """Delete a person's voice profile (every embedding of their voice)."""
    with _errors(debug):
        from plenaria.errors import InputError
        from plenaria.voices import VoiceStore

        store = VoiceStore.default()
        try:
            profile = store.get(name)
        except InputError:  # a damaged file: still removable by its id
            profile = None
        what = (
            f"{profile.name} ({profile.samples} muestra(s), {profile.seconds:.1f} s de voz)"
            if profile is not None
            else name
        )
        if not yes and not typer.confirm(f"¿Borrar el perfil de voz de {what}?"):
            out.print("No se ha borrado nada.")
            raise typer.Exit(1)
        if not store.remove(profile.id if profile is not None else name):
            raise InputError(
                f"No hay ningún perfil de voz llamado {name!r} en {store.root}.",
                "Vea los nombres con: plenaria voices list",
            )
        out.print(f"Borrado el perfil de voz de {escape(what)}.")
