"""The acta as a DOCX document: the draft (borrador) for the clerk to edit, or the approved one.

A docxtpl template (:mod:`plenaria.acts.acta_template`) holds the layout and
the labels: the session's data, the agenda, the constitution (attendance,
quorum), the closing formula and the signature block, page numbers in the
footer. Plenaria fills its fields, and writes the body with python-docx as a
subdocument: every agenda item with its interventions in order (the speaker in
bold, a ``[hh:mm:ss]`` link to that moment of the video, and the synthesis or
what was said word for word), its vote and its agreement. All user-written
text is cleaned of the control characters XML cannot hold (Jinja escapes the
rest). Labels live in :mod:`plenaria.acts.acta_labels`, one dict per language.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from plenaria.acts.acta_labels import LABELS
from plenaria.acts.acta_languages import language_tag, said_in
from plenaria.acts.acta_sections import (
    add_item_vote,
    add_pending_box,
    constitution_values,
    rof_labels,
    signature_values,
)
from plenaria.acts.acta_template import fill, load_template, template_for
from plenaria.acts.links import check_template, video_link
from plenaria.domain import Intervention, Segment, Speaker, Transcript
from plenaria.domain_acta import Acta
from plenaria.errors import ConfigError, InputError
from plenaria.formats.timefmt import format_clock

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

log = logging.getLogger(__name__)

__all__ = ["LABELS", "build_draft_acta", "format_date", "render_draft_acta"]

# Characters XML 1.0 cannot hold (lxml refuses them): C0 controls but tab,
# newline and carriage return; lone surrogates; U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINK_COLOR = "0563C1"
MODES = ("synthesis", "verbatim")


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


def _basque_year_suffix(year: int) -> str:
    """-eko after a year read ending in bat (1), bost (5) or hamar (10, 30...); else -ko."""
    return "eko" if year % 10 in (1, 5) or year % 20 == 10 else "ko"


def format_date(iso_date: str, labels: dict[str, str]) -> str:
    """``2026-11-24`` as ``24 de noviembre de 2026``; anything else is shown as given."""
    try:
        day = dt.date.fromisoformat(iso_date)
    except ValueError:
        return iso_date
    month = labels["months"].split("|")[day.month - 1]
    return labels["date_format"].format(
        day=day.day, month=month, year=day.year, ko=_basque_year_suffix(day.year)
    )


def speaker_label(speaker: Speaker, labels: dict[str, str]) -> str:
    """The name, or the language's "Interviniente N" for an unnamed voice."""
    if speaker.name:
        return speaker.name
    digits = "".join(ch for ch in speaker.id if ch.isdigit())
    return labels["unnamed"].format(n=int(digits) + 1) if digits else speaker.id


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
    """Mark the text's language so Word spell-checks it in the acta's language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = document.styles["Normal"].element.get_or_add_rPr()
    for old in props.findall(qn("w:lang")):
        props.remove(old)
    props.append(OxmlElement("w:lang", {qn("w:val"): tag}))


def said(item: Intervention, interventions: str) -> str:
    """What the acta writes for ``item``: its synthesis in synthesis mode when it has one,
    else its words."""
    if interventions == "synthesis" and item.summary.strip():
        return item.summary
    return item.text


def _add_intervention(
    document: DocxDocument,
    t: Transcript,
    item: Intervention,
    url: str | None,
    labels: dict[str, str],
    interventions: str,
    lang: str,
) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(clean_text(speaker_label(t.speaker(item.speaker), labels))).bold = True
    paragraph.add_run(" ")
    stamp = f"[{format_clock(item.segment.start)}]"
    if url is None:
        paragraph.add_run(stamp)
    else:
        _add_hyperlink(paragraph, url, stamp)
    # In a pleno in more than one language, words spoken in another language than the
    # acta's are kept as spoken (never translated), and the acta says so.
    note = said_in(lang, item.language) if len(t.languages) > 1 else None
    if note is not None:
        paragraph.add_run(" " + note).italic = True
    text = said(item, interventions)
    run = paragraph.add_run(" " + clean_text(text))
    if note is not None and text == item.text:
        _set_run_language(run, language_tag(item.language))


def _set_run_language(run: Run, tag: str) -> None:
    """Mark one run's language (the words of an intervention in another language)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run._r.get_or_add_rPr().append(OxmlElement("w:lang", {qn("w:val"): tag}))


def _link(t: Transcript, template: str, media: str, seconds: float) -> str | None:
    if not template and not media:
        return None
    return video_link(template, t.session.id, seconds, media)


