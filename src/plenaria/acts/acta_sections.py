"""The ROF art. 109.1 parts of the acta: what is pending, attendance and quorum, votes, signature.

Each function adds one part to a python-docx document from the transcript's
``acta`` (:class:`plenaria.domain_acta.Acta`) and the session's roster. Labels
come in the same per-language dicts as the rest of the acta (merged into the
draft's labels by :func:`rof_labels`). User-written text (names, titles, the
clerk's notes) goes through ``clean_text`` like every other text of the acta.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from plenaria.domain import SessionInfo
from plenaria.domain_acta import Acta, Member, Vote

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

_WARN_COLOR = "C00000"

ROF_LABELS: dict[str, dict[str, str]] = {
    "es": {
        "pending": "Pendiente de completar",
        "pending_note": "Complete estos datos antes de aprobar el acta (ROF art. 109):",
        "missing:date": "la fecha de la sesión",
        "missing:place": "el lugar de la sesión",
        "missing:session_type": "el carácter de la sesión (ordinaria o extraordinaria)",
        "missing:start_time": "la hora de comienzo",
        "missing:end_time": "la hora en que se levanta la sesión",
        "missing:president": "quién preside",
        "missing:secretary": "el secretario que da fe",
        "missing:attendance": "los miembros asistentes, excusados y ausentes",
        "missing:quorum": "si hubo quórum",
        "missing:item_start": "dónde empieza el punto {n} del orden del día",
        "missing:item_vote": "la votación del punto {n}",
        "constitution": "Constitución de la sesión",
        "times": "Hora de comienzo: {start}. Hora en que se levanta la sesión: {end}.",
        "unknown": "sin indicar",
        "presides": "Preside",
        "attends_secretary": "Da fe",
        "present": "Miembros asistentes",
        "excused": "Miembros que excusan su asistencia",
        "absent": "Miembros ausentes sin excusa",
        "none": "ninguno",
        "count_present": "Asisten {n} miembros de la corporación.",
        "quorum_yes": "Existe el quórum necesario para la válida constitución de la sesión "
        "(asisten {n} de {legal} miembros).",
        "quorum_no": "ATENCIÓN: no consta el quórum necesario (asisten {n} de {legal} "
        "miembros; se requiere un tercio del número legal, nunca menos de tres, con el "
        "presidente y el secretario).",
        "quorum_unknown": "[revisar: no se puede comprobar el quórum con los datos disponibles]",
        "vote_counts": "Votos a favor: {for_}; en contra: {against}; abstenciones: {abst}.",
        "vote_result": "Resultado: {result}.",
        "unanimous": "Se aprueba por unanimidad de los miembros presentes ({n} votos a favor).",
        "unanimous_rejected": "Se rechaza por unanimidad de los miembros presentes.",
        "result:approved": "aprobada",
        "result:rejected": "rechazada",
        "by_group": "Voto por grupos",
        "by_name": "Votación nominal",
        "choice:for": "a favor",
        "choice:against": "en contra",
        "choice:abstention": "abstención",
        "review": "[revisar: {what}]",
        "review_default": "los votos no cuadran con la asistencia o el resultado",
        "no_vote_found": "no se ha encontrado la votación de este punto",
        "closing": "Y no habiendo más asuntos que tratar, la Presidencia levanta la sesión "
        "a las {end}, de lo que, como Secretario/a, doy fe.",
        "sign_secretary": "El/La Secretario/a",
        "sign_president": "Vº Bº El/La Alcalde/sa",
        "sign:alcalde": "Vº Bº El Alcalde",
        "sign:alcaldesa": "Vº Bº La Alcaldesa",
        "sign:secretario": "El Secretario",
        "sign:secretaria": "La Secretaria",
        "page": "Página",
        "of": "de",
    },
    "ca": {
        "pending": "Pendent de completar",
        "pending_note": "Completeu aquestes dades abans d'aprovar l'acta (ROF art. 109):",
        "missing:date": "la data de la sessió",
        "missing:place": "el lloc de la sessió",
        "missing:session_type": "el caràcter de la sessió (ordinària o extraordinària)",
        "missing:start_time": "l'hora d'inici",
        "missing:end_time": "l'hora en què s'aixeca la sessió",
        "missing:president": "qui presideix",
        "missing:secretary": "el secretari que en dona fe",
        "missing:attendance": "els membres assistents, excusats i absents",
        "missing:quorum": "si hi va haver quòrum",
        "missing:item_start": "on comença el punt {n} de l'ordre del dia",
        "missing:item_vote": "la votació del punt {n}",
        "constitution": "Constitució de la sessió",
        "times": "Hora d'inici: {start}. Hora en què s'aixeca la sessió: {end}.",
        "unknown": "sense indicar",
        "presides": "Presideix",
        "attends_secretary": "En dona fe",
        "present": "Membres assistents",
        "excused": "Membres que excusen l'assistència",
        "absent": "Membres absents sense excusa",
        "none": "cap",
        "count_present": "Assisteixen {n} membres de la corporació.",
        "quorum_yes": "Hi ha el quòrum necessari per a la vàlida constitució de la sessió "
        "(assisteixen {n} de {legal} membres).",
        "quorum_no": "ATENCIÓ: no consta el quòrum necessari (assisteixen {n} de {legal} "
        "membres; cal un terç del nombre legal, mai menys de tres, amb el president i el "
        "secretari).",
        "quorum_unknown": "[revisar: no es pot comprovar el quòrum amb les dades disponibles]",
        "vote_counts": "Vots a favor: {for_}; en contra: {against}; abstencions: {abst}.",
        "vote_result": "Resultat: {result}.",
        "unanimous": "S'aprova per unanimitat dels membres presents ({n} vots a favor).",
        "unanimous_rejected": "Es rebutja per unanimitat dels membres presents.",
        "result:approved": "aprovada",
        "result:rejected": "rebutjada",
        "by_group": "Vot per grups",
        "by_name": "Votació nominal",
        "choice:for": "a favor",
        "choice:against": "en contra",
        "choice:abstention": "abstenció",
        "review": "[revisar: {what}]",
        "review_default": "els vots no quadren amb l'assistència o el resultat",
        "no_vote_found": "no s'ha trobat la votació d'aquest punt",
        "closing": "I no havent-hi més assumptes a tractar, la Presidència aixeca la sessió "
        "a les {end}, de la qual cosa, com a secretari/ària, en dono fe.",
        "sign_secretary": "El/La Secretari/ària",
        "sign_president": "Vist i plau L'Alcalde/essa",
        "sign:alcalde": "Vist i plau L'Alcalde",
        "sign:alcaldesa": "Vist i plau L'Alcaldessa",
        "sign:secretario": "El Secretari",
        "sign:secretaria": "La Secretària",
        "page": "Pàgina",
        "of": "de",
    },
}


def rof_labels(lang: str) -> dict[str, str]:
    """The labels of these parts in ``lang`` (the caller has checked that ``lang`` exists)."""
    return ROF_LABELS.get(lang, ROF_LABELS["es"])


Clean = Callable[[str], str]


def missing_text(key: str, labels: dict[str, str]) -> str:
    """A ``missing`` key ("end_time", "item_vote:3") as the clerk reads it."""
    base, _, number = key.partition(":")
    label = labels.get(f"missing:{base}")
    return key if label is None else label.format(n=number)


def add_pending_box(document: DocxDocument, acta: Acta, labels: dict[str, str]) -> None:
    """A framed one-cell table listing what ROF 109 still lacks; nothing when nothing does."""
    if not acta.missing:
        return
    table = document.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    cell = table.cell(0, 0)
    head = cell.paragraphs[0]
    _warn(head.add_run(labels["pending"]))
    cell.add_paragraph(labels["pending_note"])
    for key in acta.missing:
        cell.add_paragraph("• " + missing_text(key, labels))
    document.add_paragraph()


def _warn(run: object) -> None:
    from docx.shared import RGBColor

    run.bold = True  # type: ignore[attr-defined]
    run.font.color.rgb = RGBColor.from_string(_WARN_COLOR)  # type: ignore[attr-defined]


def _with_group(name: str, members: dict[str, Member]) -> str:
    m = members.get(name.casefold())
    return f"{name} ({m.group})" if m is not None and m.group else name


def president_of(session: SessionInfo) -> str:
    if session.president:
        return session.president
    return next((m.name for m in session.members if m.is_president), "")


def secretary_of(session: SessionInfo) -> str:
    if session.secretary:
        return session.secretary
    return next((m.name for m in session.members if m.is_secretary), "")


def add_constitution(
    document: DocxDocument, session: SessionInfo, acta: Acta, labels: dict[str, str], clean: Clean
) -> None:
    """Times, president, secretary, who attended, was excused or absent, and the quorum."""
    document.add_heading(labels["constitution"], level=1)
    unknown = labels["unknown"]
    document.add_paragraph(
        labels["times"].format(start=acta.start_time or unknown, end=acta.end_time or unknown)
    )
    for key, name in (
        ("presides", president_of(session)),
        ("attends_secretary", secretary_of(session)),
    ):
        _label_line(document.add_paragraph(), labels[key], clean(name) or unknown)
    members = {m.name.casefold(): m for m in session.members}
    att = acta.attendance
    for key, names in (("present", att.present), ("excused", att.excused), ("absent", att.absent)):
        if key == "present" and not names and att.count_present is not None:
            document.add_paragraph(labels["count_present"].format(n=att.count_present))
            continue
        text = "; ".join(clean(_with_group(n, members)) for n in names) or labels["none"]
        _label_line(document.add_paragraph(), labels[key], text)
    legal = session.roster.legal_count
    quorum = document.add_paragraph()
    if att.quorum is None or att.count_present is None or legal is None:
        _warn(quorum.add_run(labels["quorum_unknown"]))
    elif att.quorum:
        quorum.add_run(labels["quorum_yes"].format(n=att.count_present, legal=legal))
    else:
        _warn(quorum.add_run(labels["quorum_no"].format(n=att.count_present, legal=legal)))


def _label_line(paragraph: Paragraph, label: str, value: str) -> None:
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


def vote_lines(vote: Vote, labels: dict[str, str], lang: str, clean: Clean) -> list[str]:
    """The vote as the acta writes it; the clerk's note last when the counts are not sure."""
    unknown = labels["unknown"]

    def count(n: int | None) -> str:
        return unknown if n is None else str(n)

    result = labels[f"result:{vote.result}"] if vote.result else unknown
    if vote.unanimous and vote.result == "rejected":
        lines = [labels["unanimous_rejected"]]
    elif vote.unanimous:
        lines = [labels["unanimous"].format(n=count(vote.for_))]
    else:
        counts = labels["vote_counts"].format(
            for_=count(vote.for_), against=count(vote.against), abst=count(vote.abstentions)
        )
        lines = [f"{counts} {labels['vote_result'].format(result=result)}"]
    for key, pairs in (("by_group", vote.by_group), ("by_name", vote.by_name)):
        if pairs:
            said = "; ".join(f"{clean(who)}: {labels[f'choice:{c}']}" for who, c in pairs)
            lines.append(f"{labels[key]}: {said}.")
    if not vote.checked:
        what = "; ".join(vote.issues) if vote.issues and lang == "es" else ""
        lines.append(labels["review"].format(what=clean(what) or labels["review_default"]))
    return lines


