"""What a save changed in a transcript: by intervention, by speaker, by word.

Pure functions over :class:`plenaria.domain.Transcript`, used by the editor's
history (the diff between two versions) and by the live notice of a colleague's
save (which interventions changed). Interventions are compared by id, speakers
are shown by their label, never by their internal id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plenaria.assembly.word_diff import WordOp, word_ops
from plenaria.domain import Intervention, Speaker, Transcript

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
