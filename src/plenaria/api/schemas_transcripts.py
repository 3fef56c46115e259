"""Request and response bodies of the editor's transcript: saves, versions, diffs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from plenaria.api.schemas import Strict, VersionNumber


class TranscriptSave(Strict):
    parent: VersionNumber | None = Field(description="The version these edits were made on.")
    transcript: dict[str, Any] = Field(description="The whole transcript, as GET returns it.")


class TranscriptPatch(Strict):
    parent: VersionNumber = Field(description="The version these edits were made on.")
    interventions: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Changed interventions, each whole, replacing the one with its id.",
    )
    speakers: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Changed speakers, replacing the one with their id; a new id is added.",
    )
    order: list[str] | None = Field(
        default=None,
        description=(
            "Every intervention id in the new order, when interventions were split, merged "
            "or removed: an id of the parent left out is removed; a new id must come with "
            "its intervention in 'interventions'."
        ),
    )


class RestoreIn(Strict):
    parent: VersionNumber | None = Field(
        default=None, description="The latest version, as you know it."
    )


class VersionPublic(BaseModel):
    number: int
    parent: int | None
    author: str | None = Field(description="The author's email; null: the machine.")
    job_id: str | None
    created_at: datetime


class TranscriptPublic(VersionPublic):
    session_id: str
    source_job_id: str | None = Field(description="The job whose proxy video this is edited on.")
    transcript: dict[str, Any]


class SavedPublic(VersionPublic):
    interventions: dict[str, dict[str, Any]] = Field(
        description="The interventions whose words were re-aligned, by id."
    )


class WordOpPublic(BaseModel):
    op: Literal["equal", "insert", "delete", "replace"]
    before: str = Field(description="The words before, joined by spaces ('' for an insert).")
    after: str = Field(description="The words after, joined by spaces ('' for a delete).")


class InterventionChange(BaseModel):
    id: str
    before: str | None
    after: str | None
    speaker_before: str | None = Field(description="The speaker's name or label, before.")
    speaker_after: str | None = Field(description="The speaker's name or label, after.")
    ops: list[WordOpPublic] = Field(description="The word runs, in order, before to after.")


class SpeakerChange(BaseModel):
    id: str
    before: str | None = Field(description="The speaker's name or label before; null: absent.")
    after: str | None = Field(description="The speaker's name or label after; null: absent.")


class VersionDiff(BaseModel):
    number: int
    against: int | None
    interventions: list[InterventionChange]
    speakers: list[SpeakerChange]
