"""The editor's pure ES modules (the word-level merge), tested by Node's own runner.

``node --test tests/js/`` runs them; this test runs that command so the suite does.
Without Node the test is skipped on a developer's machine and fails in CI.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from needs import tool

ROOT = Path(__file__).resolve().parents[2]


def test_editor_modules_pass_their_node_tests() -> None:
    node = tool("node", "nodejs")
    tests = sorted((ROOT / "tests" / "js").glob("*.test.mjs"))
    assert tests, "no JavaScript tests under tests/js"
    run = subprocess.run(
        [node, "--test", *map(str, tests)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# pass 0\n" not in run.stdout and "# fail 0" in run.stdout
