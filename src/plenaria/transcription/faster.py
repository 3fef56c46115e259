"""faster-whisper (CTranslate2) backend: the default recogniser.

Only our VAD's speech regions are decoded: :func:`pack_speech` packs them into
windows of at most ``window_s`` (29.5 s), filled the way faster-whisper's
``BatchedInferencePipeline`` fills its own, but cut at pauses. With
``batch_size > 1`` the windows are decoded together by
:func:`plenaria.transcription.batched.decode_windows` (faster-whisper's
encoder, ``generate`` and word alignment, plus temperature fallback for a failed
window and, optionally, the previous window's text as prompt); with 1, through
``WhisperModel.transcribe`` sequentially, with ``clip_timestamps``.

With two or more ``detect_languages`` and no forced language, each window's language
is detected on its own (batched: from the encoder output it is decoded from), and
the chunk's :class:`Heard` says where each language was used.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from plenaria.domain import Segment, Word
from plenaria.errors import ConfigError, ModelNotFoundError
from plenaria.transcription.base import (
    SAMPLE_RATE,
    PackedSpeech,
    TranscriptionOptions,
    keep_segment,
    pack_speech,
    prepare,
    quietest_moment,
)
from plenaria.transcription.batched import decode_windows
from plenaria.transcription.decoded import DecodedWord, DecodeSettings, join_split_words
from plenaria.transcription.languages import (
    Heard,
    heard_in,
    pick_language,
    pool_detection,
    rank_languages,
)
from plenaria.transcription.models import weights_digest

log = logging.getLogger(__name__)

# No spoken word lasts longer; a longer one is the aligner stretching a word over skipped speech.
MAX_WORD_S = 2.5
# Holes are decoded again in pieces of about this: cut at joins first, then what stays unheard.
HOLE_PIECE_S = 10.0


class FasterWhisperTranscriber:
    """A faster-whisper model, loaded once; ``transcribe`` one chunk at a time."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        device: str = "auto",
        compute_type: str = "default",
        cpu_threads: int = 0,
        name: str | None = None,
    ) -> None:
        if device != "cpu":
            # CUDA 12's cuBLAS/cuDNN from the [gpu] extra's wheels, before CTranslate2 needs them
            from plenaria.transcription.cuda_libs import preload_cuda_libraries

            preload_cuda_libraries()
        import ctranslate2
        from faster_whisper import WhisperModel

        path = Path(model_path)
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        if compute_type == "default":
            compute_type = "float16" if device == "cuda" else "int8"
        try:
            self._model = WhisperModel(
                str(path),
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as e:
            raise ModelNotFoundError(
                f"No se pudo cargar el modelo faster-whisper de {path} en {device} "
                f"({compute_type}): {e}",
                "Compruebe que es una carpeta Whisper de CTranslate2 y que el dispositivo y "
                "PLENARIA_COMPUTE_TYPE casan (int8 en CPU, float16 en GPU).",
            ) from e
        self.device = device
        self.compute_type = compute_type
        self.languages: frozenset[str] = frozenset(self._model.supported_languages)
        self.model_id = f"faster-whisper/{name or path.name}@{weights_digest(path)}/{compute_type}"
        log.info("Loaded %s on %s", self.model_id, device)

    def transcribe(
        self,
        audio: np.ndarray,
        speech: Sequence[Segment],
        options: TranscriptionOptions,
    ) -> Heard:
        if options.language_per_window and self._model.model.is_multilingual:
            return self._per_window(audio, speech, options)
        prepared = prepare(audio, speech, options, self.languages, self.detect_language)
        if prepared is None:
            return Heard(options.language or "", ())
        packed, language = prepared
        common = self._common(language, options)
        if options.batch_size > 1:
            out = [w for _, w in self._batched_words(packed, packed.windows, options, common)]
        else:
            segments, _ = self._model.transcribe(
                packed.audio,
                clip_timestamps=[t for w in packed.windows for t in (w.start, w.end)],
                temperature=list(options.temperatures),
                **common,
            )
            out = [w for _, w in self._kept_words(packed, segments, options)]
        if not out and options.language is None:
            return Heard("", ())  # nothing heard: a language "detected" on noise means nothing
        return Heard(language, tuple(out))

    def _per_window(
        self, audio: np.ndarray, speech: Sequence[Segment], options: TranscriptionOptions
    ) -> Heard:
        """Each window in its own language, among ``options.detect_languages``."""
        from plenaria.transcription.base import as_mono_float32

        packed = pack_speech(as_mono_float32(audio), speech, options)
        if packed.empty:
            return Heard("", ())
        unknown = [c for c in options.detect_languages if c not in self.languages]
        if unknown:
            raise ConfigError(
                f"El modelo no conoce el idioma {unknown[0]!r}.",
                "Use un código de idioma de Whisper como es, ca, gl, eu o en.",
            )
        common = self._common(options.detect_languages[0], options)
        found: list[tuple[Segment, str]] = []
        if options.batch_size > 1:
            words = self._batched_words(packed, packed.windows, options, common, found)
            out = [w for _, w in words]
        else:
            out = []
            for language, windows in self._window_languages(packed, options):
                segments, _ = self._model.transcribe(
                    packed.audio,
                    clip_timestamps=[t for w in windows for t in (w.start, w.end)],
                    temperature=list(options.temperatures),
                    **{**common, "language": language},
                )
                out += [w for _, w in self._kept_words(packed, segments, options)]
                found += [(w, language) for w in windows]
        if not out:
            return Heard("", ())
        spans = [
            (Segment(packed.to_source(w.start), packed.to_source(w.end, is_end=True)), language)
            for w, language in found
        ]
        return heard_in(spans, sorted(out, key=lambda w: w.start), "")

    def _window_languages(
        self, packed: PackedSpeech, options: TranscriptionOptions
    ) -> list[tuple[str, list[Segment]]]:
        """Runs of consecutive windows in one language (sequential decoding): detected per
        turn, its windows' probabilities pooled (weighted by length)."""
        pooled: dict[int, dict[str, float]] = {}
        longest: dict[int, Segment] = {}
        turns = packed.turns or tuple(range(len(packed.windows)))
        for window, turn in zip(packed.windows, turns, strict=True):
            part = packed.audio[round(window.start * SAMPLE_RATE) : round(window.end * SAMPLE_RATE)]
            _, _, probabilities = self._model.detect_language(audio=part)
            pool_detection(pooled, turn, probabilities, window.duration)
            if turn not in longest or window.duration > longest[turn].duration:
                longest[turn] = window
        chosen: dict[int, str] = {}
        for turn, pool in pooled.items():
            language, runner_up = rank_languages(list(pool.items()), options.detect_languages)
            if runner_up is not None:  # in doubt: the language whose text is more probable
                first = self._logprob(packed, longest[turn], language, options)
                if self._logprob(packed, longest[turn], runner_up, options) > first:
                    language = runner_up
            chosen[turn] = language
        runs: list[tuple[str, list[Segment]]] = []
        for window, turn in zip(packed.windows, turns, strict=True):
            if runs and runs[-1][0] == chosen[turn]:
                runs[-1][1].append(window)
            else:
                runs.append((chosen[turn], [window]))
        return runs

    def _logprob(
        self, packed: PackedSpeech, window: Segment, language: str, options: TranscriptionOptions
    ) -> float:
        """The average token log probability of ``window`` decoded in ``language``."""
        segments, _ = self._model.transcribe(
            packed.audio,
            clip_timestamps=[window.start, window.end],
            temperature=0.0,
            **{**self._common(language, options), "word_timestamps": False},
        )
        scored = [(s.avg_logprob, len(s.tokens)) for s in segments]
        tokens = sum(n for _, n in scored)
        return sum(p * n for p, n in scored) / tokens if tokens else float("-inf")

    def _common(self, language: str, options: TranscriptionOptions) -> dict[str, Any]:
        return {
            "language": language,
            "task": "transcribe",
            "beam_size": options.beam_size,
            "word_timestamps": True,
            "condition_on_previous_text": False,
            "vad_filter": False,
            "hotwords": options.prompt,
            "no_speech_threshold": options.no_speech_threshold,
            "log_prob_threshold": options.log_prob_threshold,
            "compression_ratio_threshold": options.compression_ratio_threshold,
            "max_new_tokens": options.max_new_tokens,
        }

    def _batched_words(
        self,
        packed: PackedSpeech,
        windows: Sequence[Segment],
        options: TranscriptionOptions,
        common: dict[str, Any],
        found: list[tuple[Segment, str]] | None = None,
    ) -> list[tuple[Segment, Word]]:
        """(packed span, word) of every window, and its stretches of speech left unheard
        decoded again: batched windows have no timestamps to resume from, and Whisper
        sometimes jumps over seconds of speech in a full window. Speech between words is at
        most a short pause here (silences are cut), so a long hole was skipped. ``found``
        gets each window's (packed span, language)."""
        languages: list[str] = []
        words = self._decoded_words(packed, windows, options, common, None, languages)
        if found is not None:
            found += zip(windows, languages, strict=True)
        holes = _split(
            _unheard_spans(windows, words, options.retry_hole_s), [p.at for p in packed.pieces]
        )
        if not holes:
            return words
        log.debug("Decoding again %s stretches of speech left unheard", len(holes))
        words = self._again(packed, windows, languages, holes, words, options, common)
        # Still unheard after that: what is left of each hole, on its own, in pieces cut at
        # its pauses. The 25-minute test's 24-s hole, decoded again whole, skipped the same
        # 9 s twice ("Buenas tardes. Se abre la sesión..." after "...y buenas tardes.").
        rest = [
            piece
            for hole in _unheard_spans(holes, words, options.retry_hole_s)
            for piece in _at_pauses(hole, packed.audio, HOLE_PIECE_S)
            if piece not in holes
        ]
        if not rest:
            return words
        log.debug("Decoding again %s stretches still unheard, alone", len(rest))
        return self._again(packed, windows, languages, rest, words, options, common)

    def _again(
        self,
        packed: PackedSpeech,
        windows: Sequence[Segment],
        languages: Sequence[str],
        holes: Sequence[Segment],
        words: list[tuple[Segment, Word]],
        options: TranscriptionOptions,
        common: dict[str, Any],
    ) -> list[tuple[Segment, Word]]:
        """``words`` with those of ``holes`` (each in its window's language) decoded again."""
        starts = [w.start for w in windows]
        in_window = [languages[max(0, bisect.bisect_right(starts, h.start) - 1)] for h in holes]
        again = self._decoded_words(packed, holes, options, common, in_window, [])
        kept = [w for w in words if w[0].duration <= MAX_WORD_S or not _in(w, holes)]
        return sorted(kept + [w for w in again if _in(w, holes)], key=lambda w: w[0].start)

    def _decoded_words(
        self,
        packed: PackedSpeech,
        windows: Sequence[Segment],
        options: TranscriptionOptions,
        common: dict[str, Any],
        given: Sequence[str] | None,
        languages: list[str],
    ) -> list[tuple[Segment, Word]]:
        """(packed span, word) of every window that passes the guards; ``given``: each
        window's language, else detected when several are allowed; ``languages`` gets them."""
        settings = DecodeSettings(
            language=common["language"],
            beam_size=options.beam_size,
            batch_size=options.batch_size,
            temperatures=options.temperatures,
            compression_ratio_threshold=options.compression_ratio_threshold,
            log_prob_threshold=options.log_prob_threshold,
            no_speech_threshold=options.no_speech_threshold,
            hotwords=options.prompt,
            condition_on_previous_text=options.condition_on_previous_text,
            max_new_tokens=options.max_new_tokens,
            loop_repetition_penalty=options.loop_repetition_penalty,
            detect_among=options.detect_languages if options.language_per_window else (),
        )
        spans = [(round(w.start * SAMPLE_RATE), round(w.end * SAMPLE_RATE)) for w in windows]
        turns = packed.turns if given is None and windows == packed.windows else None
        decoded = decode_windows(
            self._model, packed.audio, spans, settings, languages=given, turns=turns
        )
        languages += [d.language for d in decoded]
        words: list[tuple[Segment, Word]] = []
        for window, dec in zip(windows, decoded, strict=True):
            stats = (dec.no_speech_prob, dec.avg_logprob, dec.compression_ratio)
            if not keep_segment(*stats, options, temperature=dec.temperature):
                log.debug(
                    "Dropped %r (no speech %.2f, logprob %.2f, compression %.2f)", dec.text, *stats
                )
                continue
            for w in dec.words:
                start, end = window.start + w.start, window.start + max(w.start, w.end)
                word = packed.word(w.text, start, end, w.probability)
                if word is not None:
                    words.append((Segment(start, end), word))
        return words

    def _kept_words(
        self, packed: PackedSpeech, segments: Any, options: TranscriptionOptions
    ) -> list[tuple[Segment, Word]]:
        """(packed span, word) of every segment that passes the hallucination guards."""
        words: list[tuple[Segment, Word]] = []
        for seg in segments:  # a lazy generator: the decoding happens in this loop
            stats = (seg.no_speech_prob, seg.avg_logprob, seg.compression_ratio)
            if not keep_segment(*stats, options, temperature=seg.temperature or 0.0):
                log.debug(
                    "Dropped %r (no speech %.2f, logprob %.2f, compression %.2f)", seg.text, *stats
                )
                continue
            pieces = [
                DecodedWord(w.word, float(w.start), float(w.end), float(w.probability))
                for w in seg.words or ()
            ]
            for w in join_split_words(pieces):
                word = packed.word(w.text, w.start, w.end, w.probability)
                if word is not None:
                    start = float(w.start)
                    words.append((Segment(start, max(start, float(w.end))), word))
        return words

    def detect_language(self, packed: PackedSpeech, options: TranscriptionOptions) -> str:
        """The chunk's language, from its first window of speech."""
        first = packed.audio[: round(packed.windows[0].end * SAMPLE_RATE)]
        if not self._model.model.is_multilingual:
            return "en"
        _, _, probabilities = self._model.detect_language(audio=first)
        language = pick_language(probabilities, options.detect_languages)
        log.debug("Detected language %s (top: %s)", language, probabilities[:3])
        return language


def _split(
    holes: Sequence[Segment], cuts: Sequence[float], max_s: float = HOLE_PIECE_S
) -> list[Segment]:
    """Long holes cut at the joins between speech regions (silence), in pieces of ~max_s."""
    out: list[Segment] = []
    for hole in holes:
        start = hole.start
        for cut in cuts:
            if start < cut < hole.end and cut - start >= max_s:
                out.append(Segment(start, cut))
                start = cut
        out.append(Segment(start, hole.end))
    return out


def _at_pauses(hole: Segment, audio: np.ndarray, max_s: float) -> list[Segment]:
    """``hole`` in about equal pieces of at most ~``max_s``, each cut at the quietest 100 ms
    within 1.5 s of the even cut."""
    n = math.ceil(hole.duration / max_s - 1e-9)
    if n <= 1:
        return [hole]
    pieces: list[Segment] = []
    start = hole.start
    for k in range(1, n):
        even = hole.start + k * hole.duration / n
        cut = quietest_moment(audio, max(start + 1.0, even - 1.5), even + 1.5)
        pieces.append(Segment(start, cut))
        start = cut
    pieces.append(Segment(start, hole.end))
    return pieces


def _in(word: tuple[Segment, Word], holes: Sequence[Segment]) -> bool:
    return any(h.contains(word[0].middle) for h in holes)


def _unheard_spans(
    windows: Sequence[Segment], words: Sequence[tuple[Segment, Word]], min_s: float
) -> list[Segment]:
    """Stretches of at least ``min_s`` with no word, in windows where other words were heard."""
    spans = sorted(span for span, _ in words)
    holes: list[Segment] = []
    for window in windows:
        inside = [sp for sp in spans if window.start <= sp.middle < window.end]
        if not inside:
            continue  # nothing heard at all: noise the guards dropped, not a skip
        heard_until = window.start
        for sp in inside:
            if sp.duration > MAX_WORD_S:
                continue  # a "word" stretched over seconds: the alignment covering a skip
            if sp.start - heard_until >= min_s:
                holes.append(Segment(heard_until, sp.start))
            heard_until = max(heard_until, sp.end)
        if window.end - heard_until >= min_s:
            holes.append(Segment(heard_until, window.end))
    return holes
