"""The acta's PDF/A-2b in Spanish and Catalan, made from its DOCX by LibreOffice headless
(plenaria.acts.pdf): declared PDF/A-2B, the ROF 109 headings and page numbers in the text
read back with pdftotext, and no English word in it."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from acta_scripts import ROSTER, SESSION, build
from test_acta_find import PLENO

from needs import tool
from plenaria.acts.certificate import approved_docx
from plenaria.acts.pdf import docx_to_pdfa, pdfa_part
from plenaria.assembly.acta import with_acta

# Words the interface or a library could leak into a document; none is Spanish or Catalan.
ENGLISH = (
    "speaker", "unknown", "page", "minutes", "agenda item", "votes", "against", "abstain",
    "approved", "present", "absent", "quorum reached", "start", "end", "draft", "signature",
    "secretary", "mayor", "none", "untitled", "item", "chair",
)  # fmt: skip
HEADINGS = {
    "es": ("Orden del día", "Constitución de la sesión", "Desarrollo de la sesión",
           "Hora en que se levanta la sesión", "Miembros ausentes sin excusa", "Vº Bº",
           "Página 1 de 2", "Interviniente 3"),
    "ca": ("Ordre del dia", "Constitució de la sessió", "Desenvolupament de la sessió",
           "Hora en què s'aixeca la sessió", "Membres absents sense excusa", "Vist i plau",
           "Pàgina 1 de 2", "Intervinent 3"),
}  # fmt: skip


@pytest.mark.parametrize("lang", ("es", "ca"))
def test_the_pdfa_holds_rof_109_in_the_language_and_no_english(lang: str, tmp_path: Path) -> None:
    tool("soffice", "libreoffice-writer-nogui")
    pdftotext = tool("pdftotext", "poppler-utils")
    t = with_acta(build(PLENO, session=replace(SESSION, members=ROSTER.members, legal_members=5)))
    pdf = docx_to_pdfa(approved_docx(t, datetime(2026, 3, 12, 13, 0), lang=lang))
    assert pdf.startswith(b"%PDF") and pdfa_part(pdf) == "2B"
    (tmp_path / "acta.pdf").write_bytes(pdf)
    text = subprocess.run(
        [pdftotext, "-layout", str(tmp_path / "acta.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    flat = " ".join(text.split())
    assert flat.startswith("Acta ")  # approved: no longer "Borrador de acta"
    assert "Borrador" not in flat and "Esborrany" not in flat
    for heading in HEADINGS[lang]:
        assert heading in flat, heading
    found = [w for w in ENGLISH if re.search(rf"\b{w}\b", flat, re.IGNORECASE)]
    assert found == [], found
