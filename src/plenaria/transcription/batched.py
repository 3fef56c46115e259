"""Decoding windows of packed speech together, on faster-whisper's own machinery.

faster-whisper's ``BatchedInferencePipeline`` decodes its windows once, at the
first temperature, all with the same prompt. This module drives the same
pieces (feature extractor, encoder, ``generate``, word alignment) with three
additions, window by window:

- **temperature fallback**: a window whose text is a repetition loop
  (compression ratio) or improbable (average log probability) is decoded again
  at the next temperature, in a batch of the failed windows only, as
  ``WhisperModel.transcribe`` does for one window at a time; a loop is first
  decoded again with the same beam and a repetition penalty
  (``loop_repetition_penalty``), since sampling a looping window tends to make
  words up; so is a window that says one short sentence three times running
  ("Gracias. Gracias. Gracias.", too short for the compression ratio to see),
  whose new text is kept only where Whisper finds it more probable (a roll call
  can be "Sí. Sí. Sí."); a window that still says one sentence three times is
  decoded once more with no prompt and no repeated n-gram (``NO_REPEAT_NGRAM``),
  kept where it does not loop and is about as probable or says more words
  (:func:`plenaria.transcription.decoded.unlooped`);
- **previous-text conditioning**: windows are put in batches by stride
  (batch ``j`` holds windows ``j, j + n, j + 2n...`` for ``n`` batches), so each
  window's predecessor was decoded one batch earlier and its text can be the
  prompt, still ``batch_size`` windows per call;
- **the vocabulary** (hotwords) before that text on every window;
- **a language per window**, when several are allowed (``detect_among``): each
  window's language is detected from the encoder output the batch is decoded
  from (no second encoding), among the allowed ones, and the window is decoded
  and aligned with its own language token; a window is never given the text of
  a window in another language as a prompt.

Only faster-whisper's documented model objects and the helpers its batched
pipeline itself uses are called; the results come back as plain
:class:`DecodedWindow` values with word times relative to each window's start.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from plenaria.transcription.decoded import (
    NO_REPEAT_NGRAM,
    DecodedWindow,
    DecodedWord,
    DecodeSettings,
    join_split_words,
    needs_fallback,
    repeats_sentence,
    unlooped,
)
from plenaria.transcription.languages import (
    language_probabilities,
    pool_detection,
    rank_languages,
)

log = logging.getLogger(__name__)

SAMPLING_SEED = 20261127
# Windows through the encoder at once on the CPU (memory and time: see _encode).
ENCODE_BATCH = 1

# Whisper resets the prompt after a window decoded hotter than this (prompt_reset_on_temperature).
PROMPT_RESET_TEMPERATURE = 0.5
# Most tokens of previous text given as a prompt (Whisper allows up to half its context, 223).
PROMPT_TOKENS = 120


def batch_order(n: int, batch_size: int, strided: bool) -> list[list[int]]:
    """Window indices per batch. Strided: each window's predecessor is one batch earlier."""
    if n == 0:
        return []
    batches = math.ceil(n / batch_size)
    if not strided:
        return [list(range(i, min(n, i + batch_size))) for i in range(0, n, batch_size)]
    return [list(range(j, n, batches)) for j in range(batches)]