def _add_body(
    document: DocxDocument,
    t: Transcript,
    labels: dict[str, str],
    lang: str,
    links: tuple[str, str],
    interventions: str,
) -> None:
    """Each agenda item's heading, its interventions, then its vote."""
    acta = t.acta
    titles = {a.number: clean_text(a.title) for a in t.session.agenda}
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
        url = _link(t, *links, item.segment.start)
        _add_intervention(document, t, item, url, labels, interventions, lang)
    if acta is not None and current is not None:
        add_item_vote(document, acta, current, labels, lang, clean_text)


def build_draft_acta(
    t: Transcript,
    *,
    url_template: str = "",
    media_name: str = "",
    lang: str = "es",
    template: Path | None = None,
    templates_dir: Path | None = None,
    interventions: str = "synthesis",
    approved: bool = False,
) -> DocxDocument:
    """The acta as an in-memory python-docx Document (see :func:`render_draft_acta`)."""
    labels = labels_for(lang) | rof_labels(lang)
    if interventions not in MODES:
        raise ConfigError(
            f"Modo de intervenciones desconocido: {interventions!r}.",
            "Use synthesis (síntesis) o verbatim (literal).",
        )
    if url_template:
        check_template(url_template)  # fail before building anything
    tpl = load_template(acta_template_path(lang, template, templates_dir))
    acta = t.acta or Acta()
    session = t.session
    pending = tpl.new_subdoc()
    if t.acta is not None and not approved:
        add_pending_box(pending, t.acta, labels)
    body = tpl.new_subdoc()
    links = (url_template, media_name or t.recording.file_name)
    _add_body(body, t, labels, lang, links, interventions)
    kind = session.session_type.strip()
    rec = t.recording
    context = {
        "title": labels["title_approved" if approved else "title"],
        "draft": not approved,
        "note": "" if approved else labels["note"],
        "pending": pending,
        "council": clean_text(session.council),
        "session_type": clean_text(
            labels.get(f"type:{kind.lower()}", kind)
            + (labels[f"call:{call}"] if (call := session.call or acta.call or "") else "")
        ),
        "date": clean_text(format_date(session.date, labels) if session.date else ""),
        "place": clean_text(session.place.strip()),
        "agenda": [{"number": a.number, "title": clean_text(a.title)} for a in session.agenda],
        **constitution_values(session, acta, labels, clean_text),
        "body": body,
        **signature_values(session, labels, clean_text),
        "recording": clean_text(rec.file_name),
        "duration": format_clock(rec.duration_s),
        "sha256": rec.sha256,
        "gaps": "; ".join(_gap(g) for g in rec.gaps),
    }
    fill(tpl, context)
    document: DocxDocument = tpl.docx
    _set_language(document, labels["language_tag"])
    props = document.core_properties
    props.title = clean_text(" — ".join(x for x in (context["title"], session.council) if x))
    props.language = labels["language_tag"]
    props.subject = clean_text(session.id)
    props.author = props.last_modified_by = "Plenaria"
    props.comments = "" if approved else labels["note"]
    return document


def acta_template_path(
    lang: str, template: Path | None = None, templates_dir: Path | None = None
) -> Path:
    """The template an acta in ``lang`` is made from (see :func:`render_draft_acta`)."""
    return template_for(lang, template, _templates_dir(templates_dir))


def _templates_dir(given: Path | None) -> Path | None:
    """``given``, else the deployment's folder of templates (PLENARIA_ACTA_TEMPLATES)."""
    if given is not None:
        return given
    from plenaria.config import get_settings

    return get_settings().acta_templates


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
    template: Path | None = None,
    interventions: str = "synthesis",
) -> Path:
    """Write the draft acta to ``dest`` atomically (temporary file, then rename).

    ``url_template`` (``{session}``, ``{seconds}``) makes each intervention's
    time a link to the published video; empty, the link points to
    ``media_name`` (default: the recording's file name) next to the acta.
    ``lang`` picks the labels and the template: ``es``, ``ca``, ``gl`` or ``eu``.
    ``template``: a council's own DOCX template (default: PLENARIA_ACTA_TEMPLATES's
    ``acta-<lang>.docx``, else Plenaria's). ``interventions``: ``synthesis`` writes
    each intervention's summary where it has one, ``verbatim`` always its words.
    """
    document = build_draft_acta(
        t,
        url_template=url_template,
        media_name=media_name,
        lang=lang,
        template=template,
        interventions=interventions,
    )
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
