"""Publishing a session on the citizens' portal, and keeping its public copy in step.

What is public: the latest transcript version at the time of (re)publishing,
without its redacted words (:func:`plenaria.assembly.redaction.redact_transcript`),
and a copy of the job's web proxy with the redacted intervals silent and black
(:func:`plenaria.media.redact.make_public_video`). The copy is made
synchronously, in an ffmpeg subprocess of the request that publishes or changes
a redaction (a remux-free re-encode of the proxy: seconds for a short session,
minutes for a 4-hour one; moving it to a worker task is the next step). The
search index is rebuilt from the redacted transcript at the same moments.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from plenaria.assembly.redaction import redact_transcript, search_pieces
from plenaria.db import jobs as job_repo
from plenaria.db import portal
from plenaria.db.models import Council, PlenarySession, Publication, TranscriptVersion, User
from plenaria.db.transcripts import get_version, latest_number
from plenaria.domain import Segment, Transcript
from plenaria.errors import ConflictError, NotFoundError
from plenaria.media.redact import make_public_video

log = logging.getLogger(__name__)

LANGUAGES = ("es", "ca")


def public_url(council: Council, plenary: PlenarySession) -> str:
    return f"/p/{council.slug}/{plenary.id}"


def speaker_labels(transcript: Transcript, lang: str) -> dict[str, str]:
    """What the public reads for each speaker: the name, else "Interviniente N" (es/ca)."""
    from plenaria.api.public_i18n import public_strings

    unnamed = public_strings(lang)["speaker_n"]
    labels = {}
    for k, speaker in enumerate(transcript.speakers, start=1):
        digits = "".join(ch for ch in speaker.id if ch.isdigit())
        n = int(digits) + 1 if digits else k
        labels[speaker.id] = speaker.name or unnamed.format(n=n)
    return labels


def session_language(transcript: Transcript, council: Council) -> str:
    """Spanish or Catalan: the transcript's first language, else the council's acta language."""
    for lang in (*transcript.languages, council.acta_lang):
        if lang in LANGUAGES:
            return lang
    return "es"


def _source_job(db: Session, plenary: PlenarySession, version: TranscriptVersion) -> str | None:
    if version.job_id:
        return version.job_id
    query = (
        select(TranscriptVersion.job_id)
        .where(TranscriptVersion.session_id == plenary.id, TranscriptVersion.job_id.is_not(None))
        .order_by(TranscriptVersion.number.desc())
    )
    return db.scalars(query).first()


def _digest(intervals: list[Segment]) -> str:
    spans = ",".join(f"{s.start:.3f}-{s.end:.3f}" for s in intervals)
    return hashlib.sha256(spans.encode()).hexdigest()[:16]


def _video_key(plenary: PlenarySession, number: int, intervals: list[Segment]) -> str:
    return f"public/{plenary.id}/v{number}-{_digest(intervals)}.mp4"


def has_video(path: Path) -> bool:
    from plenaria.media.probe import probe

    _fmt, _duration, streams = probe(path)
    return any(s.kind == "video" for s in streams)


def _proxy(db: Session, storage: Path, job_id: str | None) -> Path | None:
    """The job's web proxy file, None when it made none."""
    proxy = job_repo.get_output(db, job_id, "proxy") if job_id else None
    if proxy is None or not (storage / proxy.storage_key).is_file():
        return None
    return storage / proxy.storage_key


def public_transcript(db: Session, plenary: PlenarySession, publication: Publication) -> Transcript:
    """The published version without the words of the session's current redactions."""
    content = get_version(db, plenary, publication.version_number).content
    intervals = portal.redaction_intervals(db, plenary)
    return redact_transcript(Transcript.from_dict(content), intervals)


def publish(
    db: Session, storage: Path, council: Council, plenary: PlenarySession, user: User
) -> Publication:
    """Make (or update) the public copy from the latest version; the caller commits."""
    number = latest_number(db, plenary.id)
    if number is None:
        raise NotFoundError(
            f"La sesión {plenary.id} todavía no tiene transcripción que publicar.",
            "Espere a que termine su proceso y vuelva a publicarla.",
        )
    version = get_version(db, plenary, number)
    return _store(db, storage, council, plenary, user, version)


def refresh(
    db: Session, storage: Path, council: Council, plenary: PlenarySession, user: User
) -> Publication | None:
    """After a redaction changed: the public copy of the same version made again."""
    row = portal.live_publication(db, plenary)
    if row is None:
        return None
    version = get_version(db, plenary, row.version_number)
    return _store(db, storage, council, plenary, user, version)


def _store(
    db: Session,
    storage: Path,
    council: Council,
    plenary: PlenarySession,
    user: User,
    version: TranscriptVersion,
) -> Publication:
    """Make the public copy of ``version``; commits what the caller wrote before encoding.

    No transaction (nor SQLite's write lock) is held while ffmpeg encodes. A public
    video made with other redactions than the current ones is unpublished first,
    so that nothing newly redacted is served while the new copy is made, nor when
    making it fails.
    """
    for _attempt in range(3):
        number = version.number
        intervals = portal.redaction_intervals(db, plenary)
        job_id = _source_job(db, plenary, version)
        src = _proxy(db, storage, job_id)
        key = _video_key(plenary, number, intervals) if src is not None else ""
        if src is not None and not (storage / key).is_file():
            current = portal.get_publication(db, plenary)
            if current is not None and not current.video_key.endswith(f"-{_digest(intervals)}.mp4"):
                current.video_key = ""
            db.commit()
            make_public_video(src, storage / key, intervals, has_video(src))
            if portal.redaction_intervals(db, plenary) != intervals:
                continue  # a redaction changed meanwhile: make the copy again
        return _save(db, storage, council, plenary, user, version, job_id, key, intervals)
    raise ConflictError(
        "Las censuras de esta sesión cambiaron mientras se hacía su vídeo público.",
        "Vuelva a publicarla.",
    )


def _save(
    db: Session,
    storage: Path,
    council: Council,
    plenary: PlenarySession,
    user: User,
    version: TranscriptVersion,
    job_id: str | None,
    key: str,
    intervals: list[Segment],
) -> Publication:
    transcript = redact_transcript(Transcript.from_dict(version.content), intervals)
    language = session_language(transcript, council)
    folder = storage / "public" / plenary.id
    for outdated in folder.glob("v*.mp4") if folder.is_dir() else ():
        if outdated != storage / key:
            outdated.unlink(missing_ok=True)  # made from another version or other redactions
    current = Path(key).stem + "-"
    for clip in (folder / "clips").glob("*.mp4") if (folder / "clips").is_dir() else ():
        if not key or not clip.name.startswith(current):
            clip.unlink(missing_ok=True)  # cut from a copy that is no longer public
    row = portal.save_publication(db, plenary, user, version.number, job_id, key, language)
    labels = speaker_labels(transcript, language)
    portal.replace_index(db, plenary, search_pieces(transcript, language, labels=labels))
    log.info("Published session %s (version %d, video %s)", plenary.id, version.number, key)
    return row
