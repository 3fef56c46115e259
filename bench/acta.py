"""The acta's fields in scripted plenos, end to end: right and wrong, pleno by pleno.

Renders the plenos of ``tests/integration/plenos_acta_scripts.py`` (five in Spanish, one
in Catalan), processes each as ``plenaria process REC --session S -l LANG
--no-diarization --no-proxy`` does (in this process, the bundled model loaded once),
compares its acta with the script's truth and prints a table: pleno × field (start, end,
number present, excused, absent, item starts within 10 s, vote counts, results, items
without a vote), right/total, % and invented votes. A second table reads the same
plenos from their script's words (no recogniser): the detectors' part alone.

    .venv/bin/python bench/acta.py                  # all plenos
    .venv/bin/python bench/acta.py ordinaria-marzo  # some, by name
    .venv/bin/python bench/acta.py --no-vocabulary  # without the session's vocabulary
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "integration"), str(ROOT / "tests")]

from plenos_acta import processor, run_all, table, target_figures  # noqa: E402
from plenos_acta_scripts import PLENOS  # noqa: E402

from models_folder import shared_models_dir  # noqa: E402  (the suite's models folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="plenos to run (default: all)")
    parser.add_argument("--no-vocabulary", action="store_true")
    parser.add_argument("--heard", action="store_true", help="print what was heard")
    args = parser.parse_args()
    plenos = [p for p in PLENOS if not args.names or p.name in args.names]
    if not plenos:
        sys.exit("Ninguno de esos plenos: " + ", ".join(p.name for p in PLENOS))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        run = processor(work / "cache", work / "data", shared_models_dir())
        heard, written = run_all(plenos, work, run, vocabulary=not args.no_vocabulary)
        elapsed = time.perf_counter() - started
    print("End to end (what the recogniser heard):\n")
    print(table(heard))
    right, invented = target_figures(heard)
    print(f"\nTarget plenos: {right:.1f} % of fields right, {invented} invented votes.")
    print("\nThe detectors on the scripts' words:\n")
    print(table(written))
    right, invented = target_figures(written)
    print(f"\nTarget plenos: {right:.1f} % of fields right, {invented} invented votes.")
    if args.heard:
        for s in heard:
            print(f"\n{s.pleno.name}: {s.heard}")
    print(f"\n{len(plenos)} plenos rendered and processed in {elapsed:.0f} s.")


if __name__ == "__main__":
    main()
