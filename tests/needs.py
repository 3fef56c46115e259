"""What a test needs from the machine (a tool, a service, an installed package).

Missing, the test is skipped on a developer's machine and fails in CI (``CI=true``):
``make system-deps`` and ``.ci/run`` install and start everything, so in CI a
missing piece is a broken set-up, never a reason to run fewer tests.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(reason: str) -> NoReturn:
    """Skip the test (or module) for ``reason``; in CI, fail it."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing tool or service fails the run)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def tool(name: str, package: str | None = None) -> str:
    """The path of the command ``name``, or :func:`missing`."""
    found = shutil.which(name)
    if found is None:
        missing(f"{name} is not installed (apt-get install {package or name}; make system-deps)")
    return found


def module(name: str, extra: str = "dev") -> ModuleType:
    """The module ``name``, or :func:`missing`."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"{name} is not installed (pip install -e '.[{extra}]'; make)")
