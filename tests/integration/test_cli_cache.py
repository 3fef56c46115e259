"""`plenaria process` reuses work only for the same recording, models and options.

A file replaced under the same name, another ``--model``, or a ``cache clean``
in between: each run answers for the recording it was given, with the model it
was given (real ffmpeg, the bundled Whisper base model, espeak-ng speech).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import plenaria
from plenaria.cli.samples import ALCALDESA, SECRETARIO, render_script, write_wav

pytestmark = pytest.mark.integration

FIRST = ((ALCALDESA, "Buenas tardes. Se abre la sesión del pleno."),)
SECOND = ((SECRETARIO, "Primer punto del orden del día: aprobación del presupuesto."),)
MARK = "PALABRAMARCA"


def plenaria_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line as a user runs it, on the sources this test imports."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PYTHONPATH": str(Path(plenaria.__file__).parents[1]),
        "PLENARIA_CACHE_DIR": str(home / "cache"),
        "PLENARIA_DATA_DIR": str(home / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "plenaria", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def process(home: Path, wav: Path, *flags: str) -> dict[str, object]:
    out = home / "out"
    proc = plenaria_cli(
        home, "process", str(wav), "--out", str(out), "-l", "es", "--no-diarization",
        "--no-proxy", *flags,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data: dict[str, object] = json.loads((out / f"{wav.stem}.json").read_text(encoding="utf-8"))
    return data


def text_of(data: dict[str, object]) -> str:
    interventions = data["interventions"]
    assert isinstance(interventions, list)
    return " ".join(i["text"] for i in interventions).lower()


def sha256_of(data: dict[str, object]) -> str:
    recording = data["recording"]
    assert isinstance(recording, dict)
    return str(recording["sha256"])


def say(path: Path, script: tuple[tuple[object, str], ...]) -> Path:
    audio, _ = render_script(script)  # type: ignore[arg-type]
    return write_wav(path, audio)


def test_a_file_replaced_under_the_same_name_gets_its_own_transcript(tmp_path: Path) -> None:
    wav = say(tmp_path / "pleno.wav", FIRST)
    first = process(tmp_path, wav)
    assert "pleno" in text_of(first)
    assert sha256_of(first) == hashlib.sha256(wav.read_bytes()).hexdigest()

    say(tmp_path / "otro.wav", SECOND).replace(wav)  # next month's pleno, same name
    second = process(tmp_path, wav)
    assert sha256_of(second) == hashlib.sha256(wav.read_bytes()).hexdigest()
    assert sha256_of(second) != sha256_of(first)
    assert "presupuesto" in text_of(second)
    assert "sesión" not in text_of(second)


def test_another_model_does_not_reuse_the_first_models_words(tmp_path: Path) -> None:
    wav = say(tmp_path / "pleno.wav", FIRST)
    first = process(tmp_path, wav)
    assert str(first["model"]).startswith("faster-whisper/base@")
    # A second model: the bundled weights under another name (its own model id).
    bundled = tmp_path / "cache" / "models" / "bundled-base"
    other = tmp_path / "cache" / "models" / "base-copia"
    other.mkdir()
    for f in bundled.iterdir():
        if f.is_file() and not f.name.startswith("."):
            os.link(f, other / f.name)
    # Mark the first model's chunks, so that a reuse of its words shows.
    recordings = tmp_path / "cache" / "recordings"
    chunks = list(recordings.glob("*/chunks/*.json"))
    assert chunks
    for chunk in chunks:
        data = json.loads(chunk.read_text(encoding="utf-8"))
        data["words"] = [{**w, "text": MARK} for w in data["words"]]
        chunk.write_text(json.dumps(data), encoding="utf-8")
    for transcript in recordings.glob("*/transcript-*.json"):
        transcript.unlink()
    shutil.rmtree(tmp_path / "cache" / "outputs")
    # The same model finds its (marked) chunks: the mark is how reuse shows.
    assert MARK.lower() in text_of(process(tmp_path, wav))

    second = process(tmp_path, wav, "--model", "base-copia")
    assert str(second["model"]).startswith("faster-whisper/base-copia@")
    assert MARK.lower() not in text_of(second)
    assert "pleno" in text_of(second)


def test_cache_clean_then_the_same_command_redoes_the_work(tmp_path: Path) -> None:
    wav = say(tmp_path / "pleno.wav", FIRST)
    first = process(tmp_path, wav)
    cleaned = plenaria_cli(tmp_path, "cache", "clean", "--max-bytes", "0")
    assert cleaned.returncode == 0, cleaned.stderr
    assert "Borradas 1 grabación" in cleaned.stdout
    recordings = tmp_path / "cache" / "recordings"
    assert not any(recordings.iterdir())

    again = process(tmp_path, wav)
    assert text_of(again) == text_of(first)
    assert sha256_of(again) == sha256_of(first)
    assert list(recordings.glob("*/chunks/*.json"))  # the work was done again
