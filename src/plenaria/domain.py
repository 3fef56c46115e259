"""The canonical, immutable transcript model that flows through every stage.

Times are seconds from the start of the recording, as floats. Every class is a
frozen dataclass; stages return new objects and never mutate their inputs.
Serialization is explicit (``to_dict`` / ``from_dict``) and versioned by
``SCHEMA_VERSION``: no dicts are passed between stages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from plenaria.domain_acta import Acta, Member, Roster

# 1.1: the "acta" block and the "warnings" list (additions: a reader ignores what it does
# not know, so 1.0 files and 1.1 files without warnings still read).
# 1.2: each intervention's "summary" and "summary_edited" (a 1.1 file reads with none).
SCHEMA_VERSION = "1.2"


@dataclass(frozen=True, slots=True, order=True)
class Segment:
    """A time span ``[start, end)`` in seconds, as in pyannote.core."""

    start: float
    end: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"el final {self.end} es anterior al inicio {self.start}")

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2

    def overlap(self, other: Segment) -> float:
        """Seconds shared with ``other`` (0 when disjoint)."""
        return max(0.0, min(self.end, other.end) - max(self.start, other.start))

    def contains(self, t: float) -> bool:
        return self.start <= t < self.end

    def shifted(self, offset: float) -> Segment:
        return Segment(self.start + offset, self.end + offset)

    def to_dict(self) -> dict[str, float]:
        return {"start": round(self.start, 3), "end": round(self.end, 3)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Segment:
        return cls(float(d["start"]), float(d["end"]))


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its absolute timing and confidence."""

    text: str
    start: float
    end: float
    probability: float = 1.0
    id: str = ""  # stable once assembled ("w000001"); the editor gives new words new ids

    @property
    def segment(self) -> Segment:
        return Segment(self.start, max(self.start, self.end))

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2

    def shifted(self, offset: float) -> Word:
        return replace(self, start=self.start + offset, end=self.end + offset)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id} if self.id else {}
        d.update(
            text=self.text,
            start=round(self.start, 3),
            end=round(self.end, 3),
            probability=round(self.probability, 4),
        )
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Word:
        return cls(
            str(d["text"]),
            float(d["start"]),
            float(d["end"]),
            float(d["probability"]),
            str(d.get("id", "")),
        )


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of the recording's audio, cut in silence; ``segment.start`` is its offset."""

    index: int
    segment: Segment

    @property
    def offset(self) -> float:
        return self.segment.start


@dataclass(frozen=True, slots=True)
class LanguageSpan:
    """A stretch of a chunk transcribed in one language (a decoding window's, or a turn's)."""

    segment: Segment
    language: str

    def to_list(self) -> list[Any]:
        return [round(self.segment.start, 3), round(self.segment.end, 3), self.language]

    @classmethod
    def from_list(cls, v: list[Any]) -> LanguageSpan:
        return cls(Segment(float(v[0]), float(v[1])), str(v[2]))


def language_at(spans: Sequence[LanguageSpan], t: float, default: str) -> str:
    """The language of the span holding ``t``, else of the nearest span; ``default`` with
    no span."""
    if not spans:
        return default
    nearest = min(spans, key=lambda s: max(s.segment.start - t, t - s.segment.end, 0.0))
    return nearest.language


