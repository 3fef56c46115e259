"""Progress reporting: a plain callback ``progress(stage, done, total)``.

Stages call it; the CLI maps it to Rich progress bars, a worker to task state.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, stage: str, done: float, total: float) -> None: ...


def no_progress(stage: str, done: float, total: float) -> None:
    """The default callback: reports nothing."""
