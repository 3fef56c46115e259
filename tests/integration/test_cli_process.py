"""`plenaria process` from the command line, on a recording named with spaces and accents."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from models_folder import shared_models_dir
from plenaria.cli.samples import ALCALDESA, SECRETARIO, render_script, write_wav
from plenaria.media.ffmpeg import ffmpeg_binary

pytestmark = pytest.mark.integration

LINES = (
    (ALCALDESA, "Buenas tardes. Se abre la sesión del pleno."),
    (SECRETARIO, "Primer punto del orden del día."),
)


def test_process_a_video_with_spaces_and_accents_in_its_name(tmp_path: Path) -> None:
    audio, _ = render_script(LINES)
    wav = write_wav(tmp_path / "voz.wav", audio)
    video = tmp_path / "Pleno de marzo ñ à.mp4"
    subprocess.run(
        [
            ffmpeg_binary(), "-v", "error", "-y",
            "-f", "lavfi", "-i", "color=c=black:s=160x120:r=5:d=12",
            "-i", str(wav),
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(video),
        ],
        check=True,
    )  # fmt: skip
    out = tmp_path / "salida ç"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PLENARIA_CACHE_DIR": str(tmp_path / "cache"),
        "PLENARIA_MODELS_DIR": str(shared_models_dir()),
        "PLENARIA_DATA_DIR": str(tmp_path / "data"),
        "PLENARIA_VIDEO_URL_TEMPLATE": "https://sede.example.es/plenos/{session}?t={seconds}",
    }
    # With the ONNX networks made at install (``make``), the main job never imports torch:
    # here torch cannot be imported at all, and the job must still diarize and finish.
    no_torch = (
        "import sys, runpy; sys.modules['torch'] = None; "
        "runpy.run_module('plenaria', run_name='__main__')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", no_torch, "process", str(video), "--out", str(out), "-l", "es"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    stem = "Pleno de marzo ñ à"
    for suffix in (".json", ".vtt", ".srt", ".docx", ".proxy.mp4"):
        assert (out / f"{stem}{suffix}").stat().st_size > 0
    data = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
    assert data["recording"]["file_name"] == f"{stem}.mp4"
    text = " ".join(i["text"] for i in data["interventions"]).lower()
    assert "pleno" in text and "orden del día" in text
    doc = Document(str(out / f"{stem}.docx"))
    links = [r.target_ref for r in doc.part.rels.values() if r.reltype.endswith("/hyperlink")]
    # The session id defaults to the file's stem, URL-quoted in the link.
    assert links and all(
        x.startswith("https://sede.example.es/plenos/Pleno%20de%20marzo%20%C3%B1%20%C3%A0?t=")
        for x in links
    )
