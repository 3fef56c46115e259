"""The voice profile store and enrollment from audio.

Profiles live under ``<data_dir>/voices`` as one JSON file per person,
``<id>.json``, holding embeddings only (never audio) and written atomically.
There is no index: the folder is the list, so removing a person's file removes
every trace of their voice.

Enrollment takes any media file, optionally a span of it
(``"pleno.mp4:1:05-2:30"``), extracts its audio as 16 kHz mono WAV into a
temporary folder, keeps the parts loud enough to be speech, and adds the
embeddings of those parts to the person's profile (one sample per source).
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from plenaria.cache import atomic_write_text
from plenaria.diarization.base import DiarizationOptions
from plenaria.diarization.models import encoder_id
from plenaria.diarization.profiles import VoiceProfile, enroll, profile_id
from plenaria.domain import Segment
from plenaria.errors import InputError

log = logging.getLogger(__name__)

SOURCE_FORMAT = (
    "Escriba ARCHIVO o ARCHIVO:INICIO-FIN, con los tiempos en segundos, mm:ss o hh:mm:ss "
    "(p. ej. pleno.mp4:1:05-2:30 o pleno.mp4:65-150)."
)
MIN_SPEECH_S = 1.0  # less speech than this in a source is not a usable sample
FRAME_S = 0.03  # energy frames of the speech gate
GATE_DB = 35.0  # frames this far below the loud frames (95th percentile) are silence
FLOOR_DBFS = -55.0  # ... and frames below this level always are
JOIN_GAP_S = 0.3  # pauses shorter than this stay inside one speech region
MIN_REGION_S = 0.3  # shorter bursts (clicks, coughs) are dropped


class SegmentEmbedder(Protocol):
    """What enrollment needs of a loaded encoder (EmbeddedDiarizer has it)."""

    model_id: str

    def embed_segments(
        self, wav: Path, segments: Sequence[Segment], options: DiarizationOptions
    ) -> npt.NDArray[np.float32]: ...


class VoiceStore:
    """Voice profiles as ``<root>/<id>.json`` files."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def default(cls) -> VoiceStore:
        """The store under the settings' ``data_dir``."""
        from plenaria.config import get_settings

        return cls(get_settings().data_dir / "voices")

    def path(self, profile_id_: str) -> Path:
        return self.root / f"{profile_id_}.json"

    def list(self) -> tuple[VoiceProfile, ...]:
        """Every readable profile, sorted by name (damaged files are logged and skipped)."""
        found: list[VoiceProfile] = []
        if not self.root.is_dir():
            return ()
        for file in sorted(self.root.glob("*.json")):
            try:
                found.append(self._read(file))
            except InputError as e:
                log.warning("%s", e)
        return tuple(sorted(found, key=lambda p: (p.name.casefold(), p.id)))

    def get(self, name_or_id: str) -> VoiceProfile | None:
        """The profile with this id, or this name (case and accents ignored), or None."""
        key = name_or_id.strip()
        if not key:
            return None
        for candidate in (key, profile_id(key)):
            file = self.path(candidate)
            if _safe_id(candidate) and file.is_file():
                return self._read(file)
        wanted = profile_id(key)
        for p in self.list():
            if p.name.casefold() == key.casefold() or profile_id(p.name) == wanted:
                return p
        return None

    def save(self, profile: VoiceProfile) -> Path:
        if not _safe_id(profile.id):
            raise InputError(
                f"Id de perfil de voz no válido: {profile.id!r}.", "Use profile_id(nombre)."
            )
        text = json.dumps(profile.to_dict(), ensure_ascii=False, indent=1)
        return atomic_write_text(self.path(profile.id), text + "\n")

    def remove(self, name_or_id: str) -> bool:
        """Delete the person's profile file (and any half-written copy); False when none."""
        try:
            profile = self.get(name_or_id)
        except InputError:  # a damaged file is removed by its id
            profile = None
        pid = profile.id if profile is not None else name_or_id.strip()
        if not _safe_id(pid):
            return False
        file = self.path(pid)
        leftovers = list(self.root.glob(f".{file.name}.*.tmp")) if self.root.is_dir() else []
        existed = file.is_file()
        file.unlink(missing_ok=True)
        for tmp in leftovers:
            tmp.unlink(missing_ok=True)
        if existed:
            log.info("removed voice profile %s", pid)
        return existed

    def _read(self, file: Path) -> VoiceProfile:
        try:
            data: Any = json.loads(file.read_text(encoding="utf-8"))
            return VoiceProfile.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise InputError(
                f"El archivo del perfil de voz {file} está dañado ({e}).",
                f"Bórrelo (plenaria voices remove {file.stem}) y vuelva a registrar a la persona.",
            ) from e


def _safe_id(pid: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9][a-z0-9-]{0,127}", pid))


