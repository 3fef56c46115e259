"""A service job's spec, frozen when the job is created and stored with it.

Everything a run of the job's graph depends on (the original, the session's
data, the options with the council's languages and acta language, the voice
profiles, the video link template and the models the job names) is read from the
database once, when the job is created, and kept in ``jobs.spec``: an edit of the
session, of the council's settings or of a voice profile while the job runs changes
nothing in it, and every step of the job (whichever worker runs it) works on the
same inputs with the same models.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from plenaria.acts.links import acta_link_template
from plenaria.config import Settings
from plenaria.db import civic, voice_samples
from plenaria.db import jobs as repo
from plenaria.db.models import Council, Job, PlenarySession
from plenaria.graph.options import JobSpec, ProcessOptions


def job_spec(session: Session, job: Job, settings: Settings) -> JobSpec:
    """The job's frozen spec; frozen now (in the caller's transaction) if it has none yet."""
    if job.spec:
        spec = JobSpec.model_validate(job.spec)
        if spec.live:  # its record step stores the recording under a key of its own
            recording = repo.get_recording(session, job.recording_id)
            spec = spec.model_copy(update={"original": recording.storage_key})
        return spec
    return freeze_spec(session, job, settings)


def freeze_spec(session: Session, job: Job, settings: Settings) -> JobSpec:
    """Read the job's inputs from the database, name the configured models, store it all."""
    from plenaria.diarization.loader import diarizer_request
    from plenaria.transcription.loader import model_request

    recording = repo.get_recording(session, job.recording_id)
    council = session.get(Council, job.council_id)
    assert council is not None
    plenary = session.get(PlenarySession, job.session_id) if job.session_id else None
    roster = civic.list_roster(session, council.id, active_only=True)
    info = civic.session_info(plenary, council, roster).to_dict() if plenary is not None else {}
    options = with_council_languages(dict(job.options), council.languages or [])
    options.setdefault("acta_lang", council.acta_lang or "es")
    spec = JobSpec(
        run_id=job.id,
        original=recording.storage_key,
        file_name=recording.file_name,
        session=info,
        options=ProcessOptions.model_validate(options),
        profiles=_profiles(session, council.id),
        video_url_template=acta_link_template(
            council.video_url_template,
            settings.public_base_url if plenary is not None else "",
            council.slug,
            plenary.id if plenary is not None else "",
            settings.video_url_template,
        ),
        summary_model=settings.summary_model,
        asr_model=model_request(settings),
        diarizer_model=diarizer_request(settings),
        live=job.live is not None,
    )
    job.spec = spec.model_dump(mode="json")
    return spec


def with_council_languages(options: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    """The job's options with the council's languages to choose among, unless the job
    forces a language or names its own (``[]`` too: any language) or the council has none."""
    transcription = dict(options.get("transcription") or {})
    if not languages or transcription.get("language") or "detect_languages" in transcription:
        return options
    transcription["detect_languages"] = list(languages)
    return {**options, "transcription": transcription}


def _profiles(session: Session, council_id: str) -> tuple[dict[str, Any], ...]:
    """One profile per active person (enrolled and learned samples merged)."""
    return tuple(voice_samples.merged_profiles(session, council_id))
