"""The draft acta (DOCX) read back with python-docx, and the video links it carries."""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from transcripts import SESSION, SPEAKERS, sample_transcript

from plenaria.acts.draft import LABELS, format_date, render_draft_acta
from plenaria.acts.links import video_link
from plenaria.domain import Segment, Speaker, Transcript
from plenaria.errors import ConfigError

TEMPLATE = "https://sede.example.es/plenos/{session}?t={seconds}"

# --- links ------------------------------------------------------------------


def test_video_link_fills_the_template_with_floored_seconds() -> None:
    assert video_link(TEMPLATE, "2026-11-24-ordinaria", 125.99, "x.mp4") == (
        "https://sede.example.es/plenos/2026-11-24-ordinaria?t=125"
    )
    assert video_link(TEMPLATE, "pleno 24/11 ñ", 0.4, "") == (
        "https://sede.example.es/plenos/pleno%2024%2F11%20%C3%B1?t=0"
    )
    assert video_link("https://v.example/{{x}}/{seconds}/{session}", "a", 7, "") == (
        "https://v.example/{x}/7/a"
    )


def test_video_link_without_template_points_to_the_media_file() -> None:
    assert video_link("", "s", 61.7, "pleno 24.proxy.mp4") == "pleno%2024.proxy.mp4#t=61"
    with pytest.raises(ConfigError, match="nombre del vídeo"):
        video_link("", "s", 1, "")


def test_video_link_names_unknown_placeholders() -> None:
    with pytest.raises(ConfigError) as info:
        video_link("https://x/{sesion}/{seconds}?v={video}", "s", 1, "m.mp4")
    assert "{sesion}, {video}" in info.value.message
    assert "{session}" in info.value.hint
    with pytest.raises(ConfigError, match="mal formada"):
        video_link("https://x/{session", "s", 1, "m.mp4")
    with pytest.raises(ConfigError, match="marcadores desconocidos: \\{\\}"):
        video_link("https://x/{}", "s", 1, "m.mp4")


# --- the acta ---------------------------------------------------------------


def _render(tmp_path: Path, t: Transcript, **kwargs: str) -> Document:
    path = render_draft_acta(t, tmp_path / "acta.docx", **kwargs)
    assert path == tmp_path / "acta.docx"
    return docx.Document(str(path))


def _texts(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def _links(paragraph: Paragraph, document: Document) -> list[tuple[str, str]]:
    """(visible text, target) of each w:hyperlink, resolved through the part's relationships."""
    found = []
    for link in paragraph._p.findall(qn("w:hyperlink")):
        rel = document.part.rels[link.get(qn("r:id"))]
        assert rel.reltype == RT.HYPERLINK and rel.is_external
        found.append(("".join(t.text for t in link.iter(qn("w:t"))), rel.target_ref))
    return found


def _intervention_paragraphs(document: Document, t: Transcript) -> list[Paragraph]:
    labels = {s.label for s in t.speakers}
    return [
        p for p in document.paragraphs if p.runs and p.runs[0].bold and p.runs[0].text in labels
    ]


def test_every_intervention_in_order_with_bold_speaker_and_linked_time(tmp_path: Path) -> None:
    t = sample_transcript(7)
    document = _render(tmp_path, t, url_template=TEMPLATE)
    paragraphs = _intervention_paragraphs(document, t)
    assert len(paragraphs) == len(t.interventions)
    for paragraph, item in zip(paragraphs, t.interventions, strict=True):
        seconds = math.floor(item.segment.start)
        stamp = f"[00:{seconds // 60:02d}:{seconds % 60:02d}]"
        label = t.speaker(item.speaker).label
        assert paragraph.text == f"{label} {stamp} {item.text}"
        assert _links(paragraph, document) == [
            (stamp, f"https://sede.example.es/plenos/2026-11-24-ordinaria?t={seconds}")
        ]
    # Distinct times give distinct targets: the links are not all the same.
    assert len({_links(p, document)[0][1] for p in paragraphs}) == len(t.interventions)
    with zipfile.ZipFile(tmp_path / "acta.docx") as z:
        rels = z.read("word/_rels/document.xml.rels").decode()
    assert rels.count('TargetMode="External"') == len(t.interventions)


def test_links_fall_back_to_the_proxy_file_next_to_the_acta(tmp_path: Path) -> None:
    t = sample_transcript(2)
    document = _render(tmp_path, t, media_name="pleno 2026.proxy.mp4")
    targets = [_links(p, document)[0][1] for p in _intervention_paragraphs(document, t)]
    starts = [math.floor(i.segment.start) for i in t.interventions]
    assert targets == [f"pleno%202026.proxy.mp4#t={s}" for s in starts]
    # No media name: the recording itself.
    document = _render(tmp_path, t)
    first = _links(_intervention_paragraphs(document, t)[0], document)[0][1]
    assert first == f"pleno%202026-11-24.mp4#t={starts[0]}"


def test_a_template_with_unknown_placeholders_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="\\{id\\}"):
        render_draft_acta(sample_transcript(1), tmp_path / "a.docx", url_template="https://x/{id}")
    assert list(tmp_path.iterdir()) == []


def test_heading_session_data_agenda_and_recording(tmp_path: Path) -> None:
    t = sample_transcript(3)
    texts = _texts(_render(tmp_path, t))
    assert texts[0] == "Borrador de acta"
    for line in (
        "Entidad: Ayuntamiento de Villaejemplo",
        "Sesión: ordinaria",
        "Fecha: 24 de noviembre de 2026",
        "Lugar: Salón de Plenos de la Casa Consistorial",
        "Hora de comienzo: 10:00. Hora en que se levanta la sesión: sin indicar.",
        "Preside: María Pérez",
        "Da fe: Jordi Puig",
        "Orden del día",
        "1. Aprobación del acta de la sesión anterior",
        "3. Ruegos y preguntas",
    ):
        assert line in texts
    rec = t.recording
    duration = math.floor(rec.duration_s)
    assert texts[-1] == (
        f"Grabación: {rec.file_name}\nDuración: 00:00:{duration:02d}\nSHA-256: {rec.sha256}"
    )
    # The agenda comes before the first intervention, which comes before the recording.
    assert texts.index("Orden del día") < texts.index("Desarrollo de la sesión")
    assert any(x.startswith("Alcaldesa María Pérez [00:00:02] Buenos días.") for x in texts)


