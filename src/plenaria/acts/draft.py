"""The draft acta (borrador de acta) as a DOCX document, for the clerk to edit.

Heading with the session's data, the agenda, then every intervention in order:
the speaker in bold, a ``[hh:mm:ss]`` link to that moment of the video, and
what was said; last, the recording's file name, duration and SHA-256. All
user-written text is cleaned of the control characters XML cannot hold
(python-docx escapes the rest). Labels live in :data:`LABELS`, one dict per
language.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from plenaria.acts.acta_sections import (
    add_constitution,
    add_item_vote,
    add_page_numbers,
    add_pending_box,
    add_signature,
    rof_labels,
)
from plenaria.acts.links import check_template, video_link
from plenaria.domain import Intervention, Segment, SessionInfo, Transcript
from plenaria.domain_acta import Acta
from plenaria.errors import ConfigError, InputError
from plenaria.formats.timefmt import format_clock

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

log = logging.getLogger(__name__)

LABELS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Borrador de acta",
        "council": "Entidad",
        "session_type": "Sesión",
        "date": "Fecha",
        "place": "Lugar",
        "start_time": "Hora de inicio",
        "president": "Presidencia",
        "secretary": "Secretaría",
        "agenda": "Orden del día",
        "proceedings": "Desarrollo de la sesión",
        "no_agenda_item": "Fuera del orden del día",
        "recording": "Grabación",
        "duration": "Duración",
        "sha256": "SHA-256",
        "gaps": "Interrupciones de la grabación",
        "note": "Borrador generado automáticamente a partir de la grabación; "
        "debe revisarlo la Secretaría antes de su aprobación.",
        "date_format": "{day} {month} de {year}",
        "months": "de enero|de febrero|de marzo|de abril|de mayo|de junio|de julio|"
        "de agosto|de septiembre|de octubre|de noviembre|de diciembre",
        "type:ordinaria": "ordinaria",
        "type:extraordinaria": "extraordinaria",
        "type:extraordinaria urgente": "extraordinaria urgente",
        "language_tag": "es-ES",
    },
    "ca": {
        "title": "Esborrany d'acta",
        "council": "Entitat",
        "session_type": "Sessió",
        "date": "Data",
        "place": "Lloc",
        "start_time": "Hora d'inici",
        "president": "Presidència",
        "secretary": "Secretaria",
        "agenda": "Ordre del dia",
        "proceedings": "Desenvolupament de la sessió",
        "no_agenda_item": "Fora de l'ordre del dia",
        "recording": "Enregistrament",
        "duration": "Durada",
        "sha256": "SHA-256",
        "gaps": "Interrupcions de l'enregistrament",
        "note": "Esborrany generat automàticament a partir de l'enregistrament; "
        "l'ha de revisar la Secretaria abans de la seva aprovació.",
        "date_format": "{day} {month} de {year}",
        "months": "de gener|de febrer|de març|d'abril|de maig|de juny|de juliol|"
        "d'agost|de setembre|d'octubre|de novembre|de desembre",
        "type:ordinaria": "ordinària",
        "type:extraordinaria": "extraordinària",
        "type:extraordinaria urgente": "extraordinària urgent",
        "language_tag": "ca-ES",
    },
}

# Characters XML 1.0 cannot hold (lxml refuses them): C0 controls but tab,
# newline and carriage return; lone surrogates; U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINK_COLOR = "0563C1"


def clean_text(text: str) -> str:
    """``text`` without the characters a DOCX cannot store; everything else is kept."""
    return _XML_ILLEGAL.sub("", text)


def labels_for(lang: str) -> dict[str, str]:
    try:
        return LABELS[lang]
    except KeyError:
        raise ConfigError(
            f"No hay textos del acta para el idioma {lang!r}.",
            f"Use uno de estos: {', '.join(sorted(LABELS))}.",
        ) from None


def format_date(iso_date: str, labels: dict[str, str]) -> str:
    """``2026-11-24`` as ``24 de noviembre de 2026``; anything else is shown as given."""
    try:
        day = dt.date.fromisoformat(iso_date)
    except ValueError:
        return iso_date
    month = labels["months"].split("|")[day.month - 1]
    return labels["date_format"].format(day=day.day, month=month, year=day.year)


def _session_rows(session: SessionInfo, labels: dict[str, str]) -> list[tuple[str, str]]:
    kind = session.session_type.strip()
    rows = [
        ("council", session.council),
        ("session_type", labels.get(f"type:{kind.lower()}", kind)),
        ("date", format_date(session.date, labels) if session.date else ""),
        ("place", session.place),
        ("start_time", session.start_time),
        ("president", session.president),
        ("secretary", session.secretary),
    ]
    return [(labels[key], value) for key, value in rows if value.strip()]


def _add_hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """A real ``w:hyperlink`` to an external target, blue and underlined."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink", {qn("r:id"): r_id})
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    color = OxmlElement("w:color", {qn("w:val"): _LINK_COLOR})
    underline = OxmlElement("w:u", {qn("w:val"): "single"})
    props.append(color)
    props.append(underline)
    run.append(props)
    text_el = OxmlElement("w:t")
    text_el.text = text
    run.append(text_el)
    link.append(run)
    paragraph._p.append(link)


