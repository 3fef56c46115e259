"""The portal's cuts of the public video: one intervention or agenda item as its own MP4
(``/p/{council}/{session}/fragmentos/{i0001 | punto-N}.mp4``) and the picture at a second
(``.../fotograma/{second}.jpg``, the shared moment's card). Both are cut from the public
copy (redactions burnt in) on first demand by ffmpeg, at most two at once per process, and
kept beside it until that copy changes; a copy that cannot be read gives none (404).
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from plenaria.api import publishing
from plenaria.domain import Transcript
from plenaria.errors import MediaError, NotFoundError

log = logging.getLogger(__name__)


def router(prefix: str) -> APIRouter:

    from plenaria.api import public

    web = APIRouter(include_in_schema=False)

    @web.get(prefix + "/{council_slug}/{session_id}/fragmentos/{clip}.mp4")
    def clip(council_slug: str, session_id: str, clip: str, request: Request) -> Response:
        """One intervention (``i0001``) or agenda item (``punto-3``) as its own MP4, cut
        from the public copy on first demand and kept beside it until that copy changes."""
        with request.app.state.db.session() as db:
            pub = public._published(db, council_slug, session_id)
            transcript = publishing.public_transcript(db, pub.plenary, pub.publication)
            key = pub.publication.video_key
            name = f"{public._stem(pub.plenary)}-{clip}.mp4"
        span = clip_span(transcript, clip)
        if span is None:
            raise NotFoundError(
                f"La sesión no tiene ninguna intervención ni punto «{clip[:40]}».",
                "Use los enlaces de fragmento de la página de la sesión.",
            )
        storage: Path = request.app.state.storage_path
        if not key or not (storage / key).is_file():
            raise NotFoundError("Esta sesión se publica sin vídeo.")
        path = _clip_file(storage, key, clip, span)
        return FileResponse(
            path, media_type="video/mp4", filename=name, content_disposition_type="inline"
        )

    @web.get(prefix + "/{council_slug}/{session_id}/fotograma/{second}.jpg")
    def still(council_slug: str, session_id: str, second: int, request: Request) -> Response:
        """The public video's picture at ``second`` (the shared moment's card), kept once made."""
        with request.app.state.db.session() as db:
            pub = public._published(db, council_slug, session_id)
            key = pub.publication.video_key
        storage: Path = request.app.state.storage_path
        if not key or not (storage / key).is_file() or not 0 <= second <= public.MAX_T:
            raise NotFoundError("Esta sesión no tiene ese fotograma.")
        path = _still_file(storage, key, second)
        if path is None:
            raise NotFoundError("Esta sesión no tiene ese fotograma.")
        return FileResponse(path, media_type="image/jpeg")

    return web


CLIP_NAME = re.compile(r"(?:i[0-9A-Za-z_-]{1,40}|punto-[0-9]{1,4})")
_cutting = threading.BoundedSemaphore(2)  # at most two ffmpeg cuts at once per process


def clip_span(transcript: Transcript, name: str) -> tuple[float, float] | None:
    """Where a clip starts and ends: an intervention's words, or every intervention
    of an agenda item (the item's first word to its last)."""
    if not CLIP_NAME.fullmatch(name):
        return None
    if name.startswith("punto-"):
        number = int(name.removeprefix("punto-"))
        parts = [i for i in transcript.interventions if i.agenda_item == number and i.words]
    else:
        parts = [i for i in transcript.interventions if i.id == name and i.words]
    if not parts:
        return None
    return min(i.words[0].start for i in parts), max(i.words[-1].end for i in parts)


def _clip_file(storage: Path, key: str, name: str, span: tuple[float, float]) -> Path:
    """The cached clip of the current public copy; clips of an older copy are removed."""
    from plenaria.media.clip import cut_clip

    folder = storage / Path(key).parent / "clips"
    stem = Path(key).stem
    path = folder / f"{stem}-{name}-{span[0]:.2f}-{span[1]:.2f}.mp4"
    if path.is_file():
        return path
    with _cutting:
        if not path.is_file():
            for old in folder.glob("*.mp4") if folder.is_dir() else ():
                if not old.name.startswith(f"{stem}-"):
                    old.unlink(missing_ok=True)
            try:
                has_video = publishing.has_video(storage / key)
                cut_clip(storage / key, path, span[0], span[1], has_video)
            except MediaError as e:
                log.exception("No clip %s of %s", name, key)
                raise NotFoundError("Este fragmento del vídeo no se puede cortar.") from e
    return path


def _still_file(storage: Path, key: str, second: int) -> Path | None:
    """The cached still frame of the current public copy; None past the video's end or
    for a copy without pictures."""
    from plenaria.media.clip import still_frame
    from plenaria.media.probe import probe

    folder = storage / Path(key).parent / "frames"
    path = folder / f"{Path(key).stem}-{second}.jpg"
    if path.is_file():
        return path
    with _cutting:
        if path.is_file():
            return path
        try:
            _fmt, duration, streams = probe(storage / key)
        except MediaError:
            log.exception("The public video %s cannot be read", key)
            return None
        if not any(s.kind == "video" for s in streams) or second > duration:
            return None
        for old in folder.glob("*.jpg") if folder.is_dir() else ():
            if not old.name.startswith(f"{Path(key).stem}-"):
                old.unlink(missing_ok=True)
        try:
            still_frame(storage / key, path, second)
        except (FileNotFoundError, MediaError):
            log.exception("No still at %s s of %s", second, key)
            return None
    return path
