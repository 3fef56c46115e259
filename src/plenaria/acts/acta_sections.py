"""The ROF art. 109.1 parts of the acta: what is pending, attendance and quorum, votes, signature.

Each function adds one part to a python-docx document (the body the template
takes as a subdocument), or gives the values of the template's fields, from the
transcript's ``acta`` (:class:`plenaria.domain_acta.Acta`) and the session's
roster. Labels come from :mod:`plenaria.acts.acta_labels` (:func:`rof_labels`).
User-written text (names, titles, the clerk's notes) goes through ``clean_text``
like every other text of the acta.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from plenaria.acts.acta_labels import ROF_LABELS
from plenaria.domain import SessionInfo
from plenaria.domain_acta import Acta, Member, Vote

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

_WARN_COLOR = "C00000"


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
    if session.president.strip():
        return session.president.strip()
    return next((m.name for m in session.members if m.is_president), "")


def secretary_of(session: SessionInfo) -> str:
    if session.secretary.strip():
        return session.secretary.strip()
    return next((m.name for m in session.members if m.is_secretary), "")


def interventor_of(session: SessionInfo) -> str:
    roles = ("interventor", "interventora")
    return next((m.name for m in session.members if m.role.strip().lower() in roles), "")


def constitution_values(
    session: SessionInfo, acta: Acta, labels: dict[str, str], clean: Clean
) -> dict[str, str | bool]:
    """Times, president, secretary, interventor, who attended, was excused or absent, quorum."""
    unknown = labels["unknown"]
    members = {m.name.casefold(): m for m in session.members}
    att = acta.attendance
    known = bool(att.present or att.excused or att.absent or att.count_present is not None)
    values: dict[str, str | bool] = {
        "start_time": acta.start_time or session.start_time or unknown,
        "end_time": acta.end_time or unknown,
        "president": clean(president_of(session)) or unknown,
        "secretary": clean(secretary_of(session)) or unknown,
        "interventor": clean(interventor_of(session)),
    }
    for key, names in (("present", att.present), ("excused", att.excused), ("absent", att.absent)):
        if not known:
            values[key] = unknown
        elif key == "present" and not names and att.count_present is not None:
            values[key] = labels["count_present"].format(n=att.count_present)
        else:
            values[key] = "; ".join(clean(_with_group(n, members)) for n in names) or labels["none"]
    legal = session.roster.legal_count
    if att.quorum is None or att.count_present is None or legal is None:
        values["quorum"], values["quorum_warning"] = labels["quorum_unknown"], True
    elif att.quorum:
        values["quorum"] = labels["quorum_yes"].format(n=att.count_present, legal=legal)
        values["quorum_warning"] = False
    else:
        values["quorum"] = labels["quorum_no"].format(n=att.count_present, legal=legal)
        values["quorum_warning"] = True
    return values


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


def signature_values(session: SessionInfo, labels: dict[str, str], clean: Clean) -> dict[str, str]:
    """The signature block: the secretary, and the president's Vº Bº, titled by their role."""
    secretary, president = secretary_of(session), president_of(session)
    return {
        "sign_secretary_title": _signature_title(session, secretary, labels, "sign_secretary"),
        "sign_secretary": clean(secretary),
        "sign_president_title": _signature_title(session, president, labels, "sign_president"),
        "sign_president": clean(president),
    }


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
