"""Suite-wide: the ``needs`` marker, skipped locally and failed in CI (see needs.py), and
the groups that let ``make test`` run the suite on two processes (pytest-xdist).

``@pytest.mark.needs(condition, reason="...")`` on a test or a module: the test runs
only when ``condition`` is true.
"""

from __future__ import annotations

from typing import Any

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


def group_of(nodeid: str) -> str:
    """The group of a test: its folder under tests/ for the shared ones, else its file."""
    parts = nodeid.split("::", 1)[0].split("/")
    if len(parts) > 2 and parts[0] == "tests" and parts[1] in SHARED_GROUPS:
        return parts[1]
    return "/".join(parts)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        group = group_of(item.nodeid)
        return SHARED_GROUPS.index(group) if group in SHARED_GROUPS else len(SHARED_GROUPS)

    items.sort(key=rank)  # stable: within a group, the files' own order


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``make test`` (``-n 2 --dist loadgroup``): each group goes whole to one process.

    Not pytest-xdist's own loadgroup: it marks a group by adding it to the test's nodeid,
    which pytest 9 no longer lets a plugin change, so each test went to either process and
    two tests sharing a Redis database ran at once (a CI run failed on that). Its
    scope-by-scope scheduler with our groups as the scopes does the same job.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return GroupScheduling(config, log)