@dataclass(frozen=True, slots=True)
class ChunkTranscript:
    """What the recogniser heard in one chunk; word times are absolute.

    ``model_id`` names the recogniser that made it (backend, model, weights, compute type).
    ``language`` is the chunk's (the language of most of its words); ``spans`` say where
    the chunk was transcribed in which language when that changed within it (turns in
    different languages), as absolute ``[start, end, language]`` triples; empty: all of
    it in ``language``.
    """

    chunk: Chunk
    language: str
    words: tuple[Word, ...]
    model_id: str = ""
    spans: tuple[LanguageSpan, ...] = ()

    def with_model(self, model_id: str) -> ChunkTranscript:
        return replace(self, model_id=model_id)

    def language_at(self, t: float) -> str:
        """The language the chunk was transcribed in at ``t`` (absolute seconds): that of
        the span holding it, else of the nearest span, else the chunk's."""
        return language_at(self.spans, t, self.language)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "index": self.chunk.index,
            "segment": self.chunk.segment.to_dict(),
            "language": self.language,
            "words": [w.to_dict() for w in self.words],
            "model_id": self.model_id,
        }
        if self.spans:
            d["spans"] = [s.to_list() for s in self.spans]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChunkTranscript:
        return cls(
            Chunk(int(d["index"]), Segment.from_dict(d["segment"])),
            str(d["language"]),
            tuple(Word.from_dict(w) for w in d["words"]),
            str(d.get("model_id", "")),
            tuple(LanguageSpan.from_list(v) for v in d.get("spans", ())),
        )


@dataclass(frozen=True, slots=True)
class Turn:
    """A stretch of time in which one speaker label speaks."""

    speaker: str
    segment: Segment
    overlap: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, **self.segment.to_dict(), "overlap": self.overlap}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Turn:
        return cls(str(d["speaker"]), Segment.from_dict(d), bool(d.get("overlap", False)))


@dataclass(frozen=True, slots=True)
class Diarization:
    """A diarizer's whole result: the turns, and each speaker's centroid voice embedding.

    Naming compares the centroids with the voice profiles, so nothing downstream
    embeds the audio again. ``model_id`` names the diarizer and its weights.
    """

    turns: tuple[Turn, ...]
    centroids: tuple[tuple[str, tuple[float, ...]], ...] = ()
    model_id: str = ""

    @property
    def speakers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.speaker for t in self.turns))

    def centroid(self, speaker: str) -> tuple[float, ...] | None:
        for label, vector in self.centroids:
            if label == speaker:
                return vector
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "turns": [t.to_dict() for t in self.turns],
            "centroids": {k: [round(x, 6) for x in v] for k, v in self.centroids},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Diarization:
        return cls(
            tuple(Turn.from_dict(t) for t in d["turns"]),
            tuple((str(k), tuple(float(x) for x in v)) for k, v in d.get("centroids", {}).items()),
            str(d.get("model_id", "")),
        )


# An unnamed voice's label, by language: "Interviniente 2", "Intervinent 2".
UNNAMED_SPEAKER = {"es": "Interviniente", "ca": "Intervinent"}


@dataclass(frozen=True, slots=True)
class Speaker:
    """A diarized voice, named when it matched a voice profile."""

    id: str
    name: str | None = None
    role: str | None = None
    group: str | None = None
    score: float | None = None
    person_id: str | None = None  # the roster person this voice is, when named

    @property
    def label(self) -> str:
        """What a reader sees: the name, or "Interviniente N" for an unnamed voice."""
        return self.label_in("es")

    def label_in(self, lang: str) -> str:
        """The label in ``lang``: "Interviniente N" (es) or "Intervinent N" (ca) when unnamed."""
        if self.name:
            return self.name
        digits = "".join(ch for ch in self.id if ch.isdigit())
        word = UNNAMED_SPEAKER.get(lang, UNNAMED_SPEAKER["es"])
        return f"{word} {int(digits) + 1}" if digits else self.id

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "name": self.name,
            "role": self.role,
            "group": self.group,
            "score": None if self.score is None else round(self.score, 4),
            "person_id": self.person_id,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Speaker:
        score = d.get("score")
        person = d.get("person_id")
        return cls(
            str(d["id"]),
            d.get("name"),
            d.get("role"),
            d.get("group"),
            None if score is None else float(score),
            None if person is None else str(person),
        )


