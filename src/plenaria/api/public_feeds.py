"""The portal's lists for machines and for narrowing: the council's published sessions as
an Atom feed (``/p/{council}/feed.atom``) and a sitemap (``/p/{council}/sitemap.xml``),
and the sessions list's filter by date and type (``?desde=&hasta=&tipo=``).

Neither feed nor sitemap holds a word of any transcript (so nothing redacted can reach
them): a session is its title, place, date and address. Addresses are absolute: from
``PLENARIA_PUBLIC_BASE_URL`` when the portal is served under the sede's name, else from
the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from plenaria.api import publishing
from plenaria.api.public_i18n import public_strings, session_title
from plenaria.config import Settings
from plenaria.db import accounts as account_repo
from plenaria.db import portal
from plenaria.db.engine import Database
from plenaria.db.models import PlenarySession, Publication
from plenaria.errors import NotFoundError

TYPES = ("ordinaria", "extraordinaria", "extraordinaria urgente")
Short = Annotated[str, Query(max_length=40)]


@dataclass(frozen=True)
class Filter:
    """The list's filter as asked; ``error`` names a date that is not one (then unused)."""

    since: str = ""
    until: str = ""
    kind: str = ""
    error: str = ""

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.kind)


def read_filter(since: str, until: str, kind: str, lang: str) -> Filter:
    t = public_strings(lang)
    for value in (since, until):
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                return Filter(error=t["bad_date"].format(value=value[:40]))
    return Filter(since, until, kind if kind in TYPES else "")


def keep(plenary: PlenarySession, f: Filter) -> bool:
    """Dates are ISO strings, so they compare as text; a session without a date is kept
    only when no date is asked."""
    if f.kind and plenary.session_type != f.kind:
        return False
    if (f.since or f.until) and not plenary.date:
        return False
    if f.since and plenary.date < f.since:
        return False
    return not (f.until and plenary.date > f.until)


def base_url(request: Request) -> str:
    """The portal's address for links other sites keep: PLENARIA_PUBLIC_BASE_URL, else the
    request's own."""
    settings: Settings = request.app.state.settings
    return (settings.public_base_url or str(request.base_url)).rstrip("/")


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom(council: Any, rows: list[tuple[PlenarySession, Publication]], base: str) -> str:
    t = public_strings(council.acta_lang)
    home = f"{base}/p/{council.slug}/"
    updated = max((p.published_at for _s, p in rows), default=council.created_at)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{escape(council.acta_lang)}">',
        f"<title>{escape(t['feed_title'].format(council=council.name))}</title>",
        f"<id>{escape(home)}</id>",
        f'<link rel="alternate" type="text/html" href="{escape(home)}"/>',
        f'<link rel="self" type="application/atom+xml" href="{escape(home)}feed.atom"/>',
        f"<updated>{_iso(updated)}</updated>",
        f"<author><name>{escape(council.name)}</name></author>",
    ]
    for plenary, publication in rows:
        url = base + publishing.public_url(council, plenary)
        title = session_title(plenary, public_strings(publication.language))
        summary = public_strings(publication.language)["feed_entry"].format(
            title=title, place=plenary.place or "—"
        )
        out += [
            "<entry>",
            f"<title>{escape(title)}</title>",
            f"<id>{escape(url)}</id>",
            f'<link rel="alternate" type="text/html" href="{escape(url)}"/>',
            f"<updated>{_iso(publication.published_at)}</updated>",
            f"<summary>{escape(summary)}</summary>",
            "</entry>",
        ]
    out.append("</feed>")
    return "\n".join(out) + "\n"


def sitemap(council: Any, rows: list[tuple[PlenarySession, Publication]], base: str) -> str:
    urls: list[tuple[str, datetime | None]] = [(f"{base}/p/{council.slug}/", None)]
    urls += [(base + publishing.public_url(council, s), p.published_at) for s, p in rows]
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, moment in urls:
        when = f"<lastmod>{_iso(moment)[:10]}</lastmod>" if moment else ""
        out.append(f"<url><loc>{escape(url)}</loc>{when}</url>")
    out.append("</urlset>")
    return "\n".join(out) + "\n"


def published_rows(request: Request, slug: str, write: Any) -> str:
    """``write(council, its published (session, publication) rows, base URL)``, or the
    portal's 404 for a council that is not there."""
    db_: Database = request.app.state.db
    with db_.session() as db:
        try:
            council = account_repo.get_council_by_slug(db, slug)
        except NotFoundError as e:
            raise NotFoundError(f"No hay ningún ayuntamiento «{slug}» en este portal.") from e
        body: str = write(council, portal.published_sessions(db, council.id), base_url(request))
        return body


def router(prefix: str) -> APIRouter:
    web = APIRouter(include_in_schema=False)

    @web.get(prefix + "/{council_slug}/feed.atom")
    def feed(council_slug: str, request: Request) -> Response:
        body = published_rows(request, council_slug, atom)
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    @web.get(prefix + "/{council_slug}/sitemap.xml")
    def site_map(council_slug: str, request: Request) -> Response:
        body = published_rows(request, council_slug, sitemap)
        return Response(body, media_type="application/xml; charset=utf-8")

    return web