def decode_windows(
    model: Any,
    audio: np.ndarray,
    windows: Sequence[tuple[int, int]],
    settings: DecodeSettings,
    follows: Sequence[bool] | None = None,
    languages: Sequence[str] | None = None,
    turns: Sequence[int] | None = None,
) -> list[DecodedWindow]:
    """Decode ``audio[a:b]`` for every ``(a, b)`` sample span in ``windows`` (each ≤ 30 s).

    ``model`` is a ``faster_whisper.WhisperModel``. ``follows[i]`` says whether
    window ``i`` continues window ``i - 1``'s speech (so its text is a fair
    prompt); default: all do. ``languages[i]``, when given and not empty, is
    window ``i``'s language; otherwise it is detected (``settings.detect_among``)
    or ``settings.language``. Windows with the same ``turns[i]`` are one speaker's
    turn: their detections are pooled (weighted by length), so that the short tail
    of a long turn takes the turn's language.
    """
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

    if not windows:
        return []
    tokenizers: dict[str, Any] = {}

    def tokenizer_for(language: str) -> Any:
        if language not in tokenizers:
            tokenizers[language] = Tokenizer(
                model.hf_tokenizer,
                model.model.is_multilingual,
                task="transcribe",
                language=language,
            )
        return tokenizers[language]

    tokenizer = tokenizer_for(settings.language)
    suppress = list(get_suppressed_tokens(tokenizer, (-1,)))
    fe = model.feature_extractor
    fps = model.frames_per_second
    follows = list(follows) if follows is not None else [True] * len(windows)
    given = list(languages) if languages is not None else [""] * len(windows)
    detect = len(settings.detect_among) >= 2 and model.model.is_multilingual
    turn_of = list(turns) if turns is not None else list(range(len(windows)))
    pooled: dict[int, dict[str, float]] = {}  # turn -> language -> probability x seconds
    language_of: dict[int, str] = {}
    results: dict[int, DecodedWindow] = {}

    def previous(i: int, temperature: float) -> list[int]:
        before = results.get(i - 1)
        if (
            settings.condition_on_previous_text
            and i > 0
            and follows[i]
            and before is not None
            and before.language == language_of[i]
            and before.temperature <= PROMPT_RESET_TEMPERATURE
            and temperature <= PROMPT_RESET_TEMPERATURE
        ):
            return list(before.tokens[-PROMPT_TOKENS:])
        return []

    def prompts(indices: Sequence[int], temperature: float) -> list[list[int]]:
        """One prompt per window. CTranslate2 needs <|startoftranscript|> at the same
        position in every prompt of a batch: all get the same number of previous tokens,
        those of the window with the least (none if one has none)."""
        texts = [previous(i, temperature) for i in indices]
        n = min(len(t) for t in texts)
        return [
            list(
                model.get_prompt(
                    tokenizer_for(language_of[i]),
                    t[len(t) - n :] if n else [],
                    without_timestamps=True,
                    hotwords=settings.hotwords,
                )
            )
            for i, t in zip(indices, texts, strict=True)
        ]

    def generate(
        features: np.ndarray,
        prompts: list[list[int]],
        temperature: float,
        penalty: float = 1.0,
        no_repeat_ngram: int = 0,
    ) -> list[Any]:
        longest = max(len(p) for p in prompts)
        max_length = model.max_length
        if settings.max_new_tokens is not None:
            max_length = min(max_length, longest + settings.max_new_tokens)
        if temperature > 0:
            # Sampling, seeded: the same windows give the same text in every process
            # (a worker and `plenaria process` must agree).
            import ctranslate2

            ctranslate2.set_random_seed(SAMPLING_SEED)
            kwargs: dict[str, Any] = {
                "beam_size": 1,
                "num_hypotheses": settings.best_of,
                "sampling_topk": 0,
                "sampling_temperature": temperature,
            }
        else:
            kwargs = {
                "beam_size": settings.beam_size,
                "repetition_penalty": penalty,
                "no_repeat_ngram_size": no_repeat_ngram,
            }
        return list(
            model.model.generate(
                features,
                prompts,
                max_length=max_length,
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
                suppress_tokens=suppress,
                **kwargs,
            )
        )

    def score(result: Any, temperature: float, language: str) -> DecodedWindow:
        tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        n = len(result.sequences_ids[0])
        avg_logprob = result.scores[0] * n / (n + 1)  # as faster-whisper recovers it
        text = tokenizer.decode(tokens)
        return DecodedWindow(
            text=text,
            tokens=tuple(tokens),
            avg_logprob=float(avg_logprob),
            no_speech_prob=float(result.no_speech_prob),
            compression_ratio=get_compression_ratio(text.strip()),
            temperature=temperature,
            words=(),
            language=language,
        )

    for batch in batch_order(
        len(windows), settings.batch_size, settings.condition_on_previous_text
    ):
        chunks = [audio[windows[i][0] : windows[i][1]] for i in batch]
        feats = np.stack([pad_or_trim(fe(c)[..., :-1]) for c in chunks]).astype(np.float32)
        encoded, hidden = _encode(model, feats)

        def again_input(rows: list[int], hidden: Any = hidden, feats: Any = feats) -> Any:
            return _storage(hidden[rows] if hidden is not None else feats[rows])

        heard = None
        if detect:
            for i, probabilities in zip(batch, language_probabilities(model, encoded), strict=True):
                seconds = (windows[i][1] - windows[i][0]) / fe.sampling_rate
                pool_detection(pooled, turn_of[i], probabilities, seconds)
            heard = [
                rank_languages(list(pooled[turn_of[i]].items()), settings.detect_among)
                for i in batch
            ]
        for k, i in enumerate(batch):
            language_of[i] = given[i] or (heard[k][0] if heard else settings.language)
        t0 = settings.temperatures[0]
        found = {
            i: score(r, t0, language_of[i])
            for i, r in zip(batch, generate(encoded, prompts(batch, t0), t0), strict=True)
        }
        # A window the detector cannot tell (Catalan and Spanish at 0.37 / 0.37) is decoded
        # in the runner-up language too; the more probable text says which it was.
        runner_up = {
            k: second
            for k, (i, (_, second)) in enumerate(zip(batch, heard or (), strict=False))
            if second and not given[i]
        }
        doubtful = list(runner_up)
        if doubtful:
            for k in doubtful:
                language_of[batch[k]] = runner_up[k]
            again = generate(again_input(doubtful), prompts([batch[k] for k in doubtful], t0), t0)
            for k, r in zip(doubtful, again, strict=True):
                i = batch[k]
                other = score(r, t0, language_of[i])
                log.debug(
                    "Window %d: %s %.2f, %s %.2f", i, found[i].language, found[i].avg_logprob,
                    other.language, other.avg_logprob,
                )  # fmt: skip
                if other.avg_logprob > found[i].avg_logprob:
                    found[i] = other
                language_of[i] = found[i].language
        tried: dict[int, list[DecodedWindow]] = {i: [w] for i, w in found.items()}
        loops = [
            k for k, i in enumerate(batch)
            if found[i].compression_ratio > settings.compression_ratio_threshold
            or repeats_sentence(found[i].text)
        ]  # fmt: skip
        if loops and settings.loop_repetition_penalty:
            log.debug("%d looping windows decoded again with a repetition penalty", len(loops))
            again = generate(
                again_input(loops),
                prompts([batch[k] for k in loops], t0),
                t0,
                settings.loop_repetition_penalty,
            )
            for k, r in zip(loops, again, strict=True):
                i = batch[k]
                retried = score(r, t0, language_of[i])
                tried[i].append(retried)
                if not needs_fallback(
                    retried.compression_ratio, retried.avg_logprob, retried.no_speech_prob, settings
                ) and (
                    found[i].compression_ratio > settings.compression_ratio_threshold
                    or retried.avg_logprob > found[i].avg_logprob
                ):
                    found[i] = retried
        # Still one sentence three times running ("Gracias." x5 for "Tiene la palabra el
        # concejal de Hacienda, señor García"): once more with no prompt (a prompt can start
        # the loop) and no repeated trigram. Only such windows: the rest is decoded as before.
        still = [k for k, i in enumerate(batch) if repeats_sentence(found[i].text)]
        if still and settings.loop_repetition_penalty:
            log.debug("%d windows still looping decoded again with no repeated n-gram", len(still))
            bare = [
                list(
                    model.get_prompt(
                        tokenizer_for(language_of[batch[k]]), [], without_timestamps=True
                    )
                )
                for k in still
            ]
            again = generate(
                again_input(still),
                bare,
                t0,
                settings.loop_repetition_penalty,
                NO_REPEAT_NGRAM,
            )
            for k, r in zip(still, again, strict=True):
                i = batch[k]
                retried = score(r, t0, language_of[i])
                tried[i].append(retried)
                if unlooped(found[i], retried, settings):
                    found[i] = retried
        for temperature in settings.temperatures[1:]:
            failed = [
                k for k, i in enumerate(batch)
                if needs_fallback(found[i].compression_ratio, found[i].avg_logprob,
                                  found[i].no_speech_prob, settings)
            ]  # fmt: skip
            if not failed:
                break
            log.debug("%d windows decoded again at temperature %.1f", len(failed), temperature)
            again = generate(
                again_input(failed),
                prompts([batch[k] for k in failed], temperature),
                temperature,
            )
            for k, r in zip(failed, again, strict=True):
                i = batch[k]
                found[i] = score(r, temperature, language_of[i])
                tried[i].append(found[i])
        for i in batch:
            w = found[i]
            if needs_fallback(w.compression_ratio, w.avg_logprob, w.no_speech_prob, settings):
                # every temperature failed: the most probable text that is not a loop
                fine = [
                    t for t in tried[i]
                    if t.compression_ratio <= settings.compression_ratio_threshold
                ] or tried[i]  # fmt: skip
                best = max(fine, key=lambda t: t.avg_logprob)
                found[i] = _replace(best, temperature=w.temperature)
        sizes = [
            int(math.ceil((windows[i][1] - windows[i][0]) / fe.sampling_rate) * fps) for i in batch
        ]
        aligned: list[tuple[DecodedWord, ...]] = [()] * len(batch)
        spoken = sorted({language_of[i] for i in batch})
        for language in spoken:  # the alignment heads read the language token too
            rows = [k for k, i in enumerate(batch) if language_of[i] == language]
            source = encoded if len(spoken) == 1 else again_input(rows)
            texts = [found[batch[k]] for k in rows]
            lengths = [sizes[k] for k in rows]
            for k, words in zip(
                rows, _align(model, tokenizer_for(language), source, texts, lengths), strict=True
            ):
                aligned[k] = words
        for i, words in zip(batch, aligned, strict=True):
            results[i] = _replace(found[i], words=words)
    return [results[i] for i in range(len(windows))]


