"""Repository functions against a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plenaria.db import accounts, civic, jobs, login_throttle, transcripts
from plenaria.db.base import utcnow
from plenaria.db.engine import Database, normalize_url
from plenaria.db.models import ApiToken, AuditEntry, Council, Job, User
from plenaria.errors import ConflictError, InputError, NotFoundError


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def two_councils(database: Database) -> tuple[str, str]:
    with database.transaction() as s:
        a = accounts.create_council(s, "villa-a", "Villa A")
        b = accounts.create_council(s, "villa-b", "Villa B")
        return a.id, b.id


def _job(s: Session, council_id: str) -> Job:
    rec = jobs.create_recording(s, council_id, "uploads/x/f.mp4", "pleno.mp4", 10, "AB" * 32)
    return jobs.create_job(s, council_id, rec.id, {"make_proxy": False})


def test_normalize_url_maps_postgres_to_psycopg() -> None:
    assert normalize_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgres://h/db") == "postgresql+psycopg://h/db"
    assert normalize_url("sqlite:////x.db") == "sqlite:////x.db"


def test_councils_and_users(database: Database, two_councils: tuple[str, str]) -> None:
    a, _ = two_councils
    with database.transaction() as s:
        with pytest.raises(ConflictError, match="villa-a"):
            accounts.create_council(s, "villa-a", "Again")
        with pytest.raises(InputError, match="Identificador de ayuntamiento"):
            accounts.create_council(s, "Bad Slug", "x")
        council = s.get(Council, a)
        assert council is not None
        user = accounts.create_user(s, council, " Ana@Example.org ", "correct horse", "secretary")
        assert user.email == "ana@example.org"
        assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        with pytest.raises(InputError, match="Función desconocida"):
            accounts.create_user(s, council, "b@example.org", "correct horse", "mayor")
        with pytest.raises(InputError, match="vacía"):
            accounts.create_user(s, council, "b@example.org", "   ", "clerk")
        with pytest.raises(InputError, match="menos de 12 caracteres"):
            accounts.create_user(s, council, "b@example.org", "x" * 11, "clerk")
        with pytest.raises(ConflictError, match=r"ana@example\.org"):
            accounts.create_user(s, council, "ANA@example.org", "correct horse", "clerk")
    with database.transaction() as s:
        assert accounts.authenticate(s, "ana@example.org", "correct horse") is not None
        assert accounts.authenticate(s, "ana@example.org", "wrong horse") is None
        assert accounts.authenticate(s, "nobody@example.org", "correct horse") is None
        user = accounts.get_user_by_email(s, "ana@example.org")
        assert user is not None and user.last_login_at is not None
        assert user.last_login_at.tzinfo is not None


def test_tokens_are_hashed_and_revocable(database: Database, two_councils: tuple[str, str]) -> None:
    with database.transaction() as s:
        council = s.get(Council, two_councils[0])
        assert council is not None
        user = accounts.create_user(s, council, "t@example.org", "password1234", "clerk")
        token, clear = accounts.create_token(s, user, "portal")
        token_id = token.id
    assert clear.startswith("pln_") and len(clear) > 40
    with database.transaction() as s:
        row = s.get(ApiToken, token_id)
        assert row is not None and clear not in (row.token_hash, row.prefix)
        assert row.prefix == clear[:12]
        found = accounts.verify_token(s, clear)
        assert found is not None and found.email == "t@example.org"
        assert accounts.verify_token(s, clear + "x") is None
        assert accounts.verify_token(s, "not-a-token") is None
    with database.transaction() as s:
        user = accounts.get_user_by_email(s, "t@example.org")
        assert user is not None
        assert s.get(ApiToken, token_id).last_used_at is not None  # type: ignore[union-attr]
        accounts.revoke_token(s, user, token_id)
        with pytest.raises(NotFoundError):
            accounts.revoke_token(s, user, "0" * 32)
    with database.transaction() as s:
        assert accounts.verify_token(s, clear) is None


def test_web_sessions(database: Database, two_councils: tuple[str, str]) -> None:
    with database.transaction() as s:
        council = s.get(Council, two_councils[0])
        assert council is not None
        user = accounts.create_user(s, council, "w@example.org", "password1234", "clerk")
        secret = accounts.open_web_session(s, user)
    with database.transaction() as s:
        found = accounts.web_session_user(s, secret)
        assert found is not None and found.email == "w@example.org"
        assert accounts.web_session_user(s, secret + "x") is None
        accounts.close_web_session(s, secret)
    with database.transaction() as s:
        assert accounts.web_session_user(s, secret) is None


def test_login_counters_are_atomic_under_concurrent_claims(database: Database) -> None:
    """Twelve threads claim at once: exactly ``limit`` pass, whatever the interleaving."""
    start = threading.Barrier(12)
    waits: list[int] = []

    def claim() -> None:
        start.wait()
        with database.session() as s:
            waits.append(login_throttle.claim_address(s, "192.0.2.1", limit=5))
            s.commit()

    threads = [threading.Thread(target=claim) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(waits)[:5] == [0] * 5 and all(w > 0 for w in sorted(waits)[5:])
    assert len(waits) == 12


def test_an_accounts_wait_doubles_and_ends(database: Database) -> None:
    now = utcnow()
    with database.transaction() as s:
        for _ in range(3):
            assert login_throttle.claim_account(s, "W@example.org", 3, 60, now) == 0
        # The third attempt set a 1 s wait; a refused attempt does not lengthen it.
        assert login_throttle.claim_account(s, "w@example.org", 3, 60, now) == 1
        assert login_throttle.claim_account(s, "w@example.org", 3, 60, now) == 1
        later = now + timedelta(seconds=1)
        assert login_throttle.claim_account(s, "w@example.org", 3, 60, later) == 0
        assert login_throttle.claim_account(s, "w@example.org", 3, 60, later) == 2
        login_throttle.login_succeeded(s, "w@example.org", "192.0.2.1", later)
        assert login_throttle.claim_account(s, "w@example.org", 3, 60, later) == 0
        # Failures a day old are forgotten.
        assert login_throttle.claim_account(s, "old@example.org", 1, 60, now) == 0
        assert login_throttle.claim_account(s, "old@example.org", 1, 60, now) == 1
        day = now + timedelta(days=1, seconds=1)
        assert login_throttle.claim_account(s, "old@example.org", 1, 60, day) == 0


def test_jobs_are_scoped_to_their_council(
    database: Database, two_councils: tuple[str, str]
) -> None:
    a, b = two_councils
    with database.transaction() as s:
        job_id = _job(s, a).id
    with database.transaction() as s:
        assert jobs.get_job_for_council(s, a, job_id).options == {"make_proxy": False}
        with pytest.raises(NotFoundError, match="No existe el proceso"):
            jobs.get_job_for_council(s, b, job_id)
        assert [j.id for j in jobs.list_jobs(s, a)] == [job_id]
        assert jobs.list_jobs(s, b) == []
        assert jobs.list_jobs(s, a, state="done") == []
        with pytest.raises(InputError, match="Estado de proceso desconocido"):
            jobs.list_jobs(s, a, state="sleeping")


def test_job_lifecycle_steps_progress_outputs(
    database: Database, two_councils: tuple[str, str]
) -> None:
    a, _ = two_councils
    with database.transaction() as s:
        job = _job(s, a)
        job_id = job.id
        probe = jobs.ensure_step(s, job, "probe", key="k/probe", queue="media", weight=1.0)
        t1 = jobs.ensure_step(s, job, "transcribe:1", queue="asr", weight=3.0, total_s=100.0)
        assert jobs.ensure_step(s, job, "probe") is probe
        jobs.set_job_state(job, "running")
        jobs.set_step_state(probe, "running")
        jobs.set_step_state(probe, "done")
        jobs.set_step_state(t1, "running")
        jobs.report_step_progress(t1, 50.0)
        jobs.refresh_job_progress(job, now=utcnow() + timedelta(seconds=10))
        assert job.progress == pytest.approx((1.0 + 3.0 * 0.5) / 4.0)
        assert job.step == "transcribe:1"
        assert job.eta_s is not None and job.eta_s > 0
    with database.transaction() as s:
        old = utcnow() + timedelta(hours=1)
        assert [st.name for st in jobs.stale_steps(s, old)] == ["transcribe:1"]
        assert jobs.stale_steps(s, utcnow() - timedelta(hours=1)) == []
        job = jobs.get_job(s, job_id)
        jobs.set_step_state(jobs.get_step(s, job_id, "transcribe:1"), "failed", error="boom")  # type: ignore[arg-type]
        jobs.set_job_state(job, "failed", error="transcribe:1: boom")
        assert job.finished_at is not None
        jobs.add_output(s, job, "json", "out/a.json", 12)
        jobs.add_output(s, job, "json", "out/b.json", 13)
        with pytest.raises(ConflictError):
            jobs.cancel_job(job)
        jobs.retry_job(job)
        assert job.state == "queued" and job.attempts == 1 and job.error == ""
        states = {st.name: st.state for st in jobs.list_steps(s, job_id)}
        assert states == {"probe": "done", "transcribe:1": "pending"}
        with pytest.raises(ConflictError):
            jobs.retry_job(job)
        jobs.cancel_job(job)
        assert job.state == "cancelled"
    with database.transaction() as s:
        outputs = jobs.list_outputs(s, job_id)
        assert [(o.kind, o.storage_key, o.size) for o in outputs] == [("json", "out/b.json", 13)]
        assert jobs.count_jobs_by_state(s)["cancelled"] == 1
        histograms = jobs.finished_step_histograms(s, (0.001, 3600.0))
        assert list(histograms) == ["probe"]
        probe = histograms["probe"]
        assert probe.count == 1 and probe.at_most[3600.0] == 1 and 0 <= probe.total_s < 3600


def test_transcript_versions_refuse_a_stale_parent(
    database: Database, two_councils: tuple[str, str]
) -> None:
    a, _ = two_councils
    with database.transaction() as s:
        plenary = civic.create_plenary_session(s, a, {"date": "2024-05-30", "agenda": []})
        council = s.get(Council, a)
        assert council is not None
        editor = accounts.create_user(s, council, "e@example.org", "password1234", "secretary")
        v1 = transcripts.save_version(s, plenary, None, {"words": [1]}, None)
        assert (v1.number, v1.author_id, v1.parent_number) == (1, None, None)
        v2 = transcripts.save_version(s, plenary, editor, {"words": [1, 2]}, 1)
        assert (v2.number, v2.author_id) == (2, editor.id)
        with pytest.raises(ConflictError, match="la última: 2"):
            transcripts.save_version(s, plenary, editor, {"words": []}, 1)
        with pytest.raises(ConflictError):
            transcripts.save_version(s, plenary, editor, {"words": []}, None)
        assert transcripts.get_version(s, plenary).content == {"words": [1, 2]}
        assert transcripts.get_version(s, plenary, 1).content == {"words": [1]}
        with pytest.raises(NotFoundError):
            transcripts.get_version(s, plenary, 7)
        assert [v.number for v in transcripts.list_versions(s, plenary)] == [1, 2]


def test_session_info_and_voice_profiles(database: Database, two_councils: tuple[str, str]) -> None:
    a, b = two_councils
    with database.transaction() as s:
        council = s.get(Council, a)
        assert council is not None
        civic.update_council_settings(council, {"vocabulary": ["Villanueva"], "acta_lang": "ca"})
        values = civic.plenary_session_from_file_fields(
            {"id": "2024-05-pleno", "date": "2024-05-30", "agenda": ["Actas", "Presupuestos"]}
        )
        plenary = civic.create_plenary_session(s, a, values)
        info = civic.session_info(plenary, council)
        assert info.id == "2024-05-pleno" and info.council == "Villa A"
        assert [item.title for item in info.agenda] == ["Actas", "Presupuestos"]
        assert info.vocabulary == ("Villanueva",)
        with pytest.raises(InputError, match=r"campo\(s\) desconocido\(s\)"):
            civic.plenary_session_from_file_fields({"colour": "red"})
        person = civic.create_person(s, a, {"name": "Ana Pérez", "role": "alcaldesa"})
        civic.add_voice_profile(s, person, [0.5, 0.25], "resemblyzer", 31.5)
        with pytest.raises(NotFoundError):
            civic.get_person_for_council(s, b, person.id)
    with database.transaction() as s:
        profiles = civic.list_voice_profiles(s, a, model_id="resemblyzer")
        assert [(p.embedding, p.seconds) for p in profiles] == [([0.5, 0.25], 31.5)]
        assert civic.list_voice_profiles(s, b) == []


def test_times_are_utc_and_deleting_a_council_deletes_its_rows(
    database: Database, two_councils: tuple[str, str]
) -> None:
    a, b = two_councils
    with database.transaction() as s:
        _job(s, a)
        accounts.audit(s, a, None, "job.create", "job", "x", {"n": 1})
    with database.transaction() as s:
        job = s.scalars(select(Job)).one()
        assert job.created_at.tzinfo == UTC
        assert abs((utcnow() - job.created_at).total_seconds()) < 60
        s.delete(s.get(Council, a))
    with database.transaction() as s:
        assert s.scalars(select(Job)).all() == []
        assert s.scalars(select(AuditEntry)).all() == []
        assert s.scalars(select(User)).all() == []
        assert s.get(Council, b) is not None


def test_a_recording_live_session_has_no_eta(
    database: Database, two_councils: tuple[str, str]
) -> None:
    a, _ = two_councils
    with database.transaction() as s:
        job = _job(s, a)
        record = jobs.ensure_step(s, job, "record", queue="live", weight=0.1)
        chunk = jobs.ensure_step(s, job, "transcribe:0", queue="asr", weight=0.6)
        jobs.set_job_state(job, "running")
        jobs.set_step_state(record, "running")
        jobs.set_step_state(chunk, "done")
        jobs.refresh_job_progress(job, now=utcnow() + timedelta(seconds=10))
        assert job.progress > 0 and job.step == "record"
        assert job.eta_s is None  # the session ends when it ends
        jobs.set_step_state(record, "done")
        jobs.ensure_step(s, job, "diarize", queue="diarization", weight=0.2)
        jobs.refresh_job_progress(job, now=utcnow() + timedelta(seconds=10))
        assert job.eta_s is not None and job.eta_s > 0
