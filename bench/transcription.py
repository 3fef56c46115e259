"""The transcription step alone, on the TUNING set: faster-whisper's two ways and Plenaria's.

    .venv/bin/python bench/transcription.py [--only NAME,...] [--set window_s=30 ...]
                                            [--systems bare,batched,plenaria]

Every default of ``TranscriptionOptions`` is chosen with this script, on the files
below, never on the report set (``../shared/data/long`` and the 60-minute pleno,
which ``bench/pipeline.py`` scores). One process, one model (the bundled base,
int8, CPU, beam 5) shared by the three systems, so the figures compare methods:

- bare: ``WhisperModel.transcribe(audio, beam_size=5)``, sequential, no VAD;
- batched: ``BatchedInferencePipeline.transcribe(audio, batch_size=8)`` with its VAD;
- batched_words (not run unless named): the same with ``word_timestamps=True``, the
  word times Plenaria computes and the batched column does not;
- plenaria: our silero VAD, our chunks, ``Transcriber.transcribe`` per chunk
  (word timestamps on, as the pipeline needs them); ``--set`` overrides options.

The tuning set (``../shared/data``, see its README; made into 16 kHz WAVs once):
the picovoice read sentences (6 languages), jfk, gossos and dosparlants (Catalan;
their references are a larger model's output, not human), the pyannote and
picovoice diarization samples (English conversation), two dense concatenations
of these with no pause between clips, and generated Spanish plenos (espeak: one
with its usual 1 s pauses, one dense with 0.15 s pauses).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# ../shared/data beside the checkout (a worktree may sit one level deeper).
DATA = next(
    (p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
    ROOT.parent / "shared" / "data",
)
SR = 16_000
CACHE = Path("/tmp/plenaria-tuning-set")


def normalise(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"\[speaker_\d+\]:", " ", text)
    text = re.sub(r"[^\w\s']", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def load(path: Path) -> np.ndarray:
    from faster_whisper import decode_audio

    return np.asarray(decode_audio(str(path), sampling_rate=SR), dtype=np.float32)


def write_wav(path: Path, audio: np.ndarray) -> Path:
    from plenaria.cli.samples import write_wav as _write

    return _write(path, audio, SR)


def tuning_set() -> list[tuple[str, Path, str, str]]:
    """(name, 16 kHz wav, reference, language) for every tuning file."""
    if not DATA.exists():
        raise SystemExit(f"{DATA} is missing: the tuning set lives there (see its README).")
    CACHE.mkdir(parents=True, exist_ok=True)
    asr = DATA / "asr"
    pico = json.loads((asr / "picovoice_test_data.json").read_text(encoding="utf-8"))["tests"]
    refs = asr / "whisper_ctranslate2_refs"
    items: list[tuple[str, Path, str, str]] = []
    for t in pico["language_tests"]:
        lang = t["language"]
        if not (asr / f"test_{lang}.wav").exists():
            continue
        items.append((f"test_{lang}", asr / f"test_{lang}.wav", t["transcript"], lang))
    items.append(
        (
            "jfk",
            asr / "jfk.flac",
            "And so my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.",
            "en",
        )
    )
    items.append(
        ("gossos", asr / "gossos.mp3", (refs / "ref-small-transcribe/gossos.txt").read_text(), "ca")
    )
    items.append(
        (
            "dosparlants",
            asr / "dosparlants.mp3",
            (refs / "ref-medium-diarization/dosparlants.txt").read_text(),
            "ca",
        )
    )
    stm = (DATA / "diarization" / "sample.stm").read_text(encoding="utf-8").splitlines()
    items.append(
        ("pyannote_sample", DATA / "diarization" / "sample.wav", " ".join(
            ln.split(maxsplit=5)[5] for ln in stm if len(ln.split(maxsplit=5)) == 6
        ), "en")
    )  # fmt: skip
    words = pico["diarization_tests"][0]["words"]
    items.append(
        (
            "picovoice_diarization",
            DATA / "diarization" / "picovoice_diarization_test.wav",
            " ".join(w["word"] for w in words),
            "en",
        )
    )
    out: list[tuple[str, Path, str, str]] = []
    for name, src, ref, lang in items:
        wav = CACHE / f"{name}.wav"
        if not wav.exists():
            write_wav(wav, load(src))
        out.append((name, wav, ref, lang))
    # Dense concatenations: speech after speech, no pause between the clips.
    for name, parts in (
        ("dense_ca", ["gossos", "dosparlants", "gossos"]),
        ("dense_en", ["jfk", "test_en", "pyannote_sample", "picovoice_diarization", "jfk"]),
    ):
        by = {n: (w, r, lg) for n, w, r, lg in out}
        wav = CACHE / f"{name}.wav"
        if not wav.exists():
            write_wav(wav, np.concatenate([_trim(load(by[p][0])) for p in parts]))
        out.append((name, wav, " ".join(by[p][1] for p in parts), by[parts[0]][2]))
    for name, pause, repeat in (("pleno_5min", 1.0, 3), ("pleno_dense", 0.15, 2)):
        wav = CACHE / f"{name}.wav"
        ref_file = CACHE / f"{name}.txt"
        if not wav.exists():
            from plenaria.cli.samples import SAMPLE_RATE, SCRIPT, render_script

            audio, lines = render_script(SCRIPT, pause_s=pause, repeat=repeat)
            from scipy.signal import resample_poly

            write_wav(wav, resample_poly(audio, 320, 441).astype(np.float32))
            ref_file.write_text(" ".join(ln.text for ln in lines), encoding="utf-8")
            assert SAMPLE_RATE == 22050
        out.append((name, wav, ref_file.read_text(encoding="utf-8"), "es"))
    return out


def _trim(audio: np.ndarray, level: float = 0.01) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > level)
    return audio[max(0, loud[0] - 1600) : loud[-1] + 1600] if loud.size else audio


def wer(ref: str, hyp: str) -> tuple[int, int]:
    """(errors, reference words)."""
    import jiwer

    r, h = normalise(ref), normalise(hyp)
    out = jiwer.process_words(r, h)
    return out.substitutions + out.deletions + out.insertions, len(r.split())


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--only", default="", help="comma-separated file names of the tuning set")
    ap.add_argument("--systems", default="bare,batched,plenaria")
    ap.add_argument("--set", action="append", default=[], help="option=value for plenaria")
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--known-language", action="store_true", help="give each file's language")
    ap.add_argument("--show", action="store_true", help="print each system's text")
    ap.add_argument("--debug", action="store_true", help="log plenaria.transcription's decisions")
    args = ap.parse_args()
    if args.debug:
        import logging

        logging.basicConfig(format="%(name)s: %(message)s")
        logging.getLogger("plenaria.transcription").setLevel(logging.DEBUG)

    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from plenaria.config import Settings
    from plenaria.domain import Chunk, Segment
    from plenaria.graph.steps import transcribe_chunk
    from plenaria.media.chunking import ChunkingOptions, plan_chunks
    from plenaria.media.vad import detect_speech, load_vad_model
    from plenaria.transcription.base import TranscriptionOptions
    from plenaria.transcription.loader import load_transcriber
    from plenaria.transcription.models import resolve_model

    settings = Settings()
    model_dir = resolve_model(None, settings).path
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8")
    batched = BatchedInferencePipeline(model)
    transcriber = load_transcriber(settings.model_copy(update={"device": "cpu"}))
    vad = load_vad_model()
    overrides: dict[str, Any] = {}
    for kv in args.set:
        k, v = kv.split("=", 1)
        overrides[k] = json.loads(v) if v[:1] in "[{0123456789-tfn" else v
    options = TranscriptionOptions(beam_size=args.beam, **overrides)

    files = tuning_set()
    if args.only:
        wanted = set(args.only.split(","))
        files = [f for f in files if f[0] in wanted]

    def bare(path: Path, lang: str | None) -> str:
        segs, _ = model.transcribe(load(path), beam_size=args.beam, language=lang)
        return " ".join(s.text.strip() for s in segs)

    def fw_batched(path: Path, lang: str | None, words: bool = False) -> str:
        segs, _ = batched.transcribe(
            load(path), beam_size=args.beam, batch_size=8, language=lang, word_timestamps=words
        )
        return " ".join(s.text.strip() for s in segs)

    def plenaria(path: Path, lang: str | None) -> str:
        speech = detect_speech(path, vad)
        dur = len(load(path)) / SR
        chunks = plan_chunks(speech, dur, ChunkingOptions())
        opts = options.model_copy(update={"language": lang}) if lang else options
        words = []
        for chunk in chunks:
            ct = transcribe_chunk(transcriber, path, chunk, speech, opts)
            words += [w.text for w in ct.words]
        _ = (Chunk, Segment)
        return " ".join(words)

    systems: dict[str, Callable[[Path, str | None], str]] = {
        "bare": bare,
        "batched": fw_batched,
        "batched_words": functools.partial(fw_batched, words=True),
        "plenaria": plenaria,
    }
    chosen = [s for s in args.systems.split(",") if s]
    totals = {s: [0, 0, 0.0] for s in chosen}
    print(f"options: {overrides or 'defaults'}", flush=True)
    print("| file | s | " + " | ".join(f"{s} WER | {s} s" for s in chosen) + " |")
    print("|---|---|" + "---|---|" * len(chosen))
    for name, path, ref, lang in files:
        dur = len(load(path)) / SR
        row = [name, f"{dur:.0f}"]
        for s in chosen:
            t0 = time.perf_counter()
            text = systems[s](path, lang if args.known_language else None)
            took = time.perf_counter() - t0
            err, n = wer(ref, text)
            totals[s][0] += err
            totals[s][1] += n
            totals[s][2] += took
            row += [f"{err / n:.3f}", f"{took:.1f}"]
            if args.show:
                print(f"  {s}: {text}", file=sys.stderr)
        print("| " + " | ".join(row) + " |", flush=True)
    row = ["ALL (word-weighted)", ""]
    for s in chosen:
        e, n, t = totals[s]
        row += [f"{e / n:.3f}", f"{t:.1f}"]
    print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
