"""Plenaria: council plenary recordings into draft minutes (actas)."""

__version__ = "0.1.0"
