"""The ROF 109.1 parts of the DOCX acta, read back with python-docx."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import docx
from acta_scripts import ROSTER, SESSION, build
from docx.document import Document
from docx.oxml.ns import qn
from test_acta_find import PLENO

from plenaria.acts.draft import render_draft_acta
from plenaria.assembly.acta import with_acta
from plenaria.domain import Transcript

WITH_ROSTER = replace(SESSION, members=ROSTER.members, legal_members=5)


def _render(tmp_path: Path, t: Transcript, lang: str = "es") -> Document:
    path = render_draft_acta(t, tmp_path / f"acta-{lang}.docx", lang=lang)
    return docx.Document(str(path))


def _all_text(document: Document) -> list[str]:
    """Paragraphs of the body and of its tables, in order."""
    out: list[str] = []
    body = document.element.body
    for el in body.iterchildren():
        if el.tag == qn("w:p"):
            out.append("".join(t.text or "" for t in el.iter(qn("w:t"))))
        elif el.tag == qn("w:tbl"):
            for p in el.iter(qn("w:p")):
                out.append("".join(t.text or "" for t in p.iter(qn("w:t"))))
    return out


def _after(texts: list[str], start: str, upto: str) -> list[str]:
    """The paragraphs after the last ``start`` (a heading, not the agenda's line) up to ``upto``."""
    i = len(texts) - 1 - texts[::-1].index(start)
    return texts[i + 1 : texts.index(upto, i + 1)]


def test_attendance_quorum_votes_and_signature_in_spanish(tmp_path: Path) -> None:
    t = with_acta(build(PLENO, session=WITH_ROSTER))
    texts = _all_text(_render(tmp_path, t))
    assert "Pendiente de completar" not in texts  # nothing missing
    assert "Hora de comienzo: 10:15. Hora en que se levanta la sesión: 12:30." in texts
    assert "Preside: María Pérez Soler" in texts
    assert "Da fe: Jordi Puig Roca" in texts
    assert "Miembros que excusan su asistencia: Luis Pardo Gil (Partido Popular)" in texts
    assert "Miembros ausentes sin excusa: ninguno" in texts
    assert (
        "Existe el quórum necesario para la válida constitución de la sesión "
        "(asisten 4 de 5 miembros)." in texts
    )
    # Item 2's interventions under its heading, then its vote.
    item2 = _after(
        texts, "2. Modificación de la ordenanza fiscal del agua", "3. Ruegos y preguntas"
    )
    assert any("Nuestro grupo votará en contra." in x for x in item2)
    assert item2[-1] == ("Votos a favor: 3; en contra: 1; abstenciones: 0. Resultado: aprobada.")
    item1 = _after(
        texts,
        "1. Aprobación del acta de la sesión anterior",
        "2. Modificación de la ordenanza fiscal del agua",
    )
    assert item1[-1].startswith("Se aprueba por unanimidad de los miembros presentes (4 votos")
    item3 = _after(
        texts,
        "3. Ruegos y preguntas",
        "Y no habiendo más asuntos que tratar, "
        "la Presidencia levanta la sesión a las 12:30, de lo que, como Secretario/a, doy fe.",
    )
    assert not any(x.startswith("Votos a favor") for x in item3)  # no vote, none invented
    # Signature block: the secretary and the president's Vº Bº, with their names.
    assert "El Secretario" in texts and "Vº Bº La Alcaldesa" in texts
    assert texts.index("El Secretario") < texts.index(
        "Jordi Puig Roca", texts.index("El Secretario")
    )
    assert any(x.startswith("Y no habiendo más asuntos") and "12:30" in x for x in texts)


def test_the_footer_numbers_pages_with_fields(tmp_path: Path) -> None:
    t = with_acta(build(PLENO, session=WITH_ROSTER))
    document = _render(tmp_path, t)
    footer = document.sections[0].footer.paragraphs[0]
    fields = [f.get(qn("w:instr")).split()[0] for f in footer._p.iter(qn("w:fldSimple"))]
    assert fields == ["PAGE", "NUMPAGES"]
    assert footer.text.startswith("Página")


def test_missing_fields_box_no_quorum_warning_and_unchecked_vote(tmp_path: Path) -> None:
    lines = [
        ("SPEAKER_00", "Buenos días. Siendo las diez, se abre la sesión."),
        ("SPEAKER_01", "Asisten dos concejales."),
        ("SPEAKER_01", "Punto segundo. Modificación de la ordenanza fiscal del agua."),
        ("SPEAKER_00", "Votos a favor, siete; en contra, uno. Queda aprobada."),
    ]
    session = replace(WITH_ROSTER, place="")
    t = with_acta(build(lines, session=session))
    assert t.acta is not None and t.acta.attendance.quorum is False
    texts = _all_text(_render(tmp_path, t))
    box = _after(texts, "Pendiente de completar", "")
    assert "• el lugar de la sesión" in box
    assert "• la hora en que se levanta la sesión" in box
    assert "• dónde empieza el punto 1 del orden del día" in box
    assert texts.index("Pendiente de completar") < texts.index("Constitución de la sesión")
    assert any(
        x.startswith("ATENCIÓN: no consta el quórum necesario (asisten 2 de 5") for x in texts
    )
    vote_at = texts.index(
        "Votos a favor: 7; en contra: 1; abstenciones: sin indicar. Resultado: aprobada."
    )
    assert texts[vote_at + 1].startswith("[revisar: ")


def test_catalan_acta(tmp_path: Path) -> None:
    t = with_acta(build(PLENO, session=WITH_ROSTER))
    texts = _all_text(_render(tmp_path, t, "ca"))
    assert "Vots a favor: 3; en contra: 1; abstencions: 0. Resultat: aprovada." in texts
    assert "Membres que excusen l'assistència: Luis Pardo Gil (Partido Popular)" in texts
    assert "El Secretari" in texts and "Vist i plau L'Alcaldessa" in texts
    labels_es = ("Votos a favor:", "Pendiente", "Miembros", "Preside:", "Hora de comienzo")
    assert not any(x.startswith(labels_es) for x in texts)  # the spoken words stay as said


def test_user_text_in_the_new_parts_is_cleaned(tmp_path: Path) -> None:
    members = (replace(ROSTER.members[1], name="Luis Pardo Gil", group="PP <b>&\x07"),)
    session = replace(WITH_ROSTER, members=(*ROSTER.members[:1], *members, *ROSTER.members[2:]))
    t = with_acta(build(PLENO, session=session))
    texts = _all_text(_render(tmp_path, t))
    assert "Miembros que excusan su asistencia: Luis Pardo Gil (PP <b>&)" in texts
