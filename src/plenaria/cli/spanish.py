"""Typer's own words in Spanish: the help screens' titles, "Usage:", the --help option's
line, and the errors of a wrong command line ("No such option", "Missing argument"...).

Typer (0.29) prints them from its bundled copy of Click, most as English literals, so
:func:`install` sets its rich_utils texts and puts :func:`spanish` in front of what prints
them: the usage line's prefix, the help option's text and each exception's message.
A line the table does not know is printed as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

USAGE = "Uso: "
HELP = "Mostrar esta ayuda y salir."

# The words of Click's messages that name a type or a kind of parameter.
_WORDS = {
    "argument": "el argumento",
    "option": "la opción",
    "parameter": "el parámetro",
    "int": "un número entero",
    "integer": "un número entero",
    "float": "un número",
    "bool": "sí o no",
    "boolean": "sí o no",
    "Path": "una ruta",
    "path": "una ruta",
}

# (English line, Spanish template): \1... take the groups, translated by _WORDS when one is
# a word it knows. Most specific first.
_LINES: tuple[tuple[str, str], ...] = (
    (
        r"No such option: (.+?) \(Possible options: (.+)\)",
        r"No existe la opción \1 (¿quería decir \2?)",
    ),
    (r"No such option: (.+)", r"No existe la opción \1."),
    (
        r"No such command '(.+)'\. Did you mean (.+)\?",
        r"No existe la orden «\1». ¿Quería decir \2?",
    ),
    (r"No such command '(.+)'\.", r"No existe la orden «\1»."),
    (r"Missing command\.", "Falta la orden."),
    (r"Missing (argument|option|parameter) (.+?)\.(?: .*)?", r"Falta \1 \2."),
    (r"Missing (argument|option|parameter)\.(?: .*)?", r"Falta \1."),
    (r"Missing parameter: (.+)", r"Falta el parámetro \1."),
    (r"Invalid value for (.+?): (.+)", r"Valor no válido para \1: \2"),
    (r"Invalid value: (.+)", r"Valor no válido: \1"),
    (r"Value (.+) is not a valid (\w+)\.", r"\1 no es \2."),
    (r"Input should be a valid (\w+).*", r"tiene que ser \1."),
    (r"(.+) is not one of (.+)\.", r"\1 no es ninguno de estos valores: \2."),
    (r"(.+) is not in the range (.+)\.", r"\1 está fuera del intervalo \2."),
    (r"Got unexpected extra argument\(s\) \((.+)\)", r"Sobran argumentos: \1."),
    (r"Option '(.+)' does not take a value\.", r"La opción «\1» no lleva valor."),
    (r"Option '(.+)' requires .+", r"La opción «\1» necesita un valor."),
    (r"(.+?)\.? Did you mean (.+)\?", r"\1. ¿Quería decir \2?"),
    (r"Aborted!", "Cancelado."),
)
_COMPILED = tuple((re.compile(p, re.S), t) for p, t in _LINES)
_GROUP = re.compile(r"\\(\d)")


def spanish(text: str) -> str:
    """Typer's English line ``text`` in Spanish; as written when the table does not know it."""
    for pattern, template in _COMPILED:
        match = pattern.fullmatch(text.strip())
        if match:

            def group(m: re.Match[str], match: re.Match[str] = match) -> str:
                found = match.group(int(m.group(1))) or ""
                return _WORDS.get(found, spanish(found) if found != text else found)

            return _GROUP.sub(group, template)
    return text


def _translated(method: Callable[..., str]) -> Callable[..., str]:
    def format_message(self: Any) -> str:
        return spanish(method(self))

    return format_message


def install() -> None:
    """Make Typer print its own words in Spanish (idempotent)."""
    import typer.core
    import typer.rich_utils as rich
    from typer._click import exceptions
    from typer._click.core import Command
    from typer._click.formatting import HelpFormatter

    if getattr(HelpFormatter, "_plenaria_spanish", False):
        return
    rich.ARGUMENTS_PANEL_TITLE = "Argumentos"
    rich.OPTIONS_PANEL_TITLE = "Opciones"
    rich.COMMANDS_PANEL_TITLE = "Órdenes"
    rich.ERRORS_PANEL_TITLE = "Error"
    rich.DEFAULT_STRING = "[por defecto: {}]"
    rich.ENVVAR_STRING = "[variable de entorno: {}]"
    rich.REQUIRED_LONG_STRING = "[obligatorio]"
    rich.DEPRECATED_STRING = "(obsoleto) "
    rich.ABORTED_TEXT = "Cancelado."
    rich.RICH_HELP = "Pruebe [blue]'{command_path} {help_option}'[/] para ver la ayuda."
    rich.OptionHighlighter.highlights = [*rich.OptionHighlighter.highlights, r"(?P<usage>Uso: )"]

    gettext = {
        "Aborted!": "Cancelado.",
        "(dynamic)": "(dinámico)",
        "default: {default}": "por defecto: {default}",
        "required": "obligatorio",
        "env var: {var}": "variable de entorno: {var}",
        "Arguments": "Argumentos",
        "Options": "Opciones",
        "Commands": "Órdenes",
        "Missing command.": "Falta la orden.",
        "No such command {name!r}.": "No existe la orden {name!r}.",
    }
    typer.core._ = lambda message: gettext.get(message, message)  # type: ignore[attr-defined]

    write_usage = HelpFormatter.write_usage

    def usage(self: HelpFormatter, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, USAGE if prefix is None else prefix)

    HelpFormatter.write_usage = usage  # type: ignore[method-assign]
    get_help_option = Command.get_help_option

    def help_option(self: Command, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP
        return option

    Command.get_help_option = help_option  # type: ignore[method-assign]
    for cls in vars(exceptions).values():
        if isinstance(cls, type) and "format_message" in vars(cls):
            cls.format_message = _translated(vars(cls)["format_message"])  # type: ignore[attr-defined]
    HelpFormatter._plenaria_spanish = True  # type: ignore[attr-defined]
