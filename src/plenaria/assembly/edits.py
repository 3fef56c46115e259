"""An editor's changes to a transcript: applied, checked, and compared.

Pure functions over :class:`plenaria.domain.Transcript`. A save puts changed
interventions and speakers into the version it was edited from
(:func:`with_patch`, or :func:`with_texts` for a whole transcript); an
intervention whose text no longer matches its words is re-aligned
(:func:`retyped`): untouched words keep their times, changed and inserted words
get times from their neighbours. The history compares two versions by
intervention, by speaker and by word; the live notice of a colleague's save
names the interventions it changed. Interventions are compared by id; speakers
are shown by their label, never by their internal id.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableSet, Sequence
from dataclasses import dataclass, replace
from typing import Any

from plenaria.assembly.realign import realign, tokens
from plenaria.assembly.word_diff import WordOp, word_ops
from plenaria.domain import Intervention, Segment, Speaker, Transcript
from plenaria.errors import InputError

UNNAMED = "Interviniente sin nombre"


@dataclass(frozen=True, slots=True)
class InterventionDiff:
    """One intervention added, removed or changed (text or speaker); None: absent on that side."""

    id: str
    before: str | None
    after: str | None
    speaker_before: str | None
    speaker_after: str | None
    ops: tuple[WordOp, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "before": self.before,
            "after": self.after,
            "speaker_before": self.speaker_before,
            "speaker_after": self.speaker_after,
            "ops": [op.to_dict() for op in self.ops],
        }


@dataclass(frozen=True, slots=True)
class SpeakerDiff:
    """A speaker renamed, added or removed: their label on each side (None: absent)."""

    id: str
    before: str | None
    after: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "before": self.before, "after": self.after}


def speaker_label(speaker: Speaker | None) -> str | None:
    """How a reader names a speaker: the name, "Interviniente N", never a bare internal id."""
    if speaker is None:
        return None
    label = speaker.label
    return UNNAMED if label == speaker.id and not speaker.name else label


def _texts(item: Intervention | None) -> list[str]:
    return [w.text for w in item.words] if item is not None else []


def changed_ids(before: Transcript | None, after: Transcript) -> tuple[str, ...]:
    """The ids of the interventions added, removed or changed in ``after``, in its order
    (removed ones last); every one when there is no ``before``."""
    old = {i.id: i for i in before.interventions} if before is not None else {}
    new = {i.id: i for i in after.interventions}
    return tuple(k for k in dict.fromkeys([*new, *old]) if old.get(k) != new.get(k))


def intervention_diffs(
    before: Transcript | None, after: Transcript
) -> tuple[InterventionDiff, ...]:
    """Each intervention whose words or speaker differ, with the word runs that changed."""
    old = {i.id: i for i in before.interventions} if before is not None else {}
    new = {i.id: i for i in after.interventions}
    old_speakers = {s.id: s for s in before.speakers} if before is not None else {}
    new_speakers = {s.id: s for s in after.speakers}
    out = []
    for key in dict.fromkeys([*old, *new]):
        a, b = old.get(key), new.get(key)
        a_key = (_texts(a), a.speaker) if a is not None else None
        b_key = (_texts(b), b.speaker) if b is not None else None
        if a_key == b_key:
            continue
        out.append(
            InterventionDiff(
                id=key,
                before=a.text if a is not None else None,
                after=b.text if b is not None else None,
                speaker_before=speaker_label(old_speakers.get(a.speaker)) if a else None,
                speaker_after=speaker_label(new_speakers.get(b.speaker)) if b else None,
                ops=word_ops(_texts(a), _texts(b)),
            )
        )
    return tuple(out)


def speaker_diffs(before: Transcript | None, after: Transcript) -> tuple[SpeakerDiff, ...]:
    """Each speaker whose label changed (renamed, added or removed)."""
    old = {s.id: speaker_label(s) for s in before.speakers} if before is not None else {}
    new = {s.id: speaker_label(s) for s in after.speakers}
    return tuple(
        SpeakerDiff(k, old.get(k), new.get(k))
        for k in dict.fromkeys([*old, *new])
        if old.get(k) != new.get(k)
    )


# Applying an editor's changes


def retyped(item: Intervention, text: str, taken: MutableSet[str]) -> Intervention:
    """``item`` saying ``text``: untouched words keep their times and ids, the rest are timed
    from their neighbours (:func:`plenaria.assembly.realign.realign`); ``taken``: the word
    ids in use (the new ones are added)."""
    seg = item.segment
    anchor = f"{item.id or 'i'}w"
    words = realign(item.words, text, start=seg.start, end=seg.end, taken=taken, anchor=anchor)
    start = min([seg.start, *(w.start for w in words)])
    end = max([seg.end, *(w.end for w in words)])
    return replace(item, segment=Segment(round(start, 3), round(end, 3)), words=words)


def is_retyped(item: Intervention, text: str | None) -> bool:
    """Whether the editor's ``text`` for ``item`` differs from its words."""
    return text is not None and tokens(text) != [w.text.strip() for w in item.words]


