"""``python -m plenaria``: the command line."""

from plenaria.cli import app

app()
