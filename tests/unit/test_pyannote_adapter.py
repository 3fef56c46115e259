"""The pyannote adapter with stand-ins for pyannote's Annotation and pipeline.

pyannote.audio is not installed here (and must not be): the stand-ins implement
the two things the adapter relies on, ``itertracks(yield_label=True)`` and a
callable pipeline, in the shapes pyannote 3 and pyannote 4 return.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plenaria.config import Settings
from plenaria.diarization.base import DiarizationOptions, crop_to_regions, mark_overlaps
from plenaria.diarization.loader import load_diarizer
from plenaria.diarization.pyannote_backend import (
    PyannoteDiarizer,
    annotation_to_turns,
    load_pyannote_pipeline,
)
from plenaria.domain import Segment, Turn
from plenaria.errors import ConfigError, DependencyError


@dataclass(frozen=True)
class FakeSegment:
    start: float
    end: float


class FakeAnnotation:
    """What pyannote.core.Annotation.itertracks yields: (segment, track, label)."""

    def __init__(self, tracks: list[tuple[float, float, str]]) -> None:
        self.tracks = tracks

    def itertracks(self, yield_label: bool = False) -> Iterator[tuple[Any, ...]]:
        for i, (start, end, label) in enumerate(sorted(self.tracks)):
            track = (FakeSegment(start, end), f"track{i}")
            yield (*track, label) if yield_label else track


@dataclass(frozen=True)
class DiarizeOutput:
    """pyannote 4's pipeline output."""

    speaker_diarization: FakeAnnotation
    exclusive_speaker_diarization: FakeAnnotation


class FakePipeline:
    """A callable like pyannote's Pipeline: records its call, reports progress, returns a result."""

    def __init__(self, result: Any) -> None:
        self.result = result
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def __call__(self, file: Any, hook: Any = None, **kwargs: Any) -> Any:
        self.calls.append((file, kwargs))
        if hook is not None:
            for done in range(3):
                hook("segmentation", None, file=file, total=2, completed=done)
        return self.result


TRACKS = [
    (0.5, 4.0, "spk_B"),
    (3.5, 6.0, "spk_A"),  # overlaps spk_B between 3.5 and 4.0
    (7.0, 9.0, "spk_B"),
    (10.0, 12.0, "spk_C"),
]


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    path = tmp_path / "audio.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(b"\0\0" * 16_000 * 13)
    return path


def test_annotation_becomes_relabelled_turns_with_overlaps_marked() -> None:
    turns = annotation_to_turns(FakeAnnotation(TRACKS))
    assert turns == (
        Turn("SPEAKER_00", Segment(0.5, 4.0), overlap=True),
        Turn("SPEAKER_01", Segment(3.5, 6.0), overlap=True),
        Turn("SPEAKER_00", Segment(7.0, 9.0)),
        Turn("SPEAKER_02", Segment(10.0, 12.0)),
    )


def test_one_speakers_own_overlapping_tracks_are_not_an_overlap() -> None:
    turns = annotation_to_turns(FakeAnnotation([(0, 2, "x"), (1, 3, "x"), (5, 6, "y")]))
    assert [t.overlap for t in turns] == [False, False, False]
    assert [t.speaker for t in turns] == ["SPEAKER_00", "SPEAKER_00", "SPEAKER_01"]


def test_diarizer_calls_the_pipeline_and_crops_to_speech(wav: Path) -> None:
    pipeline = FakePipeline(FakeAnnotation(TRACKS))
    seen: list[tuple[str, float, float]] = []
    speech = [Segment(1.0, 5.0), Segment(7.5, 12.5)]
    result = PyannoteDiarizer(pipeline, "pyannote:test").diarize(
        wav, speech, DiarizationOptions(min_speakers=2, max_speakers=4), lambda *a: seen.append(a)
    )
    turns = result.turns
    assert result.model_id == "pyannote:test" and result.centroids == ()
    (file, kwargs), = pipeline.calls  # fmt: skip
    assert file == {"uri": "audio", "audio": str(wav)}
    assert kwargs == {"min_speakers": 2, "max_speakers": 4}
    assert seen == [("diarize", 0, 2), ("diarize", 1, 2), ("diarize", 2, 2)]
    assert turns == (
        Turn("SPEAKER_00", Segment(1.0, 4.0), overlap=True),
        Turn("SPEAKER_01", Segment(3.5, 5.0), overlap=True),
        Turn("SPEAKER_00", Segment(7.5, 9.0)),
        Turn("SPEAKER_02", Segment(10.0, 12.0)),
    )


def test_pyannote_4_output_and_an_exact_speaker_count(wav: Path) -> None:
    out = DiarizeOutput(FakeAnnotation(TRACKS[2:]), FakeAnnotation([]))
    pipeline = FakePipeline(out)
    opts = DiarizationOptions(min_speakers=2, max_speakers=2)
    turns = PyannoteDiarizer(pipeline).diarize(wav, [Segment(0, 13)], opts).turns
    assert pipeline.calls[0][1] == {"num_speakers": 2}
    # spk_A is cropped away entirely: numbering starts again from the first speaker left.
    assert turns == (
        Turn("SPEAKER_00", Segment(7.0, 9.0)),
        Turn("SPEAKER_01", Segment(10.0, 12.0)),
    )