@dataclass(frozen=True, slots=True)
class Intervention:
    """One speaker's continuous contribution: the unit of the acta."""

    speaker: str
    segment: Segment
    words: tuple[Word, ...]
    language: str = ""
    agenda_item: int | None = None
    id: str = ""  # stable once assembled ("i0001")
    summary: str = ""  # ROF 109.1.g synthesis; empty until summarised
    summary_edited: bool = False  # written by a clerk: never recomputed
    summary_by: str = ""  # "llm:<digest of the words>": made by a language model from them

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words).strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "speaker": self.speaker,
            **self.segment.to_dict(),
            "language": self.language,
            "agenda_item": self.agenda_item,
            "text": self.text,
            "summary": self.summary,
            "summary_edited": self.summary_edited,
            "summary_by": self.summary_by,
            "words": [w.to_dict() for w in self.words],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Intervention:
        item = d.get("agenda_item")
        return cls(
            str(d["speaker"]),
            Segment.from_dict(d),
            tuple(Word.from_dict(w) for w in d["words"]),
            str(d.get("language", "")),
            None if item is None else int(item),
            str(d.get("id", "")),
            str(d.get("summary") or ""),
            bool(d.get("summary_edited", False)),
            str(d.get("summary_by") or ""),
        )


@dataclass(frozen=True, slots=True)
class Stream:
    """One stream of the recording container, as probed."""

    index: int
    kind: str  # "audio" | "video" | other
    codec: str
    channels: int = 0
    sample_rate: int = 0
    width: int = 0
    height: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "codec": self.codec,
            "channels": self.channels,
            "sample_rate": self.sample_rate,
            "width": self.width,
            "height": self.height,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Stream:
        return cls(
            int(d["index"]),
            str(d["kind"]),
            str(d["codec"]),
            int(d.get("channels", 0)),
            int(d.get("sample_rate", 0)),
            int(d.get("width", 0)),
            int(d.get("height", 0)),
        )


@dataclass(frozen=True, slots=True)
class Recording:
    """The original file: what certifies it (SHA-256) and what it holds."""

    file_name: str
    sha256: str
    size_bytes: int
    duration_s: float
    format_name: str
    streams: tuple[Stream, ...] = ()
    gaps: tuple[Segment, ...] = ()  # a live recording's missing stretches (stream dropped)

    @property
    def has_audio(self) -> bool:
        return any(s.kind == "audio" for s in self.streams)

    @property
    def has_video(self) -> bool:
        return any(s.kind == "video" for s in self.streams)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "duration_s": round(self.duration_s, 3),
            "format_name": self.format_name,
            "streams": [s.to_dict() for s in self.streams],
            **({"gaps": [g.to_dict() for g in self.gaps]} if self.gaps else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Recording:
        return cls(
            str(d["file_name"]),
            str(d["sha256"]),
            int(d["size_bytes"]),
            float(d["duration_s"]),
            str(d["format_name"]),
            tuple(Stream.from_dict(s) for s in d.get("streams", [])),
            tuple(Segment.from_dict(g) for g in d.get("gaps", [])),
        )


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """A point of the orden del día."""

    number: int
    title: str
    majority: str = ""  # "absolute": needs an absolute majority; "": a simple one
    vote: bool | None = None  # False: not put to the vote; None: guessed from the title

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"number": self.number, "title": self.title}
        if self.majority:
            out["majority"] = self.majority
        if self.vote is not None:
            out["vote"] = self.vote
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AgendaItem:
        vote = d.get("vote")
        return cls(
            int(d["number"]),
            str(d["title"]),
            str(d.get("majority") or ""),
            None if vote is None else bool(vote),
        )


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """The session's data for the heading of the acta."""

    id: str = ""
    council: str = ""
    date: str = ""  # ISO 8601, YYYY-MM-DD
    session_type: str = "ordinaria"  # ordinaria | extraordinaria | extraordinaria urgente
    place: str = ""
    start_time: str = ""  # HH:MM
    president: str = ""
    secretary: str = ""
    agenda: tuple[AgendaItem, ...] = ()
    vocabulary: tuple[str, ...] = ()  # names, streets... given to the recogniser
    members: tuple[Member, ...] = ()  # the council's roster (empty: none given)
    legal_members: int | None = None  # the legal number of members (quorum, absolute majority)
    call: str = ""  # ROF 109.1.c: "primera" | "segunda" convocatoria; "" not given

    @property
    def roster(self) -> Roster:
        return Roster(self.members, self.legal_members)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "council": self.council,
            "date": self.date,
            "session_type": self.session_type,
            "place": self.place,
            "start_time": self.start_time,
            "president": self.president,
            "secretary": self.secretary,
            "agenda": [a.to_dict() for a in self.agenda],
            "vocabulary": list(self.vocabulary),
            "members": [m.to_dict() for m in self.members],
            "legal_members": self.legal_members,
            "call": self.call,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SessionInfo:
        legal = d.get("legal_members")
        return cls(
            id=str(d.get("id", "")),
            council=str(d.get("council", "")),
            date=str(d.get("date", "")),
            session_type=str(d.get("session_type", "ordinaria")),
            place=str(d.get("place", "")),
            start_time=str(d.get("start_time", "")),
            president=str(d.get("president", "")),
            secretary=str(d.get("secretary", "")),
            agenda=tuple(AgendaItem.from_dict(a) for a in d.get("agenda", [])),
            vocabulary=tuple(str(v) for v in d.get("vocabulary", [])),
            members=tuple(Member.from_dict(m) for m in d.get("members") or []),
            legal_members=None if legal is None else int(legal),
            call=str(d.get("call") or ""),
        )


