"""What saving a transcript does to it: validate, patch, re-align, compare, render.

Plain functions over the transcript's JSON form (and the council's roster, read
from the database), used by the transcript routes. An intervention whose
``text`` differs from its words is re-aligned
(:func:`plenaria.assembly.realign.realign`): untouched words keep their times,
changed and inserted words get times from their neighbours.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from plenaria.api.schemas import TranscriptPatch
from plenaria.assembly.acta import with_acta
from plenaria.assembly.edits import intervention_diffs, speaker_diffs
from plenaria.assembly.realign import realign, tokens
from plenaria.db import civic
from plenaria.domain import Intervention, Segment, Speaker, Transcript, Word
from plenaria.errors import InputError


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


def realign_edits(
    content: dict[str, Any], taken: set[str] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The transcript with every edited intervention's words re-aligned, and those interventions.

    An intervention is edited when its ``text`` is not its words' texts joined.
    ``taken``: word ids in use elsewhere in the transcript (new ids avoid them).
    """
    items = content.get("interventions")
    if not isinstance(items, list):
        raise InputError("El texto no es válido: 'interventions' tiene que ser una lista.")
    taken = set(taken or ())
    edited: list[int] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("words", []), list):
            raise InputError(f"El texto no es válido: la intervención {n} no es un objeto.")
        words = item.get("words", [])
        taken.update(str(w.get("id", "")) for w in words if isinstance(w, dict))
        text = item.get("text")
        if text is not None and not isinstance(text, str):
            raise InputError(f"El texto no es válido: el texto de la intervención {n} no es texto.")
        if text is not None and tokens(text) != [
            str(w.get("text", "")).strip() for w in words if isinstance(w, dict)
        ]:
            edited.append(n)
    if not edited:
        return content, {}
    out_items = list(items)
    changed: dict[str, dict[str, Any]] = {}
    for n in edited:
        item = items[n]
        try:
            words = [Word.from_dict(w) for w in item.get("words", [])]
            segment = Segment.from_dict(item)
        except (KeyError, TypeError, ValueError) as e:
            raise invalid(f"la intervención {n}", e) from e
        anchor = str(item.get("id") or f"i{n}") + "w"
        new_words = realign(
            words, item["text"], start=segment.start, end=segment.end, taken=taken, anchor=anchor
        )
        start = min([segment.start, *(w.start for w in new_words)])
        end = max([segment.end, *(w.end for w in new_words)])
        new_item = {
            **item,
            "start": round(start, 3),
            "end": round(end, 3),
            "words": [w.to_dict() for w in new_words],
            "text": " ".join(w.text for w in new_words),
        }
        out_items[n] = new_item
        changed[str(item.get("id", n))] = new_item
    return {**content, "interventions": out_items}, changed


