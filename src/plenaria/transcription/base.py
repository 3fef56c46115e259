"""What every speech recogniser offers, and the audio bookkeeping they share.

A backend transcribes ONE chunk of 16 kHz mono audio, and only the speech
regions our VAD found in it: :func:`pack_speech` cuts those regions out (with a
little padding and at most ``max_gap_ms`` of the silence between them), packs
them into decoding windows of at most ``window_s`` seconds, and
:meth:`PackedSpeech.to_source` maps the recogniser's times back onto the chunk.
Silence, music and applause outside the regions are never decoded, which is
the first guard against Whisper's hallucinations; the thresholds of
:class:`TranscriptionOptions` (applied by :func:`keep_segment`) are the second.
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from plenaria.domain import Segment, Word
from plenaria.errors import ConfigError, InputError
from plenaria.transcription.languages import Heard

SAMPLE_RATE = 16_000

# Every option has both bounds: a caller of the service sets them (a 422 outside), and
# no value may make a worker run away (a beam of 10,000, a NaN threshold).
Term = Annotated[str, StringConstraints(max_length=200)]
Code = Annotated[str, StringConstraints(max_length=10)]  # then checked by _code
Temperature = Annotated[float, Field(ge=0.0, le=2.0)]


class TranscriptionOptions(BaseModel):
    """How to decode speech. Part of every chunk's cache key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str | None = Field(
        default=None,
        description="Language code (es, ca, gl, eu, en...). None: detect it (see "
        "detect_languages) and transcribe in the language detected (never translate).",
    )
    detect_languages: tuple[Code, ...] = Field(
        default=(),
        max_length=100,
        description="When detecting, choose only among these codes: the council's languages "
        "(e.g. ('ca', 'es')). Two or more: each decoding window is detected on its own "
        "(from its encoder output) and transcribed in its language, and windows do not "
        "straddle a turn change (turn_gap_ms), so each turn keeps its language. Empty: any "
        "language the model knows, detected once per chunk.",
    )
    turn_gap_ms: int = Field(
        default=800,
        ge=0,
        le=30_000,
        description="With two or more detect_languages (and no language): a pause at least "
        "this long between two speech regions (as our VAD marks them) ends a decoding window, "
        "so that a window holds one turn and one language. 800 ms: on the mixed Catalan and "
        "Spanish pleno of the tests, turn changes leave 0.9-1.6 s, pauses within a turn "
        "0.2 s. 0: windows are filled across pauses as with one language.",
    )
    beam_size: int = Field(default=5, ge=1, le=10, description="Beam search width.")
    batch_size: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Decoding windows run together (faster-whisper). 1: sequential decoding "
        "(faster-whisper's WhisperModel.transcribe). Both retry a failed window hotter.",
    )
    vocabulary: tuple[Term, ...] = Field(
        default=(),
        max_length=5000,
        description="Names, streets, jargon to favour; given to the model as a prompt "
        "(hotwords) on every window (at most 5000 terms of 200 characters).",
    )
    no_speech_threshold: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="A window whose no-speech probability is above this AND whose average "
        "log probability is below log_prob_threshold is dropped as silence.",
    )
    compression_ratio_threshold: float = Field(
        default=2.4,
        gt=0.0,
        le=1e6,
        description="Text whose gzip compression ratio is above this is a repetition loop: "
        "decoded again hotter; dropped if every temperature loops. 1e6: no check.",
    )
    log_prob_threshold: float = Field(
        default=-1.0,
        ge=-100.0,
        le=0.0,
        description="Average token log probability below which a window failed.",
    )
    temperatures: tuple[Temperature, ...] = Field(
        default=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
        min_length=1,
        max_length=10,
        description="Sampling temperatures tried in turn when a window fails (batched: the "
        "failed windows of a batch are decoded again together).",
    )
    condition_on_previous_text: bool = Field(
        default=False,
        description="Give each window the text of the window before it as a prompt (batched: "
        "windows are batched by stride so that text is ready; dropped after a window that "
        "needed a temperature above 0.5, as Whisper does).",
    )
    fill_min_s: float = Field(
        default=3.0,
        gt=0,
        le=30.0,
        description="A window with at least this much room left takes the start of the next "
        "speech region, cut at a pause, so windows are full (as faster-whisper's batched "
        "pipeline fills them); with less, the region opens the next window.",
    )
    speech_pad_ms: int = Field(
        default=200, ge=0, le=5000, description="Audio kept before and after each speech region."
    )
    max_gap_ms: int = Field(
        default=600,
        ge=0,
        le=30_000,
        description="Silence between two speech regions kept in the same window (longer "
        "pauses are shortened to this, so silence is not decoded).",
    )
    retry_hole_s: float = Field(
        default=3.0,
        gt=0,
        le=30.0,
        description="Batched decoding: a stretch of a window this long with no word, in a window "
        "where other words were heard, is decoded once more on its own (Whisper sometimes "
        "jumps over speech in a full window; batched windows have no timestamps to resume "
        "from). Silences longer than max_gap_ms are already cut out of the windows.",
    )
    window_s: float = Field(
        default=29.5,
        gt=1.0,
        le=30.0,
        description="Most speech packed into one decoding window, seconds (Whisper's limit: 30). "
        "Windows are filled up to it and cut at pauses (fill_min_s). Chosen on the tuning set "
        "(bench/transcription.py): 29.5 s beat 25 s on real speech (word-weighted WER 0.182 "
        "against 0.203 on the Catalan and English clips).",
    )
    short_window_s: float = Field(
        default=15.0,
        ge=0.0,
        le=30.0,
        description="When the last window of a chunk of three windows or more would hold less "
        "speech than this, the last two windows share their speech evenly (cut at a pause), "
        "so Whisper does not decode a chunk's last seconds alone, without context. 0: off.",
    )
    silence_dbfs: float = Field(
        default=-60.0,
        ge=-200.0,
        le=0.0,
        description="A region whose loudest sample is below this level (dB full scale) is "
        "digital silence and is skipped (Whisper makes up words on it).",
    )
    max_new_tokens: int | None = Field(
        default=None,
        ge=1,
        le=220,
        description="Most tokens decoded per window. None: the model's limit.",
    )
    loop_repetition_penalty: float | None = Field(
        default=1.1,
        ge=1.0,
        le=2.0,
        description="Batched decoding: a window whose first decoding is a repetition loop "
        "(compression ratio too high) is first decoded again with the same beam and this "
        "repetition penalty, before the sampling temperatures: Whisper loops on a phrase "
        "('no, no, no...') and sampling then tends to make up words. A window still saying "
        "one sentence three times running is then decoded once more with no prompt and no "
        "repeated trigram, kept if about as probable. None: straight to sampling, as "
        "Whisper does.",
    )

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        return _code(value)

    @field_validator("detect_languages")
    @classmethod
    def _language_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_code(v) for v in value)

    @property
    def language_per_window(self) -> bool:
        """Whether each window is detected on its own: no language forced, and the
        council's languages (two or more) given to choose among."""
        return self.language is None and len(set(self.detect_languages)) >= 2

    @property
    def prompt(self) -> str | None:
        """The vocabulary as one prompt string, or None."""
        words = [v.strip() for v in self.vocabulary if v.strip()]
        return ", ".join(words) if words else None


