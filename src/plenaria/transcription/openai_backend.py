"""openai-whisper (PyTorch) backend, for checkpoints only it can read.

Audio always goes in as a numpy array (a file name would make openai-whisper call
an ffmpeg that may not exist). The packed speech windows are passed as
``clip_timestamps``, so silence between them is never decoded; no conditioning
on previous text; the vocabulary is the prompt of every window.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from plenaria.domain import Segment, Word
from plenaria.errors import ModelNotFoundError
from plenaria.transcription.base import (
    SAMPLE_RATE,
    PackedSpeech,
    TranscriptionOptions,
    keep_segment,
    prepare,
)
from plenaria.transcription.languages import Heard, pick_language
from plenaria.transcription.models import weights_digest

log = logging.getLogger(__name__)


class OpenAIWhisperTranscriber:
    """An openai-whisper model, loaded once from a checkpoint file (or a known name)."""

    def __init__(
        self,
        model: str | Path,
        *,
        device: str = "cpu",
        download_root: Path | None = None,
        name: str | None = None,
    ) -> None:
        import torch
        import whisper

        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        path = Path(model)
        try:
            self._model = whisper.load_model(
                str(path) if path.is_file() else str(model),
                device=device,
                download_root=None if download_root is None else str(download_root),
            )
        except (RuntimeError, OSError, KeyError, TypeError, ValueError) as e:
            raise ModelNotFoundError(
                f"No se pudo cargar el checkpoint de openai-whisper {model}: {e}",
                "Dé la ruta de un checkpoint .pt de openai-whisper (PLENARIA_WHISPER_MODEL).",
            ) from e
        self.device = device
        self._fp16 = device.startswith("cuda")
        self.languages: frozenset[str] = frozenset(whisper.tokenizer.LANGUAGES)
        digest = weights_digest(path) if path.is_file() else "named"
        precision = "float16" if self._fp16 else "float32"
        self.model_id = f"openai-whisper/{name or path.stem}@{digest}/{precision}"
        log.info("Loaded %s on %s", self.model_id, device)

    def transcribe(
        self,
        audio: np.ndarray,
        speech: Sequence[Segment],
        options: TranscriptionOptions,
    ) -> Heard:
        """One language per chunk (detected once, among ``detect_languages``), even when
        several are given: a language per window is faster-whisper's."""
        import whisper

        prepared = prepare(audio, speech, options, self.languages, self.detect_language)
        if prepared is None:
            return Heard(options.language or "", ())
        packed, language = prepared
        decode: dict[str, Any] = {"sample_len": options.max_new_tokens}
        if options.beam_size > 1:
            decode["beam_size"] = options.beam_size
        result = whisper.transcribe(
            self._model,
            packed.audio,
            language=language,
            task="transcribe",
            temperature=options.temperatures,
            compression_ratio_threshold=options.compression_ratio_threshold,
            logprob_threshold=options.log_prob_threshold,
            no_speech_threshold=options.no_speech_threshold,
            condition_on_previous_text=False,
            initial_prompt=options.prompt,
            carry_initial_prompt=options.prompt is not None,
            word_timestamps=True,
            clip_timestamps=[t for w in packed.windows for t in (w.start, w.end)],
            fp16=self._fp16,
            verbose=None,
            **decode,
        )
        words: list[Word] = []
        for seg in result["segments"]:
            stats = (seg["no_speech_prob"], seg["avg_logprob"], seg["compression_ratio"])
            if not keep_segment(*stats, options, temperature=seg.get("temperature", 0.0)):
                log.debug(
                    "Dropped %r (no speech %.2f, logprob %.2f, compression %.2f)",
                    seg["text"],
                    *stats,
                )
                continue
            for w in seg.get("words", ()):
                word = packed.word(w["word"], w["start"], w["end"], w["probability"])
                if word is not None:
                    words.append(word)
        if not words and options.language is None:
            return Heard("", ())  # nothing heard: a language "detected" on noise means nothing
        return Heard(language, tuple(words))

    def detect_language(self, packed: PackedSpeech, options: TranscriptionOptions) -> str:
        """The chunk's language, from its first window of speech."""
        import whisper

        if not self._model.is_multilingual:
            return "en"
        first = packed.audio[: round(packed.windows[0].end * SAMPLE_RATE)]
        mel = whisper.log_mel_spectrogram(
            whisper.pad_or_trim(first), self._model.dims.n_mels, device=self._model.device
        )
        _, probs = self._model.detect_language(mel)
        language = pick_language(probs.items(), options.detect_languages)
        log.debug("Detected language %s", language)
        return language
