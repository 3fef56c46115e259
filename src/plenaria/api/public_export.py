"""``plenaria export-site``: the citizens' portal as a static site any web server can host.

The same pages as the live portal (the same templates and context), written under
``DIR`` with the same addresses: ``p/{council}/index.html``, ``p/{council}/{session}/``
with ``index.html``, ``captions.vtt``, ``transcript.json`` and ``video.mp4`` (the public
copy, redactions burnt in), ``p/{council}/feed.atom`` and ``sitemap.xml``, the static
files under ``static/web/``. Search runs in the browser: Pagefind indexes each session's
public transcript in pieces, one record per piece whose address carries ``?t=``, with
Spanish and Catalan indexes apart (``p/{council}/pagefind/``), and ``p/{council}/buscar/``
asks it. Everything is made from the public (redacted) transcript, so nothing redacted
is in any file. Clips are cut on demand by the live portal only: the static pages play
an intervention alone in the page and offer no clip download.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment

from plenaria.api import public, public_feeds, publishing
from plenaria.api.council_look import stylesheet
from plenaria.api.public_i18n import public_strings
from plenaria.assembly.redaction import search_pieces
from plenaria.db import accounts as account_repo
from plenaria.db import portal
from plenaria.db.engine import Database
from plenaria.db.models import Council
from plenaria.domain import Transcript
from plenaria.errors import InputError
from plenaria.formats.captions import to_webvtt
from plenaria.formats.timefmt import format_clock

log = logging.getLogger(__name__)

STATIC_FILES = ("public.css", "public.js", "favicon.svg", "portal-search.js")


@dataclass
class Exported:
    """What was written: per council slug, the sessions exported and the search records."""

    councils: dict[str, int] = field(default_factory=dict)
    records: int = 0
    videos: int = 0


@dataclass(frozen=True)
class _Record:
    url: str
    content: str
    language: str
    meta: dict[str, str]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _copy_video(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.unlink(missing_ok=True)
    try:
        os.link(src, dest)  # same volume: no second copy of a multi-GB file
    except OSError:
        shutil.copyfile(src, dest)


def _in_own_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Pagefind's API is async: run it where no event loop runs (a caller's may)."""

    @functools.wraps(fn)
    def run(*args: Any) -> Any:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pagefind") as pool:
            return pool.submit(lambda: asyncio.run(fn(*args))).result()

    return run


@_in_own_thread
async def _index(records: list[_Record], out: Path) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    async with PagefindIndex(IndexConfig(output_path=str(out))) as index:
        for r in records:
            await index.add_custom_record(
                url=r.url, content=r.content, language=r.language, meta=r.meta
            )


class _Site:
    def __init__(self, out: Path, base_path: str, base_url: str, piece_words: int) -> None:
        self.out = out
        self.piece_words = piece_words
        self.base_path = base_path.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.env: Environment = public._templates().env

    def render(self, name: str, lang: str, context: dict[str, Any]) -> str:
        council = context.get("council")
        logo = getattr(council, "logo_key", "") or ""
        base = {
            "logo_file": "logo" + Path(logo).suffix if logo else "logo",
            "lang": lang,
            "t": public_strings(lang),
            "static": self.base_path + "/static/web",
            "prefix": self.base_path + public.PREFIX,
            "static_site": True,
        }
        return self.env.get_template(name).render({**base, **context})

    def url(self, council: Council, plenary: Any) -> str:
        return self.base_path + publishing.public_url(council, plenary) + "/"


def _static_files(out: Path) -> None:
    folder = resources.files("plenaria") / "templates" / "web" / "static"
    for name in STATIC_FILES:
        target = out / "static" / "web" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((folder / name).read_bytes())