def _code(value: str) -> str:
    code = value.strip().lower()
    if not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
        raise ValueError(f"{value!r} is not a language code such as es, ca, gl, eu or en")
    return code


class Transcriber(Protocol):
    """A loaded speech recogniser. Load once, call for every chunk."""

    model_id: str
    """Stable identifier for cache keys: backend, model name, weights digest, compute type."""

    def transcribe(
        self,
        audio: np.ndarray,
        speech: Sequence[Segment],
        options: TranscriptionOptions,
    ) -> Heard:
        """Transcribe the ``speech`` regions of one chunk.

        ``audio`` is 16 kHz mono float32; ``speech`` and the returned times are
        seconds from the chunk's start. With no speech: ``Heard(options.language or "", ())``.
        """
        ...


@dataclass(frozen=True, slots=True)
class Piece:
    """A span of the chunk (``source``) copied into the packed audio at ``at`` seconds."""

    source: Segment
    at: float

    @property
    def end_at(self) -> float:
        return self.at + self.source.duration


@dataclass(frozen=True, slots=True)
class PackedSpeech:
    """The chunk's speech, packed into decoding windows, and the way back."""

    audio: np.ndarray
    pieces: tuple[Piece, ...]
    windows: tuple[Segment, ...]
    source_duration_s: float
    turns: tuple[int, ...] = ()  # each window's turn (run between turn pauses), numbered

    @property
    def empty(self) -> bool:
        return not self.windows

    def to_source(self, t: float, *, is_end: bool = False) -> float:
        """Map a time of the packed audio back to seconds from the chunk start."""
        if not self.pieces:
            return 0.0
        starts = [p.at for p in self.pieces]
        i = bisect.bisect_left(starts, t) - 1 if is_end else bisect.bisect_right(starts, t) - 1
        piece = self.pieces[max(0, i)]
        local = min(max(t - piece.at, 0.0), piece.source.duration)
        return float(min(piece.source.start + local, self.source_duration_s))

    def word(self, text: str, start: float, end: float, probability: float) -> Word | None:
        """A chunk-relative :class:`Word` from packed times; None for text without a
        letter or digit (Whisper's "..." on room tone is not a word)."""
        text = text.strip()
        if not any(ch.isalnum() for ch in text):
            return None
        s = round(self.to_source(float(start)), 3)
        e = max(s, round(self.to_source(float(end), is_end=True), 3))
        return Word(text, s, e, float(probability))


