"""The portal's pages for the council's members and its accessibility statement.

- ``/p/{council}/miembros``: the roster (active members first), each a link;
- ``/p/{council}/miembros/{person}``: a member's interventions across the published
  sessions (a voice named as that person, or with that name), each opening its session at
  that second, and their votes where the acta records them (a nominal vote by name; else
  their group's vote);
- ``/p/{council}/accesibilidad``: the accessibility statement (RD 1112/2018).

Everything comes from the public (redacted) transcripts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from plenaria.api import publishing
from plenaria.api.public_i18n import public_strings, session_title
from plenaria.db import civic, portal
from plenaria.db.models import RosterMember
from plenaria.domain import Transcript
from plenaria.errors import NotFoundError

EXCERPT_WORDS = 40
CHOICES = {"for": "vote_for", "against": "vote_against", "abstention": "vote_abstention"}


def _same(a: str | None, b: str) -> bool:
    return bool(a) and " ".join(str(a).split()).casefold() == " ".join(b.split()).casefold()


def member_rows(
    transcript: Transcript, person: RosterMember, lang: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The person's interventions in ``transcript`` and their votes on its items."""
    voices = {
        s.id for s in transcript.speakers if s.person_id == person.id or _same(s.name, person.name)
    }
    said = []
    for iv in transcript.interventions:
        if iv.speaker in voices and iv.words:
            words = iv.text.split()
            excerpt = " ".join(words[:EXCERPT_WORDS]) + (" …" if len(words) > EXCERPT_WORDS else "")
            said.append({"start": iv.words[0].start, "text": iv.summary or excerpt})
    t = public_strings(lang)
    votes = []
    acta = transcript.acta
    for item in acta.items if acta is not None else ():
        vote = item.vote
        if vote is None:
            continue
        mine = next((c for n, c in vote.by_name if _same(n, person.name)), None)
        how = "vote_by_name"
        if mine is None and person.group:
            mine = next((c for g, c in vote.by_group if _same(g, person.group)), None)
            how = "vote_by_group"
        if mine is None and vote.unanimous:
            mine, how = "for", "vote_unanimous"
        if mine is not None:
            choice = t[CHOICES[mine]]
            votes.append({"item": item, "choice": choice, "how": t[how], "start": item.start})
    return said, votes


def router(prefix: str) -> APIRouter:
    from plenaria.api import public

    web = APIRouter(include_in_schema=False)
    render = public.render

    @web.get(prefix + "/{council_slug}/miembros", response_class=HTMLResponse)
    def members(council_slug: str, request: Request) -> HTMLResponse:
        with request.app.state.db.session() as db:
            council = public._council(db, council_slug)
            lang = public._lang(request, council.acta_lang)
            roster = sorted(civic.list_roster(db, council.id), key=lambda p: (not p.active, p.name))
            return render(request, "members.html", lang, {"council": council, "roster": roster})

    @web.get(prefix + "/{council_slug}/miembros/{person_id}", response_class=HTMLResponse)
    def member(council_slug: str, person_id: str, request: Request) -> HTMLResponse:
        with request.app.state.db.session() as db:
            council = public._council(db, council_slug)
            lang = public._lang(request, council.acta_lang)
            person = db.get(RosterMember, person_id)
            if person is None or person.council_id != council.id:
                raise NotFoundError(
                    "Este ayuntamiento no tiene ese miembro.",
                    f"Vea sus miembros en {prefix}/{council.slug}/miembros.",
                )
            t = public_strings(lang)
            sessions = []
            for plenary, publication in portal.published_sessions(db, council.id):
                transcript = publishing.public_transcript(db, plenary, publication)
                said, votes = member_rows(transcript, person, lang)
                if said or votes:
                    sessions.append(
                        {
                            "title": session_title(plenary, t),
                            "url": publishing.public_url(council, plenary),
                            "said": said,
                            "votes": votes,
                        }
                    )
            context = {"council": council, "person": person, "sessions": sessions}
            return render(request, "member.html", lang, context)

    @web.get(prefix + "/{council_slug}/accesibilidad", response_class=HTMLResponse)
    def accessibility(council_slug: str, request: Request) -> HTMLResponse:
        with request.app.state.db.session() as db:
            council = public._council(db, council_slug)
            lang = public._lang(request, council.acta_lang)
            return render(request, "accessibility.html", lang, {"council": council})

    return web