def export_site(
    database: Database,
    storage: Path,
    out: Path,
    council_slug: str | None = None,
    *,
    base_path: str = "",
    base_url: str = "",
    piece_words: int = public.PIECE_WORDS,
) -> Exported:
    """Write every published session of one council (or of all) as a static site at ``out``."""
    site = _Site(out, base_path, base_url, piece_words)
    done = Exported()
    _static_files(out)
    with database.session() as db:
        if council_slug:
            councils = [account_repo.get_council_by_slug(db, council_slug)]
        else:
            councils = list(account_repo.list_councils(db))
        for council in councils:
            records: list[_Record] = []
            count = 0
            for plenary, publication in portal.published_sessions(db, council.id):
                pub = public.Published(council, plenary, publication)
                transcript = publishing.public_transcript(db, plenary, publication)
                records += _session(site, pub, transcript, storage, done)
                count += 1
            _council_pages(site, db, council, storage)
            if records:
                _index(records, out / "p" / council.slug / "pagefind")
            done.councils[council.slug] = count
            done.records += len(records)
    return done


def _council_pages(site: _Site, db: Any, council: Council, storage: Path) -> None:
    lang = council.acta_lang if council.acta_lang in ("es", "ca") else "es"
    folder = site.out / "p" / council.slug
    if council.accent_color or council.header_color:
        _write(folder / "estilo.css", stylesheet(council))
    if council.logo_key and (storage / council.logo_key).is_file():
        (folder / f"logo{Path(council.logo_key).suffix}").parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(storage / council.logo_key, folder / f"logo{Path(council.logo_key).suffix}")
    context = public.sessions_context(db, council, lang)
    for row in context["rows"]:
        row["url"] = site.url(council, row["plenary"])
    _write(folder / "index.html", site.render("sessions.html", lang, context))
    search = {"council": council, "q": ""}
    _write(folder / "buscar" / "index.html", site.render("search_static.html", lang, search))
    rows = portal.published_sessions(db, council.id)
    base = site.base_url + site.base_path
    _write(folder / "feed.atom", public_feeds.atom(council, rows, base))
    _write(folder / "sitemap.xml", public_feeds.sitemap(council, rows, base))


def _session(
    site: _Site, pub: public.Published, transcript: Transcript, storage: Path, done: Exported
) -> list[_Record]:
    lang = pub.publication.language if pub.publication.language in ("es", "ca") else "es"
    url = site.url(pub.council, pub.plenary)
    folder = site.out / "p" / pub.council.slug / pub.plenary.id
    context = public.session_context(pub, transcript, lang, None, site.piece_words)
    context["url"] = url.rstrip("/")
    key = pub.publication.video_key
    if key and (storage / key).is_file():
        _copy_video(storage / key, folder / "video.mp4")
        done.videos += 1
    else:
        context["has_video"] = False
    _write(folder / "index.html", site.render("session.html", lang, context))
    for piece in context["pieces"]:
        rows = public.piece_rows(transcript, lang, piece["number"], site.piece_words)
        page = site.render("_piece.html", lang, {**context, "rows": rows})
        _write(folder / "trozos" / f"{piece['number']}.html", page)
    _write(folder / "captions.vtt", to_webvtt(transcript))
    _write(folder / "transcript.json", public._open_data(transcript, lang))
    labels = publishing.speaker_labels(transcript, lang)
    title = str(context["title"])
    return [
        _Record(
            url=f"{url}?t={int(piece.start)}",
            content=piece.text,
            language=piece.language if piece.language in ("es", "ca") else lang,
            meta={"title": title, "speaker": piece.speaker, "time": format_clock(piece.start)},
        )
        for piece in search_pieces(transcript, lang, labels=labels)
    ]


def check_target(out: Path) -> None:
    """The folder is new, empty, or an earlier export (it holds ``static/web/public.js``)."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} es un fichero, no una carpeta.", "Dé una carpeta nueva o vacía.")
    if out.is_dir() and any(out.iterdir()) and not (out / "static" / "web" / "public.js").is_file():
        raise InputError(
            f"La carpeta {out} no está vacía y no es una exportación anterior.",
            "Dé una carpeta nueva o vacía, para no mezclar el sitio con otros ficheros.",
        )
