"""Plenaria's own acta templates (``templates/acta-<lang>.docx``), written with python-docx.

Run ``python -m plenaria.acts.template_source`` (or ``make acta-templates``)
to write them again after changing a label in :mod:`plenaria.acts.acta_labels`.
Each is an ordinary DOCX with docxtpl's Jinja fields (:data:`acta_template.FIELDS`):
the layout and the labels live here; the values and the body come at render time.
A paragraph tag (``{%p ... %}``) must stand alone in its paragraph.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from plenaria.acts.acta_labels import LABELS, ROF_LABELS
from plenaria.acts.acta_sections import add_page_numbers
from plenaria.acts.acta_template import TEMPLATES_DIR

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph

LANGS = ("es", "ca", "gl", "eu")
_WARN_COLOR = "C00000"


def _tag(document: DocxDocument, tag: str) -> None:
    document.add_paragraph("{%p " + tag + " %}")


def _row(document: DocxDocument, label: str, field: str, *, optional: bool = True) -> None:
    if optional:
        _tag(document, f"if {field}")
    _labelled(document.add_paragraph(), label, "{{ " + field + " }}")
    if optional:
        _tag(document, "endif")


def _labelled(paragraph: Paragraph, label: str, value: str) -> None:
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


def _keep_together(table: Table) -> None:
    """The signature block on one page: no row split, each row kept with the next."""
    from docx.oxml import OxmlElement

    for n, row in enumerate(table.rows):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if n < len(table.rows) - 1:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def build_template(lang: str) -> DocxDocument:
    """The default template for ``lang`` as a python-docx Document."""
    import docx
    from docx.shared import RGBColor

    labels = LABELS[lang] | ROF_LABELS[lang]
    document = docx.Document()
    props = document.core_properties
    props.title = labels["title"]
    props.author = props.last_modified_by = "Plenaria"
    props.language = labels["language_tag"]
    props.comments = ""

    document.add_heading("{{ title }}", level=0)
    document.add_paragraph("{{p pending }}")
    _row(document, labels["council"], "council", optional=False)
    _row(document, labels["session_type"], "session_type", optional=False)
    _row(document, labels["date"], "date")
    _row(document, labels["place"], "place")
    _tag(document, "if note")
    document.add_paragraph().add_run("{{ note }}").italic = True
    _tag(document, "endif")

    _tag(document, "if agenda")
    document.add_heading(labels["agenda"], level=1)
    _tag(document, "for item in agenda")
    document.add_paragraph("{{ item.number }}. {{ item.title }}")
    _tag(document, "endfor")
    _tag(document, "endif")

    document.add_heading(labels["constitution"], level=1)
    document.add_paragraph(labels["times"].format(start="{{ start_time }}", end="{{ end_time }}"))
    _labelled(document.add_paragraph(), labels["presides"], "{{ president }}")
    _labelled(document.add_paragraph(), labels["attends_secretary"], "{{ secretary }}")
    _row(document, labels["attends_interventor"], "interventor")
    for key in ("present", "excused", "absent"):
        _labelled(document.add_paragraph(), labels[key], "{{ " + key + " }}")
    _tag(document, "if quorum_warning")
    run = document.add_paragraph().add_run("{{ quorum }}")
    run.bold = True
    run.font.color.rgb = RGBColor.from_string(_WARN_COLOR)
    _tag(document, "else")
    document.add_paragraph("{{ quorum }}")
    _tag(document, "endif")

    document.add_heading(labels["proceedings"], level=1)
    document.add_paragraph("{{p body }}")

    closing = document.add_paragraph(labels["closing"].format(end="{{ end_time }}"))
    closing.paragraph_format.keep_with_next = True
    table = document.add_table(rows=3, cols=2)
    for col, who in enumerate(("sign_secretary", "sign_president")):
        table.cell(0, col).paragraphs[0].add_run("{{ " + who + "_title }}").bold = True
        table.cell(1, col).paragraphs[0].add_run("\n\n")
        table.cell(2, col).paragraphs[0].add_run("{{ " + who + " }}")
    _keep_together(table)

    paragraph = document.add_paragraph()
    paragraph.add_run(f"{labels['recording']}: ").bold = True
    paragraph.add_run("{{ recording }}")
    paragraph.add_run().add_break()
    paragraph.add_run(f"{labels['duration']}: ").bold = True
    paragraph.add_run("{{ duration }}")
    paragraph.add_run().add_break()
    paragraph.add_run(f"{labels['sha256']}: ").bold = True
    # The gaps' line, break included, only when there were gaps.
    paragraph.add_run("{{ sha256 }}{% if gaps %}")
    paragraph.add_run().add_break()
    paragraph.add_run(f"{labels['gaps']}: ").bold = True
    paragraph.add_run("{{ gaps }}{% endif %}")
    add_page_numbers(document, labels)
    return document


def write_templates(folder: Path = TEMPLATES_DIR) -> list[Path]:
    """Write ``acta-<lang>.docx`` for every language into ``folder``."""
    from datetime import datetime

    from plenaria.acts.certificate import save_stable

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in LANGS:
        dest = folder / f"acta-{lang}.docx"
        dest.write_bytes(save_stable(build_template(lang), datetime(2026, 1, 1)))
        written.append(dest)
    return written


if __name__ == "__main__":  # pragma: no cover - the maintainer's command
    for path in write_templates(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES_DIR):
        print(path)
