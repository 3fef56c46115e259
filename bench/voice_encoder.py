"""resemblyzer's voice encoder: torch + librosa vs plenaria's numpy port, side by side.

    .venv/bin/python bench/voice_encoder.py                     # 2000 windows, batch 64, 1 thread
    .venv/bin/python bench/voice_encoder.py --windows 500 --batch 128 --threads 2 --repeat 3

Each path runs in a fresh subprocess (so import time and memory are its own):
``torch`` imports torch, librosa and resemblyzer and loads VoiceEncoder;
``numpy`` imports plenaria.diarization.encoder and loads NumpyVoiceEncoder.
Both embed the same mel windows of 1.6 s (160 frames; random noise shaped like
speech power, computed once here) in batches, with ``--threads`` BLAS/torch
threads, and each computes the mel spectrogram of 60 s of audio with its own
code (librosa / numpy). Printed: the time from spawning the process to a
loaded model (interpreter start, numpy, the path's imports, the weights),
import and load time alone, RSS after loading and at its peak, embedding time
and windows per second, mel time (first and second call), the numpy/torch
ratio, and the largest difference between the two paths' embeddings. With
``--repeat`` the paths alternate and the fastest run of each is kept (the
machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

FRAMES = 160  # 1.6 s at 10 ms per frame, resemblyzer's partials_n_frames
MEL_AUDIO_S = 60.0


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(path: str, data: Path, batch: int, threads: int, out: Path) -> None:
    """One measured run of one path; writes a JSON line of figures and the embeddings."""
    t0 = time.perf_counter()
    if path == "torch":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import librosa
            import torch
            from resemblyzer import VoiceEncoder
        torch.set_num_threads(threads)
        t_import = time.perf_counter()
        encoder = VoiceEncoder(device="cpu", verbose=False)
        encoder.eval()

        def embed(batch_mels: list[np.ndarray]) -> np.ndarray:
            with torch.inference_mode():
                _, (hidden, _) = encoder.lstm(torch.from_numpy(np.stack(batch_mels)))
                raw = encoder.relu(encoder.linear(hidden[-1]))
                return (raw / torch.norm(raw, dim=1, keepdim=True)).numpy()

        def mel(audio: np.ndarray) -> np.ndarray:
            return np.asarray(
                librosa.feature.melspectrogram(
                    y=audio, sr=16000, n_fft=400, hop_length=160, n_mels=40
                ).T
            )
    else:
        from plenaria.diarization.encoder import NumpyVoiceEncoder, mel_spectrogram

        t_import = time.perf_counter()
        numpy_encoder = NumpyVoiceEncoder.load(threads=threads)
        embed = numpy_encoder.embed_mels
        mel = mel_spectrogram
    t_load = time.perf_counter()
    ready_at = time.time()
    rss_loaded = _rss_mb()

    mels = list(np.load(data))
    embed(mels[:batch])  # warm-up: first-call allocations, thread pools
    start = time.perf_counter()
    chunks = [embed(mels[i : i + batch]) for i in range(0, len(mels), batch)]
    embed_s = time.perf_counter() - start
    audio = np.random.default_rng(1).standard_normal(int(MEL_AUDIO_S * 16000)).astype(np.float32)
    mel_ms = []
    for _ in range(2):  # the first call also pays for lazy imports and caches
        start = time.perf_counter()
        mel(audio * 0.1)
        mel_ms.append(1000 * (time.perf_counter() - start))
    np.save(out.with_suffix(".npy"), np.concatenate(chunks))
    figures = {
        "ready_at": ready_at,
        "import_s": t_import - t0,
        "load_s": t_load - t_import,
        "rss_loaded_mb": rss_loaded,
        "rss_peak_mb": _rss_mb("VmHWM"),
        "embed_s": embed_s,
        "windows_per_s": len(mels) / embed_s,
        "mel_first_ms": mel_ms[0],
        "mel_again_ms": mel_ms[1],
        "torch_imported": "torch" in sys.modules,
        "librosa_imported": "librosa" in sys.modules,
    }
    out.write_text(json.dumps(figures))


def _windows(n: int, seed: int = 0) -> np.ndarray:
    """n mel windows (160 x 40) with the spread of speech power (log-normal, correlated in time)."""
    rng = np.random.default_rng(seed)
    log_power = rng.standard_normal((n, FRAMES, 40)).cumsum(axis=1) * 0.3 - 4.0
    return np.exp(log_power).astype(np.float32)


def _run(path: str, data: Path, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    out = tmp / f"{path}.json"
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    cmd = [sys.executable, __file__, "--child", path, "--data", str(data), "--out", str(out)]
    cmd += ["--batch", str(args.batch), "--threads", str(args.threads)]
    spawned_at = time.time()
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True)
    figures: dict[str, Any] = json.loads(out.read_text())
    figures["process_s"] = time.perf_counter() - start
    figures["ready_s"] = figures["ready_at"] - spawned_at
    figures["embeddings"] = np.load(out.with_suffix(".npy"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=2000, help="windows of 1.6 s to embed")
    parser.add_argument("--batch", type=int, default=64, help="windows per forward pass")
    parser.add_argument("--threads", type=int, default=1, help="BLAS / torch threads")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each path (best kept)")
    parser.add_argument("--child", choices=("torch", "numpy"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.data, args.batch, args.threads, args.out)
        return

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        data = tmp / "mels.npy"
        np.save(data, _windows(args.windows))
        runs: dict[str, list[dict[str, Any]]] = {"torch": [], "numpy": []}
        for _ in range(args.repeat):
            for path in runs:
                runs[path].append(_run(path, data, args, tmp))
    best = {path: min(r, key=lambda f: f["embed_s"]) for path, r in runs.items()}
    diff = float(np.abs(best["torch"]["embeddings"] - best["numpy"]["embeddings"]).max())

    print(
        f"{args.windows} windows of {FRAMES} frames, batch {args.batch}, {args.threads} thread(s), "
        f"best of {args.repeat}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    rows = [
        ("spawn to loaded (s)", "ready_s", "{:.2f}"),
        ("  import (s)", "import_s", "{:.2f}"),
        ("  load weights (s)", "load_s", "{:.2f}"),
        ("RSS after load (MB)", "rss_loaded_mb", "{:.0f}"),
        ("peak RSS (MB)", "rss_peak_mb", "{:.0f}"),
        ("embed (s)", "embed_s", "{:.2f}"),
        ("windows / s", "windows_per_s", "{:.0f}"),
        ("mel of 60 s, 1st (ms)", "mel_first_ms", "{:.1f}"),
        ("mel of 60 s, 2nd (ms)", "mel_again_ms", "{:.1f}"),
        ("whole process (s)", "process_s", "{:.2f}"),
        ("imported torch", "torch_imported", "{}"),
        ("imported librosa", "librosa_imported", "{}"),
    ]
    print(f"{'':22}{'torch+librosa':>15}{'numpy':>12}{'numpy/torch':>13}")
    for label, key, fmt in rows:
        t, n = best["torch"][key], best["numpy"][key]
        ratio = f"{n / t:.2f}x" if isinstance(t, float) and t > 0 else ""
        print(f"{label:22}{fmt.format(t):>15}{fmt.format(n):>12}{ratio:>13}")
    if args.repeat > 1:
        for path, r in runs.items():
            print(f"{path} embed times: " + ", ".join(f"{f['embed_s']:.2f}" for f in r))
    print(f"max |embedding difference|: {diff:.2e}")


if __name__ == "__main__":
    main()
