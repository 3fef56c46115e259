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


def test_the_spec_carries_the_roster_of_the_session_else_of_the_council(
    database: Database,
) -> None:
    from plenaria.domain import SessionInfo
    from plenaria.domain_acta import Member

    with database.transaction() as s:
        council = accounts.create_council(s, "villa-r", "Villa R")
        civic.create_person(s, council.id, {"name": "Ana Ruiz", "role": "alcaldesa", "group": "GS"})
        civic.create_person(s, council.id, {"name": "Retirado Gómez", "active": False})
        civic.create_person(s, council.id, {"name": "Luis Pardo", "group": "PP"})
        rec = jobs.create_recording(s, council.id, "uploads/x/f.mp4", "pleno.mp4", 10, "AB" * 32)
        plain = civic.create_plenary_session(s, council.id, {"slug": "sin-lista"})
        values = civic.plenary_session_from_file_fields(
            {
                "id": "con-lista",
                "legal_members": 9,
                "members": [{"name": "Marta Soler", "group": "GI", "role": "Alcaldesa"}],
                "agenda": [{"title": "Presupuesto", "majority": "absolute"}],
            }
        )
        own = civic.create_plenary_session(s, council.id, values)
        from_council = freeze_spec(
            s, jobs.create_job(s, council.id, rec.id, {}, plain.id), Settings()
        )
        from_session = freeze_spec(
            s, jobs.create_job(s, council.id, rec.id, {}, own.id), Settings()
        )
    council_info = SessionInfo.from_dict(from_council.session)
    assert council_info.members == (
        Member("Ana Ruiz", "GS", "alcaldesa"),
        Member("Luis Pardo", "PP", "concejal"),
    )
    assert council_info.legal_members is None
    session_info = SessionInfo.from_dict(from_session.session)
    assert session_info.members == (Member("Marta Soler", "GI", "alcaldesa"),)
    assert session_info.legal_members == 9
    assert session_info.agenda[0].majority == "absolute"
