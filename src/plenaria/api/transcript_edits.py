"""The transcript routes' shell around :mod:`plenaria.assembly.edits`: JSON in and out.

The editor sends JSON (whole interventions with their edited ``text``); these
functions read it into the :class:`~plenaria.domain.Transcript` model, turn a
malformed part into a 422 naming it, check the people named against the
council's roster (from the database), and leave the edits themselves
(re-alignment, patching, checks, diffs) to the pure functions in assembly.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from plenaria.api.schemas import Strict, VersionNumber
from plenaria.api.schemas_transcripts import TranscriptPatch
from plenaria.assembly.acta import with_acta
from plenaria.assembly.edits import (
    checked,
    intervention_diffs,
    speaker_diffs,
    with_patch,
    with_texts,
)
from plenaria.assembly.summary import with_summaries
from plenaria.db import civic
from plenaria.domain import Intervention, Speaker, Transcript
from plenaria.domain_acta import Acta
from plenaria.errors import InputError, NotFoundError

SUMMARY_MAX_CHARS = 5000


class SummaryEdit(Strict):
    parent: VersionNumber = Field(description="The version the summary was edited on.")
    summary: str | None = Field(
        max_length=SUMMARY_MAX_CHARS,
        description="The clerk's synthesis of the intervention (ROF 109.1.g), kept as written "
        "when its words are corrected later; null: the automatic one again, made from its words.",
    )


class ItemStartEdit(Strict):
    parent: VersionNumber = Field(description="The version the item's start was set on.")
    intervention: str | None = Field(
        max_length=200,
        description="The intervention the agenda item starts at (as the clerk says); null: "
        'where it is heard again ("Punto tercero...").',
    )


def with_item_start(
    parent: dict[str, Any], number: int, intervention_id: str | None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``parent`` with agenda item ``number`` starting at intervention ``intervention_id``
    (None: found from what is said again), its acta found again; and the interventions whose
    item changed, by id. 404 for an item not on the agenda or an unknown intervention."""
    try:
        base = Transcript.from_dict(parent)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise invalid("la versión de partida no tiene la forma de una transcripción", e) from e
    if number not in {a.number for a in base.session.agenda}:
        raise NotFoundError(
            f"El orden del día no tiene el punto {number}.",
            "Elija uno de los puntos del orden del día de la sesión.",
        )
    ids = {iv.id for iv in base.interventions if iv.words}
    if intervention_id is not None and intervention_id not in ids:
        raise NotFoundError(
            f"La transcripción no tiene la intervención {intervention_id!r}.",
            "Recargue la transcripción: quizá se unió a otra o se borró.",
        )
    acta = base.acta or Acta()
    fixed = {n: iid for n, iid in acta.fixed_starts if n != number}
    if intervention_id is not None:
        fixed[number] = intervention_id
    marked = replace(acta, fixed_starts=tuple(sorted(fixed.items())))
    content = with_acta(replace(base, acta=marked)).to_dict()
    before = {iv.id: iv.agenda_item for iv in base.interventions}
    moved = {
        str(i["id"]): i for i in content["interventions"] if before.get(i["id"]) != i["agenda_item"]
    }
    return content, moved


class VersionCache:
    """The content of the last few versions read or written, by (session id, number).

    Versions never change once stored, so a save can start from the parent's
    content without decoding megabytes of JSON again. Shared by the request
    threads of one app, behind a lock; contents are never mutated.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> dict[str, Any] | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, int], content: dict[str, Any]) -> None:
        with self._lock:
            self._items[key] = content
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def invalid(what: str, e: Exception) -> InputError:
    return InputError(f"El texto no es válido: {what} ({type(e).__name__}: {e}).")


def _text_of(item: Any, n: int) -> str | None:
    """The editor's text of an intervention sent as JSON (None: not sent)."""
    if not isinstance(item, dict) or not isinstance(item.get("words", []), list):
        raise InputError(f"El texto no es válido: la intervención {n} no es un objeto.")
    text = item.get("text")
    if text is not None and not isinstance(text, str):
        raise InputError(f"El texto no es válido: el texto de la intervención {n} no es texto.")
    return text


def _intervention(item: dict[str, Any]) -> Intervention:
    try:
        return Intervention.from_dict(item)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise invalid(f"la intervención {item.get('id')!r}", e) from e