def _set_language(document: DocxDocument, tag: str) -> None:
    """Mark the text's language so Word spell-checks it in Spanish or Catalan."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = document.styles["Normal"].element.get_or_add_rPr()
    for old in props.findall(qn("w:lang")):
        props.remove(old)
    props.append(OxmlElement("w:lang", {qn("w:val"): tag}))


def _add_intervention(
    document: DocxDocument, t: Transcript, item: Intervention, url: str | None, lang: str
) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(clean_text(t.speaker(item.speaker).label_in(lang))).bold = True
    paragraph.add_run(" ")
    stamp = f"[{format_clock(item.segment.start)}]"
    if url is None:
        paragraph.add_run(stamp)
    else:
        _add_hyperlink(paragraph, url, stamp)
    paragraph.add_run(" " + clean_text(item.text))


def _link(t: Transcript, template: str, media: str, seconds: float) -> str | None:
    if not template and not media:
        return None
    return video_link(template, t.session.id, seconds, media)


def build_draft_acta(
    t: Transcript, *, url_template: str = "", media_name: str = "", lang: str = "es"
) -> DocxDocument:
    """The acta as an in-memory python-docx Document (see :func:`render_draft_acta`)."""
    import docx

    labels = labels_for(lang) | rof_labels(lang)
    acta = t.acta
    if url_template:
        check_template(url_template)  # fail before building anything
    media = media_name or t.recording.file_name
    session = t.session

    document = docx.Document()
    _set_language(document, labels["language_tag"])
    props = document.core_properties
    props.title = clean_text(" — ".join(x for x in (labels["title"], session.council) if x))
    props.language = labels["language_tag"]
    props.subject = clean_text(session.id)
    props.author = props.last_modified_by = "Plenaria"
    props.comments = labels["note"]  # not python-docx's "generated by python-docx"

    document.add_heading(labels["title"], level=0)
    if acta is not None:
        add_pending_box(document, acta, labels)
    for label, value in _session_rows(session, labels):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(clean_text(value))
    document.add_paragraph().add_run(labels["note"]).italic = True

    titles = {a.number: clean_text(a.title) for a in session.agenda}
    if session.agenda:
        document.add_heading(labels["agenda"], level=1)
        for a in session.agenda:
            document.add_paragraph(f"{a.number}. {titles[a.number]}")
    if acta is not None:
        add_constitution(document, session, acta, labels, clean_text)

    document.add_heading(labels["proceedings"], level=1)
    current: int | None = None
    for n, item in enumerate(t.interventions):
        if item.agenda_item != current and (item.agenda_item is not None or n > 0):
            if acta is not None and current is not None:
                add_item_vote(document, acta, current, labels, lang, clean_text)
            current = item.agenda_item
            if current is None:
                heading = labels["no_agenda_item"]
            else:
                heading = f"{current}. {titles.get(current, '')}".rstrip(". ")
            document.add_heading(heading, level=2)
        url = _link(t, url_template, media, item.segment.start)
        _add_intervention(document, t, item, url, lang)
    if acta is not None and current is not None:
        add_item_vote(document, acta, current, labels, lang, clean_text)
    add_signature(document, session, acta or Acta(), labels, clean_text)

    rec = t.recording
    paragraph = document.add_paragraph()
    for n, (key, value) in enumerate(
        (
            ("recording", clean_text(rec.file_name)),
            ("duration", format_clock(rec.duration_s)),
            ("sha256", rec.sha256),
            *([("gaps", "; ".join(_gap(g) for g in rec.gaps))] if rec.gaps else []),
        )
    ):
        if n:
            paragraph.add_run().add_break()
        paragraph.add_run(f"{labels[key]}: ").bold = True
        paragraph.add_run(value)
    add_page_numbers(document, labels)
    return document


def _gap(gap: Segment) -> str:
    """A missing stretch of a live recording: where it starts and how long it is."""
    return f"{format_clock(gap.start)} (+{gap.duration:.0f} s)"


def render_draft_acta(
    t: Transcript,
    dest: Path,
    *,
    url_template: str = "",
    media_name: str = "",
    lang: str = "es",
) -> Path:
    """Write the draft acta to ``dest`` atomically (temporary file, then rename).

    ``url_template`` (``{session}``, ``{seconds}``) makes each intervention's
    time a link to the published video; empty, the link points to
    ``media_name`` (default: the recording's file name) next to the acta.
    ``lang`` picks the labels: ``es`` or ``ca``.
    """
    document = build_draft_acta(t, url_template=url_template, media_name=media_name, lang=lang)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    except OSError as e:
        raise InputError(
            f"No se puede escribir el acta en {dest} ({e}).",
            "Elija una carpeta de salida en la que se pueda escribir.",
        ) from e
    os.close(fd)
    try:
        document.save(tmp)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("Wrote draft acta %s (%d interventions)", dest, len(t.interventions))
    return dest
