"""``make test``'s groups hold: the tests of a shared folder run in one process.

A copy of the suite's conftest over a small tree of tests, run as ``make test`` runs the
suite (``-n 2 --dist loadgroup``); each test writes down the process it ran in.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

RECORD = """
import json, os, time
from pathlib import Path

def test_{name}():
    time.sleep(0.3)
    with open(Path(__file__).parents[2] / "ran.jsonl", "a") as f:
        f.write(json.dumps(["{group}", os.environ["PYTEST_XDIST_WORKER"]]) + "\\n")
"""


def test_a_shared_folders_tests_run_in_one_process(tmp_path: Path) -> None:
    tree = tmp_path / "tests"
    for folder in ("workers", "live", "unit"):
        (tree / folder).mkdir(parents=True)
    shutil.copy(TESTS / "conftest.py", tree / "conftest.py")
    shutil.copy(TESTS / "needs.py", tree / "needs.py")
    files = {"workers": 4, "live": 3, "unit": 4}
    for folder, count in files.items():
        for k in range(count):
            group = folder if folder != "unit" else f"unit-{k}"
            path = tree / folder / f"test_{folder}_{k}.py"
            path.write_text(RECORD.format(name=f"{folder}_{k}", group=group), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"]
        + ["--dist", "loadgroup", "tests"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    ran = [json.loads(line) for line in (tmp_path / "ran.jsonl").read_text().splitlines()]
    assert len(ran) == sum(files.values())
    for group in ("workers", "live"):
        assert len({w for g, w in ran if g == group}) == 1, (group, ran)
    # Both processes worked: the groups were shared out, not all given to one.
    assert len({w for _, w in ran}) == 2, ran
