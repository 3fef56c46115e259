"""No English word anywhere in an acta: the DOCX (body, headers, footers, properties) and
its PDF/A, in Spanish and Catalan, for a pleno with unnamed voices, votes and attendance.

The scan is checked too: an English label put into the labels or into a template is found.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from acta_demo import demo_transcript

from needs import tool
from plenaria.acts import template_source
from plenaria.acts.acta_labels import LABELS, ROF_LABELS
from plenaria.acts.certificate import approved_docx
from plenaria.acts.draft import render_draft_acta
from plenaria.acts.pdf import docx_to_pdfa

# Whole words, any case. "no", "normal", "total" are Spanish too, so they are not here;
# "mayor", "vote", "present" are Spanish or Catalan words that the scripted pleno never says.
ENGLISH = frozenset((
    "speaker", "speakers", "page", "of", "draft", "minutes", "vote", "votes", "voting",
    "present", "absent", "excused", "agenda", "item", "items", "the", "and", "for",
    "against", "approved", "rejected", "signed", "signature", "secretary", "mayor", "chair",
    "time", "date", "session", "meeting", "council", "recording", "duration", "unknown",
    "none", "null", "title", "untitled", "heading", "attendance", "result", "abstention",
    "abstentions", "quorum", "gap", "gaps", "start", "end", "intervention", "interventions",
    "summary", "verbatim",
))  # fmt: skip
XML_PARTS = re.compile(
    r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml|docProps/core\.xml"
)


def english_in(text: str) -> list[str]:
    return sorted({w for w in re.findall(r"[^\W\d_]+", text) if w.lower() in ENGLISH})


def docx_text(path: Path) -> str:
    """The text of every part a reader sees: body, headers, footers, notes, properties."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if XML_PARTS.fullmatch(n)]
        assert "word/document.xml" in names and any("footer" in n for n in names)
        xml = " ".join(z.read(n).decode() for n in names)
    return " ".join(re.findall(r">([^<>]+)<", xml))


def pdf_text(pdf: bytes, folder: Path) -> str:
    pdftotext = tool("pdftotext", "poppler-utils")
    (folder / "acta.pdf").write_bytes(pdf)
    out = subprocess.run(
        [pdftotext, str(folder / "acta.pdf"), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout


UNNAMED = {"es": "Interviniente 3", "ca": "Intervinent 3"}
SIGN = {"es": "Vº Bº La Alcaldesa", "ca": "Vist i plau L'Alcaldessa"}


@pytest.mark.parametrize("lang", ["es", "ca"])
def test_no_english_in_the_docx_and_the_pdfa(lang: str, tmp_path: Path) -> None:
    tool("soffice", "libreoffice-writer-nogui")
    t = demo_transcript()
    draft = render_draft_acta(t, tmp_path / "borrador.docx", lang=lang)
    text = docx_text(draft)
    assert UNNAMED[lang] in text and LABELS[lang]["title"] in text
    assert english_in(text) == [], f"English in the {lang} draft DOCX"
    approved = approved_docx(t, datetime(2026, 3, 12, 13, 0), lang=lang)
    (tmp_path / "acta.docx").write_bytes(approved)
    assert english_in(docx_text(tmp_path / "acta.docx")) == []
    pdf = pdf_text(docx_to_pdfa(approved), tmp_path)
    flat = " ".join(pdf.split())
    page = ROF_LABELS[lang]["page"]
    assert UNNAMED[lang] in flat and SIGN[lang] in flat
    assert re.search(rf"{page} 1 de \d", flat)  # the footer's page numbers
    assert english_in(flat) == [], f"English in the {lang} PDF/A"


def test_the_scan_finds_an_english_label_in_the_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ROF_LABELS["es"], "vote_result", "Result: {result}.")
    monkeypatch.setitem(LABELS["es"], "unnamed", "Speaker {n}")
    path = render_draft_acta(demo_transcript(), tmp_path / "acta.docx")
    assert english_in(docx_text(path)) == ["Result", "Speaker"]


def test_the_scan_finds_an_english_label_in_a_template_footer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ROF_LABELS["es"], "page", "Page")
    monkeypatch.setitem(ROF_LABELS["es"], "of", "of")
    template = tmp_path / "acta-es.docx"
    template_source.build_template("es").save(str(template))
    path = render_draft_acta(demo_transcript(), tmp_path / "acta.docx", template=template)
    assert english_in(docx_text(path)) == ["Page", "of"]
