"""The ``plenaria`` command: one Typer app, one module per command group.

Errors a user can fix print one line and exit with the error's code (2 for bad
input); nothing prints a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import typer
import typer.rich_utils as rich_help

from plenaria.cli import admin, live, process, service, submit, voices

# The help screens' own words in Spanish (Typer reads them when it prints).
rich_help.ARGUMENTS_PANEL_TITLE = "Argumentos"
rich_help.OPTIONS_PANEL_TITLE = "Opciones"
rich_help.COMMANDS_PANEL_TITLE = "Órdenes"
rich_help.ERRORS_PANEL_TITLE = "Error"
rich_help.DEFAULT_STRING = "[por defecto: {}]"
rich_help.ENVVAR_STRING = "[variable de entorno: {}]"
rich_help.REQUIRED_LONG_STRING = "[obligatorio]"
rich_help.DEPRECATED_STRING = "(obsoleto) "
rich_help.ABORTED_TEXT = "Cancelado."

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
live.register(app)