def pack_speech(
    audio: np.ndarray,
    speech: Sequence[Segment],
    options: TranscriptionOptions,
    sample_rate: int = SAMPLE_RATE,
) -> PackedSpeech:
    """Cut the padded speech regions out of ``audio`` and pack them into windows."""
    duration = len(audio) / sample_rate
    limit = options.window_s - 0.01  # rounding to samples must not push a window over
    floor = 10 ** (options.silence_dbfs / 20)
    regions = [
        r
        for r in speech_regions(speech, duration, options.speech_pad_ms / 1000)
        if _peak(audio, r, sample_rate) >= floor
    ]
    gap_cap = options.max_gap_ms / 1000

    def quiet(lo: float, hi: float) -> float:
        return quietest_moment(audio, lo, hi, sample_rate)

    groups: list[list[Segment]] = []
    turns: list[int] = []
    turn_gap = 0.0  # between padded regions: the VAD's pause less the padding on both sides
    if options.language_per_window and options.turn_gap_ms > 0:
        turn_gap = max(options.turn_gap_ms - 2 * options.speech_pad_ms, 1) / 1000
    for n, turn in enumerate(split_at_pauses(regions, turn_gap)):
        filled = fill_windows(turn, limit, gap_cap, options.fill_min_s, quiet)
        filled = balance_tail(filled, gap_cap, options.fill_min_s, quiet, options.short_window_s)
        groups += filled
        turns += [n] * len(filled)

    spans: list[Segment] = []
    windows: list[Segment] = []
    at = 0.0
    for group in groups:
        window_start = at
        for k, region in enumerate(group):
            start, end = region.start, region.end
            if k > 0:  # half of the (capped) gap on each side of the boundary
                start -= min(region.start - group[k - 1].end, gap_cap) / 2
            if k < len(group) - 1:
                end += min(group[k + 1].start - region.end, gap_cap) / 2
            s0, s1 = round(start * sample_rate), round(end * sample_rate)
            span = Segment(s0 / sample_rate, s1 / sample_rate)
            spans.append(span)
            at += span.duration
        windows.append(Segment(window_start, at))

    pieces: list[Piece] = []
    parts: list[np.ndarray] = []
    at = 0.0
    for span in spans:
        pieces.append(Piece(span, at))
        parts.append(audio[round(span.start * sample_rate) : round(span.end * sample_rate)])
        at += span.duration
    packed = np.concatenate(parts).astype(np.float32, copy=False) if parts else np.zeros(0, "f4")
    return PackedSpeech(packed, tuple(pieces), tuple(windows), duration, tuple(turns))


