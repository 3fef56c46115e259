"""Uploaded media is probed in a child process with limits: the same answers, no risk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from media_samples import make_tone_wav, make_video

from plenaria.errors import MediaError
from plenaria.media.probe import inspect_recording, sha256_file
from plenaria.media.probe_process import ProbeLimits, inspect_isolated


@pytest.fixture(scope="module")
def camera_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("isolated")
    return make_video(d / "camera.mp4", make_tone_wav(d / "t.wav", 3.0), 3.0)


def test_the_child_certifies_what_the_probe_certifies(camera_mp4: Path) -> None:
    digest = sha256_file(camera_mp4)
    isolated = inspect_isolated(camera_mp4, name="-pleno de mayo.mp4", sha256=digest)
    here = inspect_recording(camera_mp4, name="-pleno de mayo.mp4", sha256=digest)
    assert isolated == here
    assert isolated.file_name == "-pleno de mayo.mp4" and isolated.has_audio
    assert isolated.duration_s == pytest.approx(3.0, abs=0.1)


def test_the_probes_refusal_comes_back_as_it_was(camera_mp4: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(camera_mp4.read_bytes()[: camera_mp4.stat().st_size // 2])
    with pytest.raises(MediaError) as here:
        inspect_recording(cut, name="pleno.mp4")
    with pytest.raises(MediaError) as isolated:
        inspect_isolated(cut, name="pleno.mp4")
    assert str(isolated.value) == str(here.value) and "pleno.mp4" in str(here.value)


def test_a_probe_over_its_limits_is_stopped(camera_mp4: Path) -> None:
    pid = os.getpid()
    with pytest.raises(MediaError) as caught:  # too little memory even to load PyAV
        inspect_isolated(camera_mp4, name="pleno.mp4", limits=ProbeLimits(memory_bytes=64 << 20))
    assert str(caught.value).startswith("pleno.mp4 no se pudo leer: la comprobación se detuvo")
    with pytest.raises(MediaError) as caught:
        inspect_isolated(camera_mp4, name="pleno.mp4", limits=ProbeLimits(wall_s=0.05))
    assert str(caught.value).startswith("pleno.mp4 no se pudo comprobar en 0.05 s")
    assert os.getpid() == pid  # the caller goes on
    assert inspect_isolated(camera_mp4, name="pleno.mp4").has_audio