def validated(db: Session, council_id: str, content: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a transcript sent by the editor, or a 422 naming what is wrong."""
    try:
        transcript = Transcript.from_dict(content)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise invalid("no tiene la forma de una transcripción", e) from e
    speakers = {s.id for s in transcript.speakers}
    if len(speakers) != len(transcript.speakers):
        raise InputError("El texto no es válido: dos intervinientes tienen el mismo id.")
    ids = [i.id for i in transcript.interventions]
    if len(set(ids)) != len(ids):
        raise InputError("El texto no es válido: dos intervenciones tienen el mismo id.")
    for item in transcript.interventions:
        if item.speaker not in speakers:
            raise InputError(
                f"El texto no es válido: la intervención {item.id} nombra al interviniente "
                f"{item.speaker!r}, que no está en 'speakers'."
            )
    roster = {p.id for p in civic.list_roster(db, council_id)}
    for s in transcript.speakers:
        if s.person_id is not None and s.person_id not in roster:
            raise InputError(
                f"El interviniente {s.id} nombra a la persona {s.person_id!r}, que no es de la "
                "corporación de su ayuntamiento.",
                "Elija a una persona de la lista de miembros.",
            )
    return with_acta(transcript).to_dict()


def recomputed(content: dict[str, Any]) -> dict[str, Any]:
    """The transcript's JSON with its acta found again from what it now says.

    Agenda items, votes, attendance and times follow the corrections; each
    intervention's ``agenda_item`` is set from the items found.
    """
    try:
        transcript = Transcript.from_dict(content)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise invalid("it does not have the transcript's shape", e) from e
    return with_acta(transcript).to_dict()


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


def patched(
    db: Session, council_id: str, parent: dict[str, Any], body: TranscriptPatch
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``parent`` with the changed interventions and speakers put in, validated and re-aligned.

    Only the changed items are validated; the rest are the parent's, already valid.
    """
    items = _ordered(parent["interventions"], body)
    where = {str(item["id"]): n for n, item in enumerate(items)}
    for item in body.interventions:
        key = str(item.get("id", ""))
        if key not in where:
            raise InputError(
                f"El texto no es válido: la versión {body.parent} no tiene la intervención "
                f"{key!r}.",
                "Envíe las intervenciones cambiadas con el id con que se cargaron, y las nuevas "
                "con su lugar en 'order'.",
            )
    speakers = list(parent["speakers"])
    by_id = {str(s["id"]): n for n, s in enumerate(speakers)}
    for sp in body.speakers:
        try:
            canonical = Speaker.from_dict(sp).to_dict()
        except (KeyError, TypeError, ValueError) as e:
            raise invalid("un interviniente", e) from e
        if canonical["id"] in by_id:
            speakers[by_id[canonical["id"]]] = canonical
        else:
            by_id[canonical["id"]] = len(speakers)
            speakers.append(canonical)
    _check_people(db, council_id, body.speakers)
    taken = {str(w.get("id", "")) for item in items for w in item.get("words", ())}
    changed_in, realigned = realign_edits({"interventions": body.interventions}, taken)
    for item in changed_in["interventions"]:
        try:
            canonical = Intervention.from_dict(item).to_dict()
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise invalid(f"la intervención {item.get('id')!r}", e) from e
        if canonical["speaker"] not in by_id:
            raise InputError(
                f"El texto no es válido: la intervención {canonical['id']} nombra al interviniente "
                f"{canonical['speaker']!r}, que no está en 'speakers'."
            )
        items[where[canonical["id"]]] = canonical
    content = recomputed({**parent, "interventions": items, "speakers": speakers})
    items = content["interventions"]
    for n in (where[k] for k in realigned):
        realigned[items[n]["id"]] = items[n]
    return content, realigned


def _ordered(parent_items: list[dict[str, Any]], body: TranscriptPatch) -> list[dict[str, Any]]:
    """The parent's interventions in ``body.order`` (new ones as placeholders to fill)."""
    if body.order is None:
        return list(parent_items)
    if len(set(body.order)) != len(body.order):
        raise InputError("El texto no es válido: un id aparece dos veces en 'order'.")
    old = {str(item["id"]): item for item in parent_items}
    sent = {str(item.get("id", "")) for item in body.interventions}
    unknown = [k for k in body.order if k not in old and k not in sent]
    if unknown:
        raise InputError(
            f"El texto no es válido: la intervención {unknown[0]!r} está en 'order' pero "
            "ni en la versión de partida ni en 'interventions'."
        )
    missing = sorted(sent - set(body.order))
    if missing:
        raise InputError(
            f"El texto no es válido: la intervención {missing[0]!r} no está en 'order'."
        )
    return [old.get(k, {"id": k}) for k in body.order]


def _check_people(db: Session, council_id: str, speakers: list[dict[str, Any]]) -> None:
    wanted = {str(s["person_id"]) for s in speakers if s.get("person_id") is not None}
    if not wanted:
        return
    missing = sorted(wanted - {p.id for p in civic.list_roster(db, council_id)})
    if missing:
        raise InputError(
            f"La persona {missing[0]!r} no es de la corporación de su ayuntamiento.",
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
