"""The GPU path, on a machine with an NVIDIA GPU: what runs there, and how fast.

    pip install -e '.[asr,diarization,gpu]' && pip uninstall -y onnxruntime  # then:
    .venv/bin/python bench/gpu.py FILE [FILE ...] [--generated 5,60] [--beam 5]

First a check, one line each, that stops at the first failure with what to do:
CTranslate2 sees a CUDA device and float16; CUDA 12's cuBLAS and cuDNN 9 load
from the ``nvidia-*-cu12`` wheels (:mod:`plenaria.transcription.cuda_libs`);
onnxruntime offers the CUDA provider, or torch has CUDA, so the diarizer runs on the GPU.

Then ``bench/pipeline.py --device cuda --compute-type float16`` on the same files:
real-time factors of bare faster-whisper (sequential) and batched, and of
Plenaria's whole pipeline (diarization on the GPU, proxy included), each in its
own process, cold, and the WER where a reference exists.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pipeline


def check() -> list[str]:
    """What was found, one line each; SystemExit naming the first thing missing."""
    lines: list[str] = []
    try:
        import ctranslate2
    except ImportError:
        raise SystemExit("faster-whisper is not installed: pip install -e '.[asr,gpu]'") from None
    if ctranslate2.get_cuda_device_count() < 1:
        raise SystemExit("CTranslate2 sees no CUDA device: run this on a machine with a GPU.")
    types = ctranslate2.get_supported_compute_types("cuda")
    if "float16" not in types:
        raise SystemExit(f"This GPU has no float16 in CTranslate2 ({sorted(types)}).")
    lines.append(f"CTranslate2 {ctranslate2.__version__}: CUDA, compute types {sorted(types)}")

    from plenaria.transcription.cuda_libs import preload_cuda_libraries

    loaded = preload_cuda_libraries()
    if loaded:
        lines.append(f"CUDA libraries preloaded: {', '.join(p.name for p in loaded)}")
    else:
        lines.append(
            "No nvidia-*-cu12 wheels: cuBLAS 12 must be on the loader's path "
            "(else pip install -e '.[gpu]')"
        )

    from plenaria.diarization.models import cuda_runtime

    runtime = cuda_runtime()
    if not runtime:
        raise SystemExit(
            "The diarizer would run on the CPU: neither onnxruntime-gpu nor torch with CUDA "
            "is installed (pip uninstall -y onnxruntime && pip install onnxruntime-gpu)."
        )
    lines.append(
        "diarizer on CUDA through "
        + ("onnxruntime's CUDA provider" if runtime == "onnx" else "torch (no onnxruntime-gpu)")
    )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--check-only", action="store_true", help="the check, no benchmark")
    args, rest = ap.parse_known_args()
    for line in check():
        print(line, flush=True)
    if not args.check_only:
        pipeline.main([*rest, "--device", "cuda", "--compute-type", "float16"])


if __name__ == "__main__":
    main()
