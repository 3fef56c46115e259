"""The citizens' portal: published sessions, no login, in Spanish or Catalan.

Pages: ``/p/{council}/`` (the council's published sessions and a search box),
``/p/{council}/buscar?q=`` (search across them) and ``/p/{council}/{session}``
(the session's ``public_url``: video, captions, agenda chapters, the transcript
word by word; ``?t=SECONDS`` opens it at that moment). Files:
``captions.vtt``, ``transcript.json`` and ``video.mp4`` under the session's
page. Everything public is made from the published version without its
redacted words, and the only video served is the copy made for publication.
A session that is not published, withdrawn, or of another council is 404.
Scripts and styles are static files (the CSP forbids inline ones).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from plenaria.api import council_look, public_data, public_media, public_members, publishing
from plenaria.api import public_feeds as feeds
from plenaria.api.i18n import LANGUAGES
from plenaria.api.public_i18n import public_strings, session_title
from plenaria.api.web.pages import STATIC_URL
from plenaria.db import accounts as account_repo
from plenaria.db import civic, portal
from plenaria.db.engine import Database
from plenaria.db.models import Council, PlenarySession, Publication
from plenaria.domain import Transcript
from plenaria.errors import NotFoundError
from plenaria.formats.captions import to_webvtt
from plenaria.formats.timefmt import format_clock

log = logging.getLogger(__name__)

PREFIX = "/p"
MAX_T = 7 * 24 * 3600
Query200 = Annotated[str, Query(max_length=200)]


@functools.cache
def _templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("plenaria", "templates/public"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = format_clock
    env.filters["ms"] = lambda s: round(float(s) * 1000)
    return Jinja2Templates(env=env)


@dataclass(frozen=True)
class Published:
    council: Council
    plenary: PlenarySession
    publication: Publication


def _council(db: Session, slug: str) -> Council:
    try:
        return account_repo.get_council_by_slug(db, slug)
    except NotFoundError as e:
        raise NotFoundError(f"No hay ningún ayuntamiento «{slug}» en este portal.") from e


def _published(db: Session, slug: str, session_id: str) -> Published:
    """The council's session when it is public now; anything else is the same 404."""
    council = _council(db, slug)
    gone = NotFoundError(
        "Esta sesión no está publicada.", f"Vea las sesiones publicadas en {PREFIX}/{slug}/."
    )
    try:
        plenary = civic.get_plenary_session_for_council(db, council.id, session_id)
    except NotFoundError as e:
        raise gone from e
    publication = portal.live_publication(db, plenary)
    if publication is None:
        raise gone
    return Published(council, plenary, publication)


def _lang(request: Request, default: str) -> str:
    """The language asked in the address, else the first of the visitor's browser
    languages the portal has, else the council's own (a visitor reading English gets it)."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return default if default in LANGUAGES else LANGUAGES[0]


def _chapters(plenary: PlenarySession, transcript: Transcript) -> list[dict[str, Any]]:
    """Each agenda item with the start of its first intervention (None: not discussed)."""
    starts: dict[int, float] = {}
    ends: dict[int, float] = {}
    for item in transcript.interventions:
        if item.agenda_item is not None and item.words:
            starts.setdefault(item.agenda_item, item.words[0].start)
            ends[item.agenda_item] = max(ends.get(item.agenda_item, 0.0), item.words[-1].end)
    out = []
    for k, entry in enumerate(plenary.agenda or [], start=1):
        number = int(entry.get("number", k)) if isinstance(entry, dict) else k
        title = str(entry.get("title", "")) if isinstance(entry, dict) else str(entry)
        start, end = starts.get(number), ends.get(number)
        out.append({"number": number, "title": title, "start": start, "end": end})
    return out


def _moment(value: str | None) -> float | None:
    """``?t=`` in seconds; a shared link with anything else opens at the start."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    if seconds is None or not 0 <= seconds <= MAX_T:
        return None
    return seconds


