"""Every unusable input gives one line naming the problem and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_samples import make_silence_wav, make_tone_wav, make_video

from plenaria.errors import InputError, MediaError
from plenaria.media.audio import extract_audio
from plenaria.media.ffmpeg import run_ffmpeg
from plenaria.media.probe import inspect_recording


def _fails(path: Path, error: type[InputError], *words: str) -> InputError:
    with pytest.raises(error) as caught:
        inspect_recording(path)
    err = caught.value
    assert "\n" not in str(err), "the message must be one line"
    assert err.hint, "the error must say what to do"
    for word in words:
        assert word.lower() in err.message.lower()
    return err


@pytest.fixture(scope="module")
def camera_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An 8 s MP4 with its index (moov) at the end, as cameras write it."""
    d = tmp_path_factory.mktemp("errors")
    return make_video(d / "camera.mp4", make_tone_wav(d / "t.wav", 8.0), 8.0)


def test_missing_path(tmp_path: Path) -> None:
    err = _fails(tmp_path / "pleno.mp4", InputError, "no se encuentra", "pleno.mp4")
    assert not isinstance(err, MediaError)


def test_directory(tmp_path: Path) -> None:
    _fails(tmp_path, InputError, "carpeta")


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "pleno.mp4"
    empty.touch()
    _fails(empty, InputError, "vacío", "0 bytes")


def test_pdf_renamed_mp4(tmp_path: Path) -> None:
    pdf = tmp_path / "acta.mp4"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    err = _fails(pdf, MediaError, "PDF", "acta.mp4")
    assert isinstance(err.__cause__, Exception)  # the evidence (first bytes) is kept


def test_truncated_mp4_loses_its_index(tmp_path: Path, camera_mp4: Path) -> None:
    cut = tmp_path / "cut.mp4"
    data = camera_mp4.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    _fails(cut, MediaError, "incompleto", "moov")


def test_truncated_faststart_mp4_keeps_its_index_but_not_its_data(
    tmp_path: Path, camera_mp4: Path
) -> None:
    faststart = tmp_path / "web.mp4"
    run_ffmpeg(
        ["-i", str(camera_mp4), "-c", "copy", "-movflags", "+faststart", str(faststart)],
        what="test",
    )
    cut = tmp_path / "cut.mp4"
    data = faststart.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    _fails(cut, MediaError, "cortado", "8.0 s")


def test_video_without_audio(tmp_path: Path) -> None:
    mute = make_video(tmp_path / "mute.mp4", None, 2.0)
    _fails(mute, MediaError, "no tiene pista de audio (solo vídeo)")


def test_zero_length_wav(tmp_path: Path) -> None:
    wav = make_silence_wav(tmp_path / "zero.wav", 0.0)
    assert wav.stat().st_size > 0  # a header, no samples
    _fails(wav, MediaError, "0 segundos")


def test_zero_length_mp4(tmp_path: Path) -> None:
    mp4 = tmp_path / "zero.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "0", "-c:a", "aac", str(mp4)],
        what="test",
    )
    assert mp4.stat().st_size > 0
    # ffmpeg drops a stream that got no samples, so "no audio" is the true diagnosis.
    _fails(mp4, MediaError, "no tiene pista de audio:")


def test_extracting_from_a_video_without_audio_leaves_nothing(tmp_path: Path) -> None:
    mute = make_video(tmp_path / "mute.mp4", None, 1.0)
    dest = tmp_path / "work" / "audio.wav"
    with pytest.raises(MediaError, match=r"extraer el audio de mute\.mp4"):
        extract_audio(mute, dest)
    assert list(dest.parent.iterdir()) == []