def add_item_vote(
    document: DocxDocument,
    acta: Acta,
    number: int,
    labels: dict[str, str],
    lang: str,
    clean: Clean,
) -> None:
    """Item ``number``'s vote after its interventions, or a note when one is missing."""
    item = next((i for i in acta.items if i.number == number), None)
    if item is None:
        return
    if item.vote is None:
        if f"item_vote:{number}" in acta.missing:
            _warn(document.add_paragraph().add_run(
                labels["review"].format(what=labels["no_vote_found"])
            ))  # fmt: skip
        return
    for n, line in enumerate(vote_lines(item.vote, labels, lang, clean)):
        run = document.add_paragraph().add_run(line)
        if n == 0:
            run.bold = True
        elif line.startswith("[revisar"):
            _warn(run)


def _signature_title(session: SessionInfo, name: str, labels: dict[str, str], fallback: str) -> str:
    member = next((m for m in session.members if m.name.casefold() == name.casefold()), None)
    if member is None:
        return labels[fallback]
    return labels.get(f"sign:{member.role.strip().lower()}", labels[fallback])


def add_signature(
    document: DocxDocument, session: SessionInfo, acta: Acta, labels: dict[str, str], clean: Clean
) -> None:
    """The closing formula and the signature block: the secretary, and the president's Vº Bº."""
    document.add_paragraph(labels["closing"].format(end=acta.end_time or labels["unknown"]))
    secretary, president = secretary_of(session), president_of(session)
    table = document.add_table(rows=3, cols=2)
    cells = (
        (_signature_title(session, secretary, labels, "sign_secretary"), secretary),
        (_signature_title(session, president, labels, "sign_president"), president),
    )
    for col, (title, name) in enumerate(cells):
        table.cell(0, col).paragraphs[0].add_run(title).bold = True
        table.cell(1, col).paragraphs[0].add_run("\n\n")
        table.cell(2, col).paragraphs[0].add_run(clean(name))


def add_page_numbers(document: DocxDocument, labels: dict[str, str]) -> None:
    """ "Página N de M" in every section's footer, from Word's PAGE and NUMPAGES fields."""
    for section in document.sections:
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = 1  # centred
        paragraph.add_run(f"{labels['page']} ")
        _field(paragraph, "PAGE", "1")
        paragraph.add_run(f" {labels['of']} ")
        _field(paragraph, "NUMPAGES", "1")


def _field(paragraph: Paragraph, code: str, shown: str) -> None:
    """A simple field (``w:fldSimple``) Word fills in when it lays the page out."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple", {qn("w:instr"): f" {code} \\* MERGEFORMAT "})
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