def test_a_pipeline_without_a_hook_and_without_speech(wav: Path) -> None:
    calls = []

    def bare(file: Any) -> FakeAnnotation:
        calls.append(file)
        return FakeAnnotation(TRACKS)

    diarizer = PyannoteDiarizer(bare)
    assert diarizer.diarize(wav, [], DiarizationOptions()).turns == ()
    assert calls == []  # no speech: the pipeline is not even run
    assert len(diarizer.diarize(wav, [Segment(0, 13)], DiarizationOptions()).turns) == 4
    with pytest.raises(TypeError, match="not a speaker annotation"):
        PyannoteDiarizer(lambda f: {"oops": 1}).diarize(wav, [Segment(0, 1)], DiarizationOptions())


class LabelledAnnotation(FakeAnnotation):
    def labels(self) -> list[str]:
        return sorted({label for _, _, label in self.tracks})


def test_pyannote_3_centroids_come_back_under_the_new_labels(wav: Path) -> None:
    """pyannote 3.1 with return_embeddings=True: (annotation, one row per sorted label)."""
    annotation = LabelledAnnotation(TRACKS)
    rows = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])  # spk_A, spk_B, spk_C

    def pipeline(file: Any, return_embeddings: bool = False, **kw: Any) -> Any:
        assert return_embeddings
        return annotation, rows

    result = PyannoteDiarizer(pipeline).diarize(wav, [Segment(0, 13)], DiarizationOptions())
    # spk_B speaks first: SPEAKER_00.
    assert result.centroid("SPEAKER_00") == (0.0, 1.0)
    assert result.centroid("SPEAKER_01") == (1.0, 0.0)
    assert result.centroid("SPEAKER_02") == (0.5, 0.5)


def test_a_local_pipeline_uses_the_local_segmentation_checkpoint(tmp_path: Path) -> None:
    from plenaria.diarization.models import SEGMENTATION_FILE, weights_dir
    from plenaria.diarization.pyannote_backend import write_local_pipeline

    folder = write_local_pipeline(tmp_path / "pipe", embedding="/models/wespeaker.bin")
    text = (folder / "config.yaml").read_text()
    assert f"segmentation: {weights_dir() / SEGMENTATION_FILE}" in text
    assert "embedding: /models/wespeaker.bin" in text
    assert "SpeakerDiarization" in text and "threshold: 0.70" in text


def test_turn_helpers_return_new_sorted_turns() -> None:
    turns = [Turn("B", Segment(5, 9)), Turn("A", Segment(0, 6))]
    before = list(turns)
    assert mark_overlaps(turns) == (
        Turn("A", Segment(0, 6), True),
        Turn("B", Segment(5, 9), True),
    )
    assert crop_to_regions(turns, [Segment(1, 2), Segment(8, 10)]) == (
        Turn("A", Segment(1, 2)),
        Turn("B", Segment(8, 9)),
    )
    assert turns == before


def test_loading_a_pipeline_explains_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No hay ningún pipeline de pyannote"):
        load_pyannote_pipeline("", None, allow_network=False)
    with pytest.raises(ConfigError, match="la red está cerrada"):
        load_pyannote_pipeline("pyannote/speaker-diarization-3.1", None, allow_network=False)
    with pytest.raises(ConfigError, match=r"no tiene config\.yaml"):
        load_pyannote_pipeline(str(tmp_path), None, allow_network=False)
    with pytest.raises(ConfigError, match="No se encuentra"):
        load_pyannote_pipeline(str(tmp_path / "nope"), None, allow_network=False)
    (tmp_path / "config.yaml").write_text("pipeline: {}\n")
    with pytest.raises(DependencyError) as err:
        load_pyannote_pipeline(str(tmp_path), None, allow_network=False)
    assert "pip install 'plenaria[pyannote]'" in str(err.value)


def test_load_diarizer_follows_the_settings(tmp_path: Path) -> None:
    assert load_diarizer(Settings(cache_dir=tmp_path, diarization_backend="none")) is None
    (tmp_path / "config.yaml").write_text("pipeline: {}\n")
    settings = Settings(
        cache_dir=tmp_path, diarization_backend="pyannote", pyannote_pipeline=str(tmp_path)
    )
    with pytest.raises(DependencyError, match=r"plenaria\[pyannote\]"):
        load_diarizer(settings)


def test_a_local_pyannote_pipeline_is_written_then_loaded(tmp_path: Path) -> None:
    settings = Settings(
        cache_dir=tmp_path,
        models_dir=tmp_path / "models",
        diarization_backend="pyannote",
        pyannote_pipeline="local",
    )
    with pytest.raises(DependencyError, match=r"plenaria\[pyannote\]"):
        load_diarizer(settings)  # no pyannote.audio here: the config is written first
    written = tmp_path / "models" / "diarization" / "pyannote" / "config.yaml"
    assert "pyannote_segmentation_3.0/pytorch_model.bin" in written.read_text()


def test_load_diarizer_gives_the_embedded_backend_by_default(tmp_path: Path) -> None:
    from plenaria.diarization.embedded import EmbeddedDiarizer

    models = Path(tempfile.gettempdir()) / "plenaria-test-models"
    diarizer = load_diarizer(Settings(cache_dir=tmp_path, models_dir=models, device="cpu"))
    assert isinstance(diarizer, EmbeddedDiarizer)
    assert diarizer.model_id.startswith("seg3.0:") and "+campplus:" in diarizer.model_id


def test_importing_the_diarization_modules_loads_no_model_library() -> None:
    code = (
        "import sys\n"
        "import plenaria.diarization.embedded, plenaria.diarization.loader\n"
        "import plenaria.diarization.pyannote_backend, plenaria.diarization.clustering\n"
        "heavy = ('pyannote', 'torch', 'onnxruntime', 'kaldi_native_fbank', 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