def _encode(model: Any, feats: np.ndarray) -> tuple[Any, np.ndarray | None]:
    """The encoder's output for a batch of windows, and the same as an array on the CPU.

    On the CPU the windows go through the encoder ``ENCODE_BATCH`` at a time: each one's
    self-attention holds 8 heads x 1500 x 1500 floats (72 MB) while it runs. On the 2.9-min
    sample (batch 8, beam 5) the process peaked at 940 MB encoding 8 at once, 723 MB by 2,
    694 MB by 1, with the same words; 8 windows took 5.4 s encoded together, 2.4 s one by
    one (whisper base, int8, 2 cores; one run, beside a CI run: not slower, not a speed-up
    to count on). Windows decoded again reuse this output where it can be indexed (on the
    CPU): given features, generate() would encode them once more."""
    if model.model.device != "cpu":
        return model.encode(feats), None
    hidden = np.concatenate(
        [
            np.asarray(model.encode(feats[k : k + ENCODE_BATCH]))
            for k in range(0, len(feats), ENCODE_BATCH)
        ]
    )
    return _storage(hidden), hidden


def _storage(features: np.ndarray) -> Any:
    import ctranslate2

    return ctranslate2.StorageView.from_array(np.ascontiguousarray(features))


def _replace(w: DecodedWindow, **changes: Any) -> DecodedWindow:
    from dataclasses import replace

    return replace(w, **changes)


def _align(
    model: Any,
    tokenizer: Any,
    encoded: Any,
    decoded: Sequence[DecodedWindow],
    sizes: Sequence[int],
) -> list[tuple[DecodedWord, ...]]:
    """Word times (from each window's start) by faster-whisper's cross-attention alignment."""
    if not any(d.tokens for d in decoded):
        return [() for _ in decoded]
    segments = [
        [{"tokens": list(d.tokens), "start": 0.0, "end": size / model.frames_per_second, "seek": 0}]
        for d, size in zip(decoded, sizes, strict=True)
    ]
    model.add_word_timestamps(
        segments,
        tokenizer,
        encoded,
        list(sizes),
        "\"'“¿([{-",
        "\"'.。,，!！?？:：”)]}、",
        0.0,
    )
    return [
        tuple(
            join_split_words(
                [
                    DecodedWord(
                        str(w["word"]), float(w["start"]), float(w["end"]), float(w["probability"])
                    )
                    for w in seg[0].get("words", ())
                ]
            )
        )
        for seg in segments
    ]