def _open_data(transcript: Transcript, lang: str) -> str:
    """The public JSON: the redacted transcript without internal fields (scores, persons)."""
    data = transcript.to_dict()
    labels = publishing.speaker_labels(transcript, lang)
    for speaker in data["speakers"]:
        speaker["label"] = labels.get(speaker["id"], speaker["label"])
        speaker.pop("score", None)
        speaker.pop("person_id", None)
    data["recording"].pop("sha256", None)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _stem(plenary: PlenarySession) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", plenary.slug or plenary.id).strip("-.") or plenary.id


def sessions_context(
    db: Session, council: Council, lang: str, chosen: feeds.Filter | None = None
) -> dict[str, Any]:
    """The council's sessions list: its published sessions that pass ``chosen``."""
    t = public_strings(lang)
    chosen = chosen or feeds.Filter()
    published = portal.published_sessions(db, council.id)
    rows = [
        {"plenary": s, "title": session_title(s, t), "url": publishing.public_url(council, s)}
        for s, _p in published
        if feeds.keep(s, chosen)
    ]
    return {
        "council": council,
        "rows": rows,
        "q": "",
        "any_published": bool(published),
        "filter": chosen,
        "types": [(k, t[f"type_{k.split()[-1]}"]) for k in feeds.TYPES],
    }


PIECE_WORDS = 1500  # a 4-hour pleno's transcript comes in pieces of about this many words


def pieces_of(transcript: Transcript, words: int = PIECE_WORDS) -> list[list[int]]:
    """The interventions' indexes grouped in pieces of at most ``words`` words (one
    intervention longer than that is a piece of its own)."""
    out: list[list[int]] = []
    size = 0
    for k, item in enumerate(transcript.interventions):
        n = len(item.words)
        if not out or (size + n > words and out[-1]):
            out.append([])
            size = 0
        out[-1].append(k)
        size += n
    return out


def _rows(transcript: Transcript, labels: dict[str, str], indexes: list[int]) -> list[Any]:
    items = transcript.interventions
    return [
        {"item": items[k], "speaker": labels.get(items[k].speaker, items[k].speaker), "n": k + 1}
        for k in indexes
    ]


def _span(transcript: Transcript, indexes: list[int]) -> tuple[float, float]:
    items = [transcript.interventions[k] for k in indexes]
    return items[0].segment.start, items[-1].segment.end


def piece_rows(
    transcript: Transcript, lang: str, number: int, words: int = PIECE_WORDS
) -> list[Any] | None:
    """The rows of piece ``number`` (None: no such piece)."""
    groups = pieces_of(transcript, words)
    if not 0 <= number < len(groups):
        return None
    return _rows(transcript, publishing.speaker_labels(transcript, lang), groups[number])


def session_context(
    pub: Published,
    transcript: Transcript,
    lang: str,
    start_t: float | None,
    words: int = PIECE_WORDS,
) -> dict[str, Any]:
    """A session's page: ``transcript`` is the public (redacted) one. Only the piece of the
    transcript where the page opens (``start_t``, else the first) is in the page; the others
    are placeholders the page's script fills as the reader or the video gets there."""
    labels = publishing.speaker_labels(transcript, lang)
    groups = pieces_of(transcript, words)
    shown = 0
    for n, group in enumerate(groups):
        if start_t is not None and _span(transcript, group)[0] <= start_t:
            shown = n
    pieces = [
        {
            "number": n,
            "start": _span(transcript, group)[0],
            "end": _span(transcript, group)[1],
            "rows": _rows(transcript, labels, group) if n == shown else None,
        }
        for n, group in enumerate(groups)
    ]
    return {
        "pieces": pieces,
        "council": pub.council,
        "plenary": pub.plenary,
        "title": session_title(pub.plenary, public_strings(lang)),
        "url": publishing.public_url(pub.council, pub.plenary),
        "has_video": bool(pub.publication.video_key),
        "start_t": start_t,
        "chapters": _chapters(pub.plenary, transcript),
        "q": "",
    }


