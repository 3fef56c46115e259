"""The command line (``plenaria …``): the Typer app in :mod:`plenaria.cli.main`, a module per
command group, the shared errors and options, and what only the command line uses (the
service client, the sample generator).

``app`` is loaded on first use, so importing :mod:`plenaria.cli.client` or
:mod:`plenaria.cli.samples` does not build the whole command line.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from plenaria.cli.main import app

        return app
    raise AttributeError(f"module 'plenaria.cli' has no attribute {name!r}")
