"""`plenaria process` on bad input: one line naming the problem, exit code 2, no traceback.

These run the real command in a subprocess; the input is checked before any
model loads, so each takes about a second.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plenaria.media.ffmpeg import ffmpeg_binary


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plenaria", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PLENARIA_CACHE_DIR": str(cwd / "cache"), "COLUMNS": "200"},
        timeout=120,
    )


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", *args], check=True)


def _error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("Error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0].lower()


@pytest.fixture
def mp4(tmp_path: Path) -> Path:
    path = tmp_path / "ok.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=3",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
        "-c:v", "libx264", "-c:a", "aac", "-shortest", str(path),
    )  # fmt: skip
    return path


def _make(kind: str, tmp_path: Path, mp4: Path) -> Path:
    if kind == "missing":
        return tmp_path / "no-existe.mp4"
    if kind == "empty":
        path = tmp_path / "vacío.mp4"
        path.write_bytes(b"")
        return path
    if kind == "pdf":
        path = tmp_path / "acta.mp4"
        path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" * 50 + b"%%EOF\n")
        return path
    if kind == "truncated":
        path = tmp_path / "cortado.mp4"
        path.write_bytes(mp4.read_bytes()[: mp4.stat().st_size // 2])
        return path
    if kind == "no-audio":
        path = tmp_path / "mudo.mp4"
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10:duration=2",
            "-c:v",
            "libx264",
            str(path),
        )
        return path
    if kind == "zero-length":
        path = tmp_path / "cero.wav"
        ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "0", str(path))
        return path
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("missing", ("no se encuentra", "no-existe.mp4")),
        ("empty", ("está vacío", "vacío.mp4")),
        ("pdf", ("acta.mp4",)),
        ("truncated", ("cortado.mp4",)),
        ("no-audio", ("no tiene pista de audio", "mudo.mp4")),
        ("zero-length", ("cero.wav",)),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(
    kind: str, words: tuple[str, ...], tmp_path: Path, mp4: Path
) -> None:
    path = _make(kind, tmp_path, mp4)
    proc = run_cli("process", str(path), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    line = _error_line(proc)
    for word in words:
        assert word.lower() in line, line
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_unknown_option_value_is_an_error_not_a_traceback(tmp_path: Path, mp4: Path) -> None:
    proc = run_cli("process", str(mp4), "--chunk-max-s", "-5", cwd=tmp_path)
    assert proc.returncode == 2
    assert "chunk_max_s" in _error_line(proc)


def test_bad_session_file_names_the_problem(tmp_path: Path, mp4: Path) -> None:
    session = tmp_path / "sesión.yaml"
    session.write_text("council: X\nfecha: 2026-01-01\n", encoding="utf-8")
    proc = run_cli("process", str(mp4), "--session", str(session), cwd=tmp_path)
    assert proc.returncode == 2
    assert "fecha" in _error_line(proc)