def test_empty_session_fields_are_left_out(tmp_path: Path) -> None:
    session = replace(SESSION, place="", president="", secretary=" ", agenda=(), date="")
    texts = _texts(_render(tmp_path, replace(sample_transcript(1), session=session)))
    assert not any(x.startswith(("Lugar", "Fecha")) for x in texts)
    # ROF 109.1: who presides and who attests are always there, "sin indicar" when unknown.
    assert "Preside: sin indicar" in texts and "Da fe: sin indicar" in texts
    assert "Orden del día" not in texts
    assert "Entidad: Ayuntamiento de Villaejemplo" in texts


def test_user_text_survives_intact_and_control_characters_are_dropped(tmp_path: Path) -> None:
    said = 'Dijo "sí" & <no>, l\'any, ñandú, à, col·legi: fi\x07n\x00 > 3'
    speakers = (Speaker("SPEAKER_00", name='Grup <Verds> & "Cia"\x0b'), *SPEAKERS[1:])
    session = replace(SESSION, council="Ajuntament d'Àger & <Co>\x1f", place="Sala\x08 1")
    t = sample_transcript(2, {1: said, 0: "Hola"}, speakers=speakers, session=session)
    texts = _texts(_render(tmp_path, t))
    assert (
        'Interviniente 2 [00:00:03] Dijo "sí" & <no>, l\'any, ñandú, à, col·legi: fin > 3' in texts
    )
    assert 'Grup <Verds> & "Cia" [00:00:02] Hola' in texts
    assert "Entidad: Ajuntament d'Àger & <Co>" in texts
    assert "Lugar: Sala 1" in texts


def test_catalan_labels(tmp_path: Path) -> None:
    t = sample_transcript(2, session=replace(SESSION, session_type="extraordinaria"))
    texts = _texts(_render(tmp_path, t, lang="ca"))
    assert texts[0] == "Esborrany d'acta"
    for line in (
        "Sessió: extraordinària",
        "Data: 24 de novembre de 2026",
        "Hora d'inici: 10:00. Hora en què s'aixeca la sessió: sense indicar.",
        "Ordre del dia",
        "Desenvolupament de la sessió",
    ):
        assert line in texts
    assert texts[-1].startswith(f"Enregistrament: {t.recording.file_name}\nDurada: ")
    assert format_date("2026-04-03", LABELS["ca"]) == "3 d'abril de 2026"
    assert format_date("2026-08-01", LABELS["es"]) == "1 de agosto de 2026"
    assert format_date("24/11/2026", LABELS["es"]) == "24/11/2026"
    assert set(LABELS["ca"]) == set(LABELS["es"])
    with pytest.raises(ConfigError, match="'fr'"):
        render_draft_acta(t, tmp_path / "fr.docx", lang="fr")


# Words of the app's own English that must never reach an acta (whole words, any case).
ENGLISH = (
    "speaker",
    "agenda",
    "page",
    "vote",
    "votes",
    "session",
    "recording",
    "duration",
    "draft",
    "minutes",
    "item",
    "items",
    "gap",
    "gaps",
    "date",
    "place",
    "president",
    "secretary",
    "title",
    "unknown",
    "the",
    "and",
    "of",
    "by",
    "generated",
    "none",
    "null",
)


def _all_text(path: Path) -> str:
    """Every text the document holds: body, headings, hyperlinks and core properties."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode() + z.read("docProps/core.xml").decode()
    return " ".join(re.findall(r">([^<>]+)<", xml))


@pytest.mark.parametrize(("lang", "unnamed"), [("es", "Interviniente 2"), ("ca", "Intervinent 2")])
def test_the_acta_has_no_english_word(tmp_path: Path, lang: str, unnamed: str) -> None:
    t = sample_transcript(7)  # SPEAKER_01 and SPEAKER_02 have no name
    gaps = (Segment(30.0, 42.0),)
    t = replace(t, recording=replace(t.recording, gaps=gaps))
    path = render_draft_acta(t, tmp_path / f"acta-{lang}.docx", lang=lang)
    texts = _texts(docx.Document(str(path)))
    assert any(x.startswith(f"{unnamed} [00:") for x in texts)
    text = _all_text(path)
    found = sorted({w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH})
    assert found == [], f"English in the {lang} acta: {found}"


def test_agenda_items_head_their_interventions(tmp_path: Path) -> None:
    t = sample_transcript(6)
    texts = _texts(_render(tmp_path, t))
    body = texts[texts.index("Desarrollo de la sesión") :]
    headings = [x for x in body if x[:2] in {"1.", "2.", "3."}]
    assert headings == [
        "1. Aprobación del acta de la sesión anterior",
        "2. Modificación de la ordenanza fiscal reguladora de la tasa del agua",
        "3. Ruegos y preguntas",
    ]


def test_rewriting_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    dest = tmp_path / "acta.docx"
    render_draft_acta(sample_transcript(1), dest)
    render_draft_acta(sample_transcript(5), dest)
    assert [p.name for p in tmp_path.iterdir()] == ["acta.docx"]
    t = sample_transcript(5)
    assert len(_intervention_paragraphs(docx.Document(str(dest)), t)) == 5