def render(request: Request, name: str, lang: str, context: dict[str, Any]) -> HTMLResponse:
    """A public page in ``lang``; its language may come from the browser's (Vary)."""
    base = {"lang": lang, "t": public_strings(lang), "static": STATIC_URL, "prefix": PREFIX}
    response = _templates().TemplateResponse(request, name, {**base, "q": "", **context})
    response.headers["Vary"] = "Accept-Language"
    return response


def router() -> APIRouter:
    web = APIRouter(include_in_schema=False)

    def database(request: Request) -> Database:
        db: Database = request.app.state.db
        return db

    @web.get(PREFIX + "/{council_slug}/", response_class=HTMLResponse)
    def sessions(
        council_slug: str,
        request: Request,
        desde: feeds.Short = "",
        hasta: feeds.Short = "",
        tipo: feeds.Short = "",
    ) -> HTMLResponse:
        with database(request).session() as db:
            council = _council(db, council_slug)
            lang = _lang(request, council.acta_lang)
            chosen = feeds.read_filter(desde, hasta, tipo, lang)
            context = sessions_context(db, council, lang, chosen)
            return render(request, "sessions.html", lang, context)

    @web.get(PREFIX + "/{council_slug}/buscar", response_class=HTMLResponse)
    def search(council_slug: str, request: Request, q: Query200 = "") -> HTMLResponse:
        with database(request).session() as db:
            council = _council(db, council_slug)
            lang = _lang(request, council.acta_lang)
            t = public_strings(lang)
            titles = {
                s.id: (session_title(s, t), publishing.public_url(council, s))
                for s, _p in portal.published_sessions(db, council.id)
            }
            hits = [
                {"hit": h, "title": titles[h.session_id][0], "url": titles[h.session_id][1]}
                for h in portal.search(db, council.id, q)
                if h.session_id in titles
            ]
            context = {"council": council, "q": q, "hits": hits}
            return render(request, "search.html", lang, context)

    @web.get(PREFIX + "/{council_slug}/{session_id}", response_class=HTMLResponse)
    def session_page(
        council_slug: str,
        session_id: str,
        request: Request,
        t: Annotated[str | None, Query(max_length=20)] = None,
    ) -> HTMLResponse:
        with database(request).session() as db:
            pub = _published(db, council_slug, session_id)
            transcript = publishing.public_transcript(db, pub.plenary, pub.publication)
            lang = _lang(request, pub.publication.language)
            settings = request.app.state.settings
            context = session_context(
                pub, transcript, lang, _moment(t), settings.portal_piece_words
            )
            base = feeds.base_url(request)
            context["embed_url"] = f"{base}/embed/{pub.council.slug}/{pub.plenary.id}"
            context["card"] = share_card(transcript, context, base, lang)
            context["signed_acta"] = public_data.signed_acta_key(db, pub.plenary) is not None
            return render(request, "session.html", lang, context)

    @web.get("/embed/{council_slug}/{session_id}", response_class=HTMLResponse)
    def embed(
        council_slug: str,
        session_id: str,
        request: Request,
        t: Annotated[str | None, Query(max_length=20)] = None,
    ) -> HTMLResponse:
        """The session's player alone, for the council's own site to frame (its path is
        under ``PLENARIA_FRAME_EMBED_PATHS``; every other page forbids framing)."""
        with database(request).session() as db:
            pub = _published(db, council_slug, session_id)
            transcript = publishing.public_transcript(db, pub.plenary, pub.publication)
            lang = _lang(request, pub.publication.language)
            context = session_context(pub, transcript, lang, _moment(t), 1)
            context["pieces"] = []
            return render(request, "embed.html", lang, context)

    @web.get(PREFIX + "/{council_slug}/{session_id}/trozos/{number}.html")
    def piece(council_slug: str, session_id: str, number: int, request: Request) -> HTMLResponse:
        """One piece of the transcript, as the session page shows it (its script asks)."""
        with database(request).session() as db:
            pub = _published(db, council_slug, session_id)
            transcript = publishing.public_transcript(db, pub.plenary, pub.publication)
            lang = _lang(request, pub.publication.language)
            words = request.app.state.settings.portal_piece_words
            rows = piece_rows(transcript, lang, number, words)
            if rows is None:
                raise NotFoundError(f"La transcripción no tiene el trozo {number}.")
            context = session_context(pub, transcript, lang, None, words)
            context["rows"] = rows
            return render(request, "_piece.html", lang, context)

    @web.get(PREFIX + "/{council_slug}/{session_id}/captions.vtt")
    def captions(council_slug: str, session_id: str, request: Request) -> Response:
        with database(request).session() as db:
            pub = _published(db, council_slug, session_id)
            transcript = publishing.public_transcript(db, pub.plenary, pub.publication)
            return Response(to_webvtt(transcript), media_type="text/vtt; charset=utf-8")

    @web.get(PREFIX + "/{council_slug}/{session_id}/transcript.json")
    def transcript_json(council_slug: str, session_id: str, request: Request) -> Response:
        with database(request).session() as db:
            pub = _published(db, council_slug, session_id)
            transcript = publishing.public_transcript(db, pub.plenary, pub.publication)
            name = f"{_stem(pub.plenary)}.json"
            return Response(
                _open_data(transcript, pub.publication.language),
                media_type="application/json",
                headers={"Content-Disposition": f'inline; filename="{name}"'},
            )

    @web.get(PREFIX + "/{council_slug}/{session_id}/video.mp4")
    def video(council_slug: str, session_id: str, request: Request) -> Response:
        """The copy made for publication (redactions burnt in), with Range requests."""
        with database(request).session() as db:
            pub = _published(db, council_slug, session_id)
            key = pub.publication.video_key
            name = f"{_stem(pub.plenary)}.mp4"
        storage: Path = request.app.state.storage_path
        path = storage / key
        if not key or not path.is_file():
            raise NotFoundError("Esta sesión se publica sin vídeo.")
        return FileResponse(
            path, media_type="video/mp4", filename=name, content_disposition_type="inline"
        )

    return web