def speech_regions(speech: Iterable[Segment], duration: float, pad: float) -> list[Segment]:
    """Padded, clamped, merged regions."""
    padded = sorted(
        Segment(max(0.0, s.start - pad), min(duration, s.end + pad))
        for s in speech
        if s.end > 0 and s.start < duration and s.end > s.start
    )
    merged: list[Segment] = []
    for s in padded:
        if merged and s.start <= merged[-1].end:
            merged[-1] = Segment(merged[-1].start, max(merged[-1].end, s.end))
        else:
            merged.append(s)
    return merged


def split_at_pauses(regions: Sequence[Segment], min_gap_s: float) -> list[list[Segment]]:
    """Regions in runs: a silence of at least ``min_gap_s`` between two (padded) regions
    starts a new run (a turn changes hands). ``min_gap_s`` of 0 or less: one run."""
    runs: list[list[Segment]] = []
    for region in regions:
        if runs and (min_gap_s <= 0 or region.start - runs[-1][-1].end < min_gap_s):
            runs[-1].append(region)
        else:
            runs.append([region])
    return runs


# How far back from the end of a window's room to look for a pause to cut a region at.
CUT_SEARCH_S = 8.0


def fill_windows(
    regions: Sequence[Segment],
    limit: float,
    gap_cap: float,
    fill_min_s: float,
    quiet: Callable[[float, float], float],
) -> list[list[Segment]]:
    """Regions grouped into windows of at most ``limit`` seconds (gaps capped at ``gap_cap``).

    As faster-whisper's batched pipeline fills each window with VAD segments
    up to 30 s, a region that does not fit whole is cut at its quietest moment
    (a breath between words; see :func:`quietest_moment`) in the last seconds of
    the room left, when at least ``fill_min_s`` is left; the rest opens the next
    window. A region longer than a window is cut the same way, never mid-word at
    the limit.
    """
    groups: list[list[Segment]] = [[]]
    used = 0.0
    queue = deque(regions)
    while queue:
        region = queue.popleft()
        current = groups[-1]
        gap = min(region.start - current[-1].end, gap_cap) if current else 0.0
        if used + gap + region.duration <= limit:
            current.append(region)
            used += gap + region.duration
            continue
        room = limit - used - gap
        if room >= fill_min_s or not current:
            lo = region.start + max(room - CUT_SEARCH_S, min(1.0, room / 2))
            cut = min(max(quiet(lo, region.start + room), lo), region.start + room)
            current.append(Segment(region.start, cut))
            queue.appendleft(Segment(cut, region.end))
        else:
            queue.appendleft(region)
        groups.append([])
        used = 0.0
    return [g for g in groups if g]


def packed_length(group: Sequence[Segment], gap_cap: float) -> float:
    """Seconds a window of these regions lasts once the gaps between them are capped."""
    gaps = sum(min(b.start - a.end, gap_cap) for a, b in itertools.pairwise(group))
    return sum(r.duration for r in group) + gaps


