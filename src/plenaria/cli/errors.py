"""How every command reports failure: one line a secretary can act on, never a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from plenaria.errors import PlenariaError

err = Console(stderr=True)


def setup_logging(verbose: bool) -> None:
    """The command's log on standard error: warnings, or everything from INFO with -v."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


RESUME_HINT = "Vuelva a lanzar la misma orden para seguir donde se paró."


@contextmanager
def reported_errors(debug: bool, interrupted_hint: str = RESUME_HINT) -> Iterator[None]:
    """Errors the user can fix exit with their code (2: bad input); bugs with 1."""
    try:
        yield
    except PlenariaError as e:
        hint = f" {escape(e.hint)}" if e.hint else ""
        err.print(f"[bold red]Error:[/] {escape(e.message)}{hint}")
        if debug:
            err.print_exception()
        raise typer.Exit(e.exit_code) from None
    except KeyboardInterrupt:
        err.print(f"[yellow]Interrumpido.[/] {interrupted_hint}")
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as e:  # a bug: say so in one line, keep the details for --debug
        err.print(
            f"[bold red]Error interno:[/] {escape(type(e).__name__)}: {escape(str(e))}. "
            "Es un fallo de Plenaria; vuelva a lanzarlo con --debug y comunique la salida."
        )
        if debug:
            err.print_exception()
        raise typer.Exit(1) from None
