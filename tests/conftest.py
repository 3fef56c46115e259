"""Suite-wide: the ``needs`` marker, skipped locally and failed in CI (see needs.py), and
the groups that let ``make test`` run the suite on two processes (pytest-xdist).

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


# Folders whose tests share a server, a Redis database or a session fixture run as one group,
# in one process; elsewhere each file is a group. The long real-time groups start first, so
# the other process does the rest of the suite while they wait on their streams.
SHARED_GROUPS = ("live", "workers", "browser", "api", "db")


def _group(item: pytest.Item) -> str:
    parts = item.path.relative_to(item.config.rootpath).parts
    if len(parts) > 2 and parts[0] == "tests" and parts[1] in SHARED_GROUPS:
        return parts[1]
    return "/".join(parts)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        group = _group(item)
        return SHARED_GROUPS.index(group) if group in SHARED_GROUPS else len(SHARED_GROUPS)

    items.sort(key=rank)  # stable: within a group, the files' own order
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(item)))