@dataclass(frozen=True, slots=True)
class Transcript:
    """The whole result for one recording: the canonical document every output is made from."""

    recording: Recording
    session: SessionInfo
    speakers: tuple[Speaker, ...]
    turns: tuple[Turn, ...]
    interventions: tuple[Intervention, ...]
    languages: tuple[str, ...] = ()
    model: str = ""
    schema_version: str = field(default=SCHEMA_VERSION)
    acta: Acta | None = None  # what the recording says for the acta (schema 1.1)
    # What the clerk must know about the result, one Spanish line each (no speech...).
    warnings: tuple[str, ...] = ()

    def speaker(self, speaker_id: str) -> Speaker:
        for s in self.speakers:
            if s.id == speaker_id:
                return s
        return Speaker(speaker_id)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for i in self.interventions for w in i.words)

    @property
    def text(self) -> str:
        return " ".join(i.text for i in self.interventions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "model": self.model,
            "languages": list(self.languages),
            "recording": self.recording.to_dict(),
            "session": self.session.to_dict(),
            "speakers": [s.to_dict() for s in self.speakers],
            "turns": [t.to_dict() for t in self.turns],
            "interventions": [i.to_dict() for i in self.interventions],
            "acta": None if self.acta is None else self.acta.to_dict(),
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Transcript:
        version = str(d.get("schema_version", ""))
        if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            raise ValueError(
                f"El esquema de transcripción {version!r} no se admite (esta versión lee el "
                f"{SCHEMA_VERSION}); vuelva a procesar la grabación con esta versión de Plenaria."
            )
        return cls(
            recording=Recording.from_dict(d["recording"]),
            session=SessionInfo.from_dict(d["session"]),
            speakers=tuple(Speaker.from_dict(s) for s in d["speakers"]),
            turns=tuple(Turn.from_dict(t) for t in d["turns"]),
            interventions=tuple(Intervention.from_dict(i) for i in d["interventions"]),
            languages=tuple(d.get("languages", [])),
            model=str(d.get("model", "")),
            schema_version=version,
            acta=None if d.get("acta") is None else Acta.from_dict(d["acta"]),
            warnings=tuple(str(w) for w in d.get("warnings") or ()),
        )