CARD_WORDS = 30


def share_card(
    transcript: Transcript, context: dict[str, Any], base: str, lang: str
) -> dict[str, str]:
    """The Open Graph card of the page as shared: the session, and for a moment (``?t=``)
    the speaker, the words said from there and the still frame of that second."""
    t = public_strings(lang)
    url = base + str(context["url"])
    card = {"title": str(context["title"]), "url": url, "description": "", "image": ""}
    moment = context.get("start_t")
    if moment is None:
        return card
    said = [i for i in transcript.interventions if i.words and i.words[0].start <= moment]
    if said:
        item = said[-1]
        words = [w.text for w in item.words if w.end >= moment][:CARD_WORDS]
        speaker = publishing.speaker_labels(transcript, lang).get(item.speaker, item.speaker)
        text = " ".join(words) + (" …" if len(words) == CARD_WORDS else "")
        card["description"] = t["card_said"].format(speaker=speaker, text=text.strip())
    card["title"] = f"{card['title']} · {format_clock(moment)}"
    card["url"] = f"{url}?t={int(moment)}"
    if context.get("has_video"):
        card["image"] = f"{url}/fotograma/{int(moment)}.jpg"
    return card


def install(app: FastAPI) -> None:
    app.include_router(council_look.router(PREFIX))  # logo, estilo.css: before /{session_id}
    app.include_router(feeds.router(PREFIX))  # before the session page's /{session_id}
    app.include_router(public_data.router(PREFIX))
    app.include_router(public_members.router(PREFIX))
    app.include_router(public_media.router(PREFIX))
    app.include_router(router())
