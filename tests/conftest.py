"""Suite-wide: the ``needs`` marker, skipped locally and failed in CI (see needs.py).

``@pytest.mark.needs(condition, reason="...")`` on a test or a module: the test runs
only when ``condition`` is true.
"""

from __future__ import annotations

import pytest

from needs import missing


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "needs(condition, reason): a tool or service the test needs; missing, the test "
        "skips, and fails in CI (CI=true)",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):
        if not mark.args[0]:
            missing(mark.kwargs["reason"])