def parse_time(text: str) -> float:
    """Seconds from ``"65"``, ``"65.5"``, ``"1:05"`` or ``"1:01:05"``; ValueError otherwise."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or not all(re.fullmatch(r"\d+(\.\d+)?", p) for p in parts):
        raise ValueError(text)
    if any("." in p for p in parts[:-1]) or any(float(p) >= 60 for p in parts[1:]):
        raise ValueError(text)
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + float(p)
    return seconds


def parse_source(spec: str) -> tuple[Path, Segment | None]:
    """``"FILE"`` or ``"FILE:START-END"`` into a path and a span (None: the whole file)."""
    text = spec.strip()
    if not text:
        raise InputError("Empty enrollment source.", SOURCE_FORMAT)
    if Path(text).exists():
        return Path(text), None
    for m in re.finditer(":", text):
        rest = text[m.end() :]
        if rest and re.fullmatch(r"[\d:.\s-]+", rest):
            path, span = Path(text[: m.start()]), rest
            start_s, sep, end_s = span.partition("-")
            try:
                start, end = parse_time(start_s), parse_time(end_s)
            except ValueError:
                raise InputError(
                    f"No se entiende el tramo de tiempo {span!r} de {spec!r}.", SOURCE_FORMAT
                ) from None
            if not sep or end <= start:
                raise InputError(
                    f"El tramo {span!r} de {spec!r} tiene que acabar después de empezar.",
                    SOURCE_FORMAT,
                )
            return path, Segment(start, end)
    return Path(text), None


def speech_regions(samples: npt.NDArray[np.float32], offset_s: float = 0.0) -> list[Segment]:
    """Where a 16 kHz signal is loud enough to be speech (a simple energy gate), absolute times."""
    from plenaria.media.audio import SAMPLE_RATE

    frame = round(FRAME_S * SAMPLE_RATE)
    n = len(samples) // frame
    if n == 0:
        return []
    frames = samples[: n * frame].astype(np.float64).reshape(n, frame)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = db >= max(FLOOR_DBFS, float(np.percentile(db, 95)) - GATE_DB)
    regions: list[Segment] = []
    i = 0
    while i < n:
        if not loud[i]:
            i += 1
            continue
        j = i
        while j < n and loud[j]:
            j += 1
        start, end = offset_s + i * FRAME_S, offset_s + j * FRAME_S
        if regions and start - regions[-1].end < JOIN_GAP_S:
            regions[-1] = Segment(regions[-1].start, end)
        else:
            regions.append(Segment(start, end))
        i = j
    return [r for r in regions if r.duration >= MIN_REGION_S]


def enroll_from_audio(
    embedder: SegmentEmbedder,
    store: VoiceStore,
    name: str,
    sources: Sequence[tuple[Path, Segment | None]],
    *,
    role: str | None = None,
    group: str | None = None,
    options: DiarizationOptions | None = None,
) -> VoiceProfile:
    """Add each source (a file, or a span of it) as one sample of ``name``'s profile and save it.

    A person already in the store (same name or id) is updated, not duplicated.
    Raises InputError for a missing or unreadable file, a span outside the
    file, or a source with less than MIN_SPEECH_S of speech.
    """
    from plenaria.media.audio import audio_duration, extract_audio, read_audio

    if not name.strip():
        raise InputError(
            "Un perfil de voz necesita un nombre.", "Dé el nombre completo de la persona."
        )
    if not sources:
        raise InputError(f"No se ha dado audio para registrar a {name}.", SOURCE_FORMAT)
    opts = options or DiarizationOptions()
    profile = store.get(name)
    with tempfile.TemporaryDirectory(prefix="plenaria-voice-") as tmp:
        for k, (src, span) in enumerate(sources):
            if not src.is_file():
                raise InputError(f"No se encuentra el audio de registro: {src}.", "Revise la ruta.")
            wav = extract_audio(src, Path(tmp) / f"source{k}.wav")
            duration = audio_duration(wav)
            part = span or Segment(0.0, duration)
            if part.start >= duration:
                raise InputError(
                    f"El tramo {part.start:.1f}-{part.end:.1f} s empieza después del final de "
                    f"{src.name} (dura {duration:.1f} s).",
                    SOURCE_FORMAT,
                )
            part = Segment(part.start, min(part.end, duration))
            regions = speech_regions(read_audio(wav, part), part.start)
            seconds = sum(r.duration for r in regions)
            if seconds < MIN_SPEECH_S:
                raise InputError(
                    f"Solo hay {seconds:.1f} s de voz en {src.name} "
                    f"{part.start:.1f}-{part.end:.1f} s: muy poco para aprender una voz.",
                    "Dé un tramo en el que la persona hable al menos unos segundos.",
                )
            pieces = embedder.embed_segments(wav, regions, opts)
            profile = enroll(
                profile,
                pieces,
                seconds,
                name=name,
                role=role,
                group=group,
                model_id=encoder_id(embedder.model_id),
            )
            log.info("enrolled %s from %s: %.1f s of speech", profile.name, src.name, seconds)
    if profile is None:  # pragma: no cover - sources is not empty
        raise InputError(f"No se ha dado audio para registrar a {name}.", SOURCE_FORMAT)
    store.save(profile)
    return profile