def word_ids(items: Iterable[Intervention]) -> set[str]:
    return {w.id for item in items for w in item.words}


def with_texts(
    transcript: Transcript, texts: Sequence[str | None]
) -> tuple[Transcript, tuple[str, ...]]:
    """``transcript`` with each intervention whose text (``texts``, by position; None: as
    it is) differs from its words re-aligned; and the ids of those."""
    taken = word_ids(transcript.interventions)
    items = list(transcript.interventions)
    done = []
    for n, (item, text) in enumerate(zip(items, texts, strict=True)):
        if text is not None and is_retyped(item, text):
            items[n] = retyped(item, text, taken)
            done.append(item.id)
    if not done:
        return transcript, ()
    return replace(transcript, interventions=tuple(items)), tuple(done)


def checked(transcript: Transcript) -> Transcript:
    """``transcript`` when its ids are unique and every intervention's speaker is listed;
    otherwise an InputError naming what is wrong."""
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
    return transcript


def with_patch(
    parent: Transcript,
    interventions: Sequence[tuple[Intervention, str | None]],
    speakers: Sequence[Speaker] = (),
    order: Sequence[str] | None = None,
) -> tuple[Transcript, tuple[str, ...]]:
    """``parent`` with the changed interventions (each with the editor's text, None: its
    words) and speakers put in by id, in ``order`` when given (a parent's id left out is
    removed; a new id comes with its intervention); and the ids of those re-aligned.

    The acta is not found again here (:func:`plenaria.assembly.acta.with_acta` does it).
    """
    placed = _placed(parent, [item.id for item, _ in interventions], order)
    by_speaker = {s.id: s for s in parent.speakers}
    by_speaker.update({s.id: s for s in speakers})
    taken = word_ids(parent.interventions) | word_ids(item for item, _ in interventions)
    done = []
    for item, text in interventions:
        if item.speaker not in by_speaker:
            raise InputError(
                f"El texto no es válido: la intervención {item.id} nombra al interviniente "
                f"{item.speaker!r}, que no está en 'speakers'."
            )
        if is_retyped(item, text):
            assert text is not None
            item = retyped(item, text, taken)
            done.append(item.id)
        placed[item.id] = item
    missing = [k for k, v in placed.items() if v is None]
    if missing:  # cannot happen: _placed checked that each new id comes with its item
        raise InputError(f"El texto no es válido: falta la intervención {missing[0]!r}.")
    items = tuple(v for v in placed.values() if v is not None)
    return replace(parent, interventions=items, speakers=tuple(by_speaker.values())), tuple(done)


def _placed(
    parent: Transcript, sent: Sequence[str], order: Sequence[str] | None
) -> dict[str, Intervention | None]:
    """The interventions by id in their new order: the parent's, None for a new one."""
    old = {i.id: i for i in parent.interventions}
    if order is None:
        unknown = [k for k in sent if k not in old]
        if unknown:
            raise InputError(
                f"El texto no es válido: la versión de partida no tiene la intervención "
                f"{unknown[0]!r}.",
                "Envíe las intervenciones cambiadas con el id con que se cargaron, y las "
                "nuevas con su lugar en 'order'.",
            )
        return dict(old)
    if len(set(order)) != len(order):
        raise InputError("El texto no es válido: un id aparece dos veces en 'order'.")
    unknown = [k for k in order if k not in old and k not in set(sent)]
    if unknown:
        raise InputError(
            f"El texto no es válido: la intervención {unknown[0]!r} está en 'order' pero "
            "ni en la versión de partida ni en 'interventions'."
        )
    missing = sorted(set(sent) - set(order))
    if missing:
        raise InputError(
            f"El texto no es válido: la intervención {missing[0]!r} no está en 'order'."
        )
    return {k: old.get(k) for k in order}