def balance_tail(
    groups: list[list[Segment]],
    gap_cap: float,
    fill_min_s: float,
    quiet: Callable[[float, float], float],
    short_s: float,
) -> list[list[Segment]]:
    """The last two windows sharing their speech evenly when the last is shorter than
    ``short_s`` (filling windows greedily leaves whatever remains to the last one), in a
    chunk of three windows or more. With two, the first keeps its 29.5 s: on the tuning
    set a 34-s recording lost 9 points of WER split 17 + 17, and a live chunk (about 30 s)
    is transcribed as the same stretch of a file would be only if it is not split anew."""
    if len(groups) < 3 or packed_length(groups[-1], gap_cap) >= short_s:
        return groups
    regions = [*groups[-2], *groups[-1]]
    half = packed_length(regions, gap_cap) / 2
    split = fill_windows(regions, half + min(1.0, half / 4), gap_cap, fill_min_s, quiet)
    if len(split) != 2:
        return groups
    return [*groups[:-2], *split]


def quietest_moment(
    audio: np.ndarray, lo: float, hi: float, sample_rate: int = SAMPLE_RATE, frame_s: float = 0.1
) -> float:
    """The middle of the quietest ``frame_s`` stretch of ``audio`` between ``lo`` and ``hi`` s
    (energy on a 10 ms grid; the latest of equally quiet ones); ``hi`` when the span is too
    short to choose."""
    a, b = max(0, round(lo * sample_rate)), min(len(audio), round(hi * sample_rate))
    hop, width = sample_rate // 100, round(frame_s * sample_rate)
    if b - a < width + hop:
        return hi
    power = np.square(audio[a:b].astype(np.float64))
    csum = np.concatenate(([0.0], np.cumsum(power)))
    starts = np.arange(0, b - a - width + 1, hop)
    energy = csum[starts + width] - csum[starts]
    # the latest of the quietest (within 1 dB of the minimum): windows as full as they can be
    near = np.flatnonzero(energy <= energy.min() * 1.26 + 1e-9)
    best = int(starts[int(near[-1])])
    return (a + best + width / 2) / sample_rate


def as_mono_float32(audio: np.ndarray) -> np.ndarray:
    """The chunk's samples as a 1-D float32 array (a copy only when needed)."""
    samples = np.asarray(audio, dtype=np.float32)
    if samples.ndim != 1:
        raise InputError(
            f"El audio para transcribir tiene que ser mono (1-D); tiene forma {samples.shape}.",
            "Extraiga antes audio de 16 kHz mono (plenaria.media.audio.extract_audio).",
        )
    return samples


def _peak(audio: np.ndarray, region: Segment, sample_rate: int) -> float:
    part = audio[round(region.start * sample_rate) : round(region.end * sample_rate)]
    return float(np.max(np.abs(part))) if len(part) else 0.0


def keep_segment(
    no_speech_prob: float,
    avg_logprob: float,
    compression_ratio: float,
    options: TranscriptionOptions,
    temperature: float = 0.0,
) -> bool:
    """Whether a decoded window is speech, by Whisper's rules and one stricter one.

    Dropped: a repetition loop (compression ratio too high); a window the model
    thinks is silent whose tokens are improbable (Whisper's rule); and a window the
    model thinks is silent that only decoded at a raised temperature (the greedy
    decode failed, so the sampled text is a guess: noise and applause end up here).
    """
    if compression_ratio > options.compression_ratio_threshold:
        return False
    if no_speech_prob <= options.no_speech_threshold:
        return True
    return avg_logprob >= options.log_prob_threshold and temperature == 0.0


def prepare(
    audio: np.ndarray,
    speech: Sequence[Segment],
    options: TranscriptionOptions,
    languages: frozenset[str],
    detect: Callable[[PackedSpeech, TranscriptionOptions], str],
) -> tuple[PackedSpeech, str] | None:
    """What both backends do first: pack the speech and settle the chunk's language.

    None when the chunk holds no speech to decode.
    """
    packed = pack_speech(as_mono_float32(audio), speech, options)
    if packed.empty:
        return None
    language = options.language or detect(packed, options)
    if language not in languages:
        raise ConfigError(
            f"El modelo no conoce el idioma {language!r}.",
            "Use un código de idioma de Whisper como es, ca, gl, eu o en.",
        )
    return packed, language
