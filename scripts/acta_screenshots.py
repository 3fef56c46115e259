"""The acta's pages as pictures: docs/screenshots/acta-<lang>-<n>.png, es and ca.

The scripted pleno of tests/unit/acta_demo.py (the one the no-English test
scans) as the approved acta's DOCX, then its PDF/A-2b (LibreOffice headless),
then each page at 60 dpi (pdftoppm). Run from the repository root:

    .venv/bin/python scripts/acta_screenshots.py [--out docs/screenshots] [--keep DIR]

``--keep DIR`` also leaves the DOCX and PDF files there.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from acta_demo import demo_transcript  # noqa: E402

from plenaria.acts.certificate import approved_docx  # noqa: E402
from plenaria.acts.pdf import docx_to_pdfa  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t = demo_transcript()
    with tempfile.TemporaryDirectory(prefix="plenaria-shots-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for lang in ("es", "ca"):
            docx = approved_docx(t, datetime(2026, 3, 12, 13, 0), lang=lang)
            (work / f"acta-{lang}.docx").write_bytes(docx)
            pdf = work / f"acta-{lang}.pdf"
            pdf.write_bytes(docx_to_pdfa(docx))
            for old in args.out.glob(f"acta-{lang}-*.png"):
                old.unlink()
            prefix = args.out / f"acta-{lang}"
            subprocess.run(
                ["pdftoppm", "-r", str(args.dpi), "-png", str(pdf), str(prefix)], check=True
            )
            # pdftoppm numbers pages 1, 2... (or 01, 02 past nine pages): acta-es-1.png
            for page in sorted(args.out.glob(f"acta-{lang}-*.png")):
                number = int(page.stem.rsplit("-", 1)[1])
                page.rename(args.out / f"acta-{lang}-{number}.png")
                print(args.out / f"acta-{lang}-{number}.png")


if __name__ == "__main__":
    main()
