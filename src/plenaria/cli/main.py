"""The ``plenaria`` command: one Typer app, one module per command group.

Errors a user can fix print one line and exit with the error's code (2 for bad
input); nothing prints a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import typer

from plenaria.cli import admin, export, live, process, service, spanish, submit, voices

spanish.install()  # Typer's own words (Usage:, --help, its errors) in Spanish

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Plenaria: de las grabaciones de los plenos a transcripciones y borradores de acta.",
    pretty_exceptions_enable=False,
)

process.register(app)
app.add_typer(voices.voices_app, name="voices", help="Perfiles de voz: registrar, listar, borrar.")
app.command(
    help="Subir una grabación a un servidor Plenaria, esperar su proceso y bajar los resultados."
)(submit.submit)
service.register(app)
admin.register(app)
export.register(app)
live.register(app)