def saved(
    db: Session, council_id: str, content: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A whole transcript sent by the editor, canonical, re-aligned where its text was edited
    and with its acta found again; and the re-aligned interventions by id. 422 naming what
    is wrong."""
    items = content.get("interventions")
    if not isinstance(items, list):
        raise InputError("El texto no es válido: 'interventions' tiene que ser una lista.")
    texts = [_text_of(item, n) for n, item in enumerate(items)]
    try:
        transcript = Transcript.from_dict(content)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise invalid("no tiene la forma de una transcripción", e) from e
    transcript, realigned = with_texts(checked(transcript), texts)
    _check_people(db, council_id, transcript.speakers)
    return _with_realigned(with_acta(transcript).to_dict(), realigned)


def patched(
    db: Session, council_id: str, parent: dict[str, Any], body: TranscriptPatch
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``parent`` with the changed interventions and speakers put in, re-aligned, with its
    acta and summaries found again; and the re-aligned or re-summarised interventions by id."""
    texts = [_text_of(item, n) for n, item in enumerate(body.interventions)]
    sent = [
        (_intervention(item), text) for item, text in zip(body.interventions, texts, strict=True)
    ]
    try:
        speakers = [Speaker.from_dict(sp) for sp in body.speakers]
    except (KeyError, TypeError, ValueError) as e:
        raise invalid("un interviniente", e) from e
    _check_people(db, council_id, speakers)
    try:
        base = Transcript.from_dict(parent)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise invalid("la versión de partida no tiene la forma de una transcripción", e) from e
    transcript, realigned = with_patch(base, sent, speakers, body.order)
    content, changed = _with_realigned(with_acta(transcript).to_dict(), realigned)
    return content, changed | _resummarised(content, [item for item, _ in sent])


def _resummarised(
    content: dict[str, Any], sent: Iterable[Intervention]
) -> dict[str, dict[str, Any]]:
    """The interventions sent whose summary was made again from their words (a split's, a
    merge's), as saved: the editor shows them as the server has them."""
    items = {str(i["id"]): i for i in content["interventions"]}
    return {
        s.id: items[s.id] for s in sent if s.id in items and items[s.id]["summary"] != s.summary
    }


def with_summary(
    parent: dict[str, Any], intervention_id: str, summary: str | None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``parent`` with the summary of intervention ``intervention_id`` written by a clerk
    (``None``: made from its words again); and that intervention by id. 404 when the
    version has no such intervention, 422 for a blank summary."""
    text = " ".join(summary.split()) if summary is not None else None
    if text == "":
        raise InputError(
            "El resumen está vacío.",
            "Escriba la síntesis de la intervención, o envíe null para volver al resumen "
            "automático.",
        )
    try:
        base = Transcript.from_dict(parent)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise invalid("la versión de partida no tiene la forma de una transcripción", e) from e
    found = [n for n, item in enumerate(base.interventions) if item.id == intervention_id]
    if not found:
        raise NotFoundError(
            f"La transcripción no tiene la intervención {intervention_id!r}.",
            "Recargue la transcripción: quizá se unió a otra o se borró.",
        )
    items = list(base.interventions)
    item = items[found[0]]
    items[found[0]] = replace(
        item, summary=text or "", summary_edited=text is not None, summary_by=""
    )
    content = with_summaries(replace(base, interventions=tuple(items))).to_dict()
    return content, {intervention_id: content["interventions"][found[0]]}


def _with_realigned(
    content: dict[str, Any], realigned: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    items = {str(i["id"]): i for i in content["interventions"]}
    return content, {k: items[k] for k in realigned if k in items}


def diff(
    before: dict[str, Any] | None, after: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What changed from ``before`` to ``after``: interventions (with their word runs) and
    speakers, by name (:mod:`plenaria.assembly.edits`)."""
    old = Transcript.from_dict(before) if before is not None else None
    new = Transcript.from_dict(after)
    return (
        [d.to_dict() for d in intervention_diffs(old, new)],
        [d.to_dict() for d in speaker_diffs(old, new)],
    )


def _check_people(db: Session, council_id: str, speakers: Iterable[Speaker]) -> None:
    wanted = {s.person_id: s.id for s in speakers if s.person_id is not None}
    if not wanted:
        return
    missing = sorted(set(wanted) - {p.id for p in civic.list_roster(db, council_id)})
    if missing:
        raise InputError(
            f"El interviniente {wanted[missing[0]]} nombra a la persona {missing[0]!r}, que no "
            "es de la corporación de su ayuntamiento.",
            "Elija a una persona de la lista de miembros.",
        )


def render_output(transcript: Transcript, kind: str, url_template: str, lang: str) -> bytes:
    """One output file, made from ``transcript`` now."""
    from plenaria.formats.captions import to_srt, to_webvtt
    from plenaria.formats.jsonio import transcript_to_json

    if kind == "json":
        return transcript_to_json(transcript).encode("utf-8")
    if kind == "vtt":
        return to_webvtt(transcript).encode("utf-8")
    if kind == "srt":
        return to_srt(transcript).encode("utf-8")
    from plenaria.acts.draft import render_draft_acta

    with tempfile.TemporaryDirectory(prefix="plenaria-docx-") as folder:
        dest = Path(folder) / "acta.docx"
        render_draft_acta(transcript, dest, url_template=url_template, lang=lang)
        return dest.read_bytes()
