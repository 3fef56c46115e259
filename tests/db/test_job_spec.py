"""A service job's spec is frozen when the job is created: later edits do not reach it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plenaria.config import Settings
from plenaria.db import accounts, civic, jobs
from plenaria.db.engine import Database
from plenaria.db.job_spec import freeze_spec, job_spec
from plenaria.db.models import Council, Job, PlenarySession


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


def test_the_spec_is_frozen_with_the_job_models_included(database: Database) -> None:
    settings = Settings(whisper_model="small", diarization_backend="embedded")
    with database.transaction() as s:
        council = accounts.create_council(s, "villa-a", "Villa A")
        council.video_url_template = "https://sede.example.es/{session}?t={seconds}"
        plenary = civic.create_plenary_session(
            s, council.id, {"slug": "pleno-marzo", "place": "Salón de plenos"}
        )
        rec = jobs.create_recording(s, council.id, "uploads/x/f.mp4", "pleno.mp4", 10, "AB" * 32)
        job = jobs.create_job(s, council.id, rec.id, {"make_proxy": False}, plenary.id)
        frozen = freeze_spec(s, job, settings)
        job_id, plenary_id, council_id = job.id, plenary.id, council.id
    assert frozen.asr_model == "faster-whisper:small"
    assert frozen.diarizer_model == "embedded"
    assert frozen.session["place"] == "Salón de plenos"

    # While the job runs: the session, the council's link and the workers' settings change.
    with database.transaction() as s:
        edited = s.get(PlenarySession, plenary_id)
        assert edited is not None
        edited.place = "Casa de la cultura"
        council = s.get(Council, council_id)
        assert council is not None
        council.video_url_template = "https://otra.example.es/{session}"
    others = Settings(whisper_model="large-v3", diarization_backend="none")
    with database.transaction() as s:
        job = s.get(Job, job_id)
        assert job is not None
        spec = job_spec(s, job, others)
    assert spec == frozen
    assert spec.session["place"] == "Salón de plenos"
    assert spec.video_url_template == "https://sede.example.es/{session}?t={seconds}"
    assert spec.asr_model == "faster-whisper:small"
