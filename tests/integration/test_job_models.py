"""Two workers configured with different speech models transcribe one job's chunks.

Each chunk is a step that any worker of the ``asr`` queue may take. The job's spec
names the model when the job is created, and a worker whose own model is another
loads the one named: every chunk comes from the one model, and says so. A spec
that names none (each worker's own) makes the assembly fail with a clear message
instead of a transcript that mixes two models under one label.
Real models (the bundled Whisper base, and the same weights under another name,
so another model id), real storage, espeak-ng speech.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from plenaria.cli.samples import SCRIPT, render_script, write_wav
from plenaria.config import Settings
from plenaria.domain import ChunkTranscript, Transcript
from plenaria.errors import PlenariaError
from plenaria.graph.options import JobSpec, ProcessOptions
from plenaria.graph.run import run_node
from plenaria.graph.steps import StepContext, chunks_of
from plenaria.storage import LocalStorage, external_key
from plenaria.transcription.loader import model_request
from plenaria.transcription.models import bundled_base_model
from plenaria.workers import runtime
from plenaria.workers.runtime import ProcessEngines

pytestmark = pytest.mark.integration

OPTIONS = ProcessOptions.model_validate(
    {"make_proxy": False, "diarize": False, "chunking": {"chunk_max_s": 8.0}}
)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    root = tmp_path_factory.mktemp("models")
    settings = Settings(cache_dir=root / "cache", data_dir=root / "data", cpu_threads=1)
    bundled = bundled_base_model(settings)
    assert bundled is not None
    copy = settings.models_path / "base-copia"
    copy.mkdir(parents=True)
    for f in bundled.iterdir():
        if f.is_file() and not f.name.startswith("."):
            os.link(f, copy / f.name)
    runtime.use_settings(settings)
    yield settings
    runtime.use_settings(Settings())


@pytest.fixture(scope="module")
def workers(settings: Settings) -> tuple[ProcessEngines, ProcessEngines]:
    """Two workers of the asr queue: one with the default model, one with another."""
    first, second = ProcessEngines(), ProcessEngines(model="base-copia")
    assert first.own_models()[0] == "faster-whisper:base"
    assert second.own_models()[0] == "faster-whisper:base-copia"
    return first, second


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio, _ = render_script(SCRIPT[:3], pause_s=0.8)
    return write_wav(tmp_path_factory.mktemp("speech") / "pleno.wav", audio)


def run_job(
    spec: JobSpec, storage: LocalStorage, workers: tuple[ProcessEngines, ProcessEngines]
) -> tuple[StepContext, list[ChunkTranscript]]:
    """The steps as the service runs them: chunk i on worker i % 2, the rest on the first."""
    ctx = StepContext(spec, storage, workers[0])
    for step in ("probe", "audio", "speech", "plan"):
        run_node(step, ctx)
    n = len(chunks_of(ctx))
    assert n >= 2
    for i in range(n):
        run_node(f"transcribe:{i}", StepContext(spec, storage, workers[i % 2]))
    chunks = [
        ChunkTranscript.from_dict(ctx.artifact(ctx.key_of(f"transcribe:{i}"))) for i in range(n)
    ]
    run_node("assemble", ctx)
    return ctx, chunks


def test_every_chunk_runs_on_the_model_the_job_names(
    tmp_path: Path,
    settings: Settings,
    workers: tuple[ProcessEngines, ProcessEngines],
    recording: Path,
) -> None:
    spec = JobSpec(
        run_id="job-1",
        original=external_key(recording),
        file_name=recording.name,
        options=OPTIONS,
        asr_model=model_request(settings),  # frozen when the job is created
    )
    ctx, chunks = run_job(spec, LocalStorage(tmp_path), workers)
    base = workers[0].transcriber().model_id
    assert base.startswith("faster-whisper/base@")
    assert [c.model_id for c in chunks] == [base] * len(chunks)
    assert all(c.words for c in chunks)
    transcript = Transcript.from_dict(ctx.artifact(ctx.key_of("assemble")))
    assert transcript.model == base
    # The second worker's own model is another one: it loaded the job's for its chunk.
    assert workers[1].transcriber().model_id.startswith("faster-whisper/base-copia@")


def test_chunks_from_two_models_fail_the_job_clearly(
    tmp_path: Path,
    workers: tuple[ProcessEngines, ProcessEngines],
    recording: Path,
) -> None:
    spec = JobSpec(  # names no model: each worker uses its own
        run_id="job-2", original=external_key(recording), file_name=recording.name, options=OPTIONS
    )
    with pytest.raises(PlenariaError, match="modelos distintos") as failed:
        run_job(spec, LocalStorage(tmp_path), workers)
    assert "base-copia" in failed.value.message
    assert "cola asr" in failed.value.hint
