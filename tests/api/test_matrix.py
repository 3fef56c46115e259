"""Authorization matrix: EVERY route of the app × admin, secretary, clerk (council A),
anonymous, and an admin of council B.

Routes are read from the app, so a new route without an entry here fails. An
object of council A asked for by council B is a 404 (never a 403 that would
confirm it exists); no credentials, 401; a role that may not, 403.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from conftest import World

PRINCIPALS = ("anonymous", "admin", "secretary", "clerk", "other")
ALL_ROLES = ("admin", "secretary", "clerk")
MANAGERS = ("admin", "secretary")


@dataclass(frozen=True)
class Rule:
    expect: dict[str, int]
    body: Callable[[World], Any] | None = None
    params: dict[str, str] = field(default_factory=dict)  # a path parameter → object factory
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    endless: bool = False  # a stream that ends only when the client leaves: status, then close


def public(status: int, body: Callable[[World], Any] | None = None) -> Rule:
    return Rule(dict.fromkeys(PRINCIPALS, status), body)


def collection(
    roles: tuple[str, ...],
    status: int,
    body: Callable[[World], Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Rule:
    """A route on the caller's own council: B's admin gets B's data (``status``)."""
    expect = {"anonymous": 401, "other": status if "admin" in roles else 403}
    expect.update({r: status if r in roles else 403 for r in ALL_ROLES})
    return Rule(expect, body, headers=headers or {})


def obj(
    roles: tuple[str, ...],
    status: int,
    body: Callable[[World], Any] | None = None,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    **params: str,
) -> Rule:
    """A route on one object of council A: B's admin gets 404."""
    expect = {"anonymous": 401, "other": 404}
    expect.update({r: status if r in roles else 403 for r in ALL_ROLES})
    return Rule(expect, body, params, headers or {}, content)


def _person(w: World) -> dict[str, Any]:
    return {"name": f"Persona {uuid.uuid4().hex[:6]}", "role": "concejal"}


V1 = "/api/v1"
_LOGO_BOUNDARY = "matrixlogo"
LOGO_FORM = {"Content-Type": f"multipart/form-data; boundary={_LOGO_BOUNDARY}"}
LOGO_BODY = (
    f'--{_LOGO_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="logo.svg"\r\n'
    'Content-Type: image/svg+xml\r\n\r\n<svg xmlns="http://www.w3.org/2000/svg"/>\r\n'
    f"--{_LOGO_BOUNDARY}--\r\n"
).encode()
MATRIX: dict[tuple[str, str], Rule] = {
    ("GET", f"{V1}/openapi.json"): public(200),
    ("GET", f"{V1}/docs"): public(200),
    ("GET", f"{V1}/health"): public(200),
    ("GET", f"{V1}/ready"): public(200),
    ("GET", "/metrics"): public(401),  # only with PLENARIA_METRICS_TOKEN (test_health)
    ("GET", "/health"): public(200),
    ("GET", "/ready"): public(200),
    ("POST", f"{V1}/auth/login"): public(
        200, lambda w: {"email": w.emails["clerk"], "password": "correct horse battery"}
    ),
    ("POST", f"{V1}/auth/logout"): collection(ALL_ROLES, 204),
    ("POST", f"{V1}/auth/password"): collection(
        ALL_ROLES,
        200,
        lambda w: {"current_password": "correct horse battery", "new_password": "x" * 12},
    ),
    ("GET", f"{V1}/auth/me"): collection(ALL_ROLES, 200),
    ("GET", f"{V1}/tokens"): collection(ALL_ROLES, 200),
    ("POST", f"{V1}/tokens"): collection(ALL_ROLES, 201, lambda w: {"name": "matrix"}),
    # Tokens are personal: only their owner (here the admin of A) sees them.
    ("DELETE", f"{V1}/tokens/{{token_id}}"): Rule(
        {"anonymous": 401, "admin": 200, "secretary": 404, "clerk": 404, "other": 404},
        params={"token_id": "token"},
    ),
    ("GET", f"{V1}/council"): collection(ALL_ROLES, 200),
    ("PUT", f"{V1}/council"): collection(("admin",), 200, lambda w: {"acta_lang": "ca"}),
    # The portal's logo (tests/api/test_council_look.py): B's admin changes B's own.
    ("PUT", f"{V1}/council/logo"): replace(
        collection(("admin",), 200), headers=LOGO_FORM, content=LOGO_BODY
    ),
    ("DELETE", f"{V1}/council/logo"): collection(("admin",), 204),
    ("GET", f"{V1}/roster"): collection(ALL_ROLES, 200),
    ("POST", f"{V1}/roster"): collection(MANAGERS, 201, _person),
    ("GET", f"{V1}/roster/{{person_id}}"): obj(ALL_ROLES, 200, person_id="person"),
    ("PATCH", f"{V1}/roster/{{person_id}}"): obj(
        MANAGERS, 200, lambda w: {"group": "PSOE"}, person_id="person"
    ),
    ("DELETE", f"{V1}/roster/{{person_id}}"): obj(MANAGERS, 204, person_id="person"),
    # A person's voice (tests/api/test_voice_learning.py): read by all, forgotten by managers.
    ("GET", f"{V1}/roster/{{person_id}}/voice"): obj(ALL_ROLES, 200, person_id="person"),
    ("POST", f"{V1}/roster/{{person_id}}/voice/reset"): obj(MANAGERS, 200, person_id="person"),
    ("DELETE", f"{V1}/roster/{{person_id}}/voice"): obj(MANAGERS, 204, person_id="person"),
    ("GET", f"{V1}/sessions"): collection(ALL_ROLES, 200),
    ("POST", f"{V1}/sessions"): collection(MANAGERS, 201, lambda w: {"date": "2024-05-30"}),
    ("GET", f"{V1}/sessions/{{session_id}}"): obj(ALL_ROLES, 200, session_id="session"),
    ("PATCH", f"{V1}/sessions/{{session_id}}"): obj(
        MANAGERS, 200, lambda w: {"place": "Salón de plenos"}, session_id="session"
    ),
    ("DELETE", f"{V1}/sessions/{{session_id}}"): obj(("admin",), 204, session_id="session"),
    ("GET", f"{V1}/users"): collection(("admin",), 200),
    ("POST", f"{V1}/users"): collection(
        ("admin",),
        201,
        lambda w: {
            "email": f"{uuid.uuid4().hex[:8]}@x.org",
            "password": "long enough!",
            "role": "clerk",
        },
    ),
    ("GET", f"{V1}/users/{{user_id}}"): obj(("admin",), 200, user_id="user"),
    ("PATCH", f"{V1}/users/{{user_id}}"): obj(
        ("admin",), 200, lambda w: {"active": False}, user_id="user"
    ),
    ("DELETE", f"{V1}/users/{{user_id}}"): obj(("admin",), 204, user_id="user"),
    # Creating a job names an upload of council A: B's admin gets 404.
    ("POST", f"{V1}/jobs"): obj(MANAGERS, 202, lambda w: {"upload_id": w.upload("a")}),
    ("GET", f"{V1}/jobs"): collection(ALL_ROLES, 200),
    ("GET", f"{V1}/jobs/{{job_id}}"): obj(ALL_ROLES, 200, job_id="job"),
    ("GET", f"{V1}/jobs/{{job_id}}/events"): obj(ALL_ROLES, 200, job_id="done_job"),
    ("DELETE", f"{V1}/jobs/{{job_id}}"): obj(MANAGERS, 200, job_id="job"),
    ("POST", f"{V1}/jobs/{{job_id}}/retry"): obj(MANAGERS, 202, job_id="failed_job"),
    ("GET", f"{V1}/jobs/{{job_id}}/outputs/{{kind}}"): obj(
        ALL_ROLES, 200, job_id="done_job", kind="docx"
    ),
    # Live sessions: B's admin starts one of B's own; stopping and reading one of A's is 404.
    ("POST", f"{V1}/live"): collection(
        MANAGERS, 202, lambda w: {"url": "https://sede.example.es/pleno/live.m3u8"}
    ),
    ("POST", f"{V1}/live/{{job_id}}/stop"): obj(MANAGERS, 202, job_id="live_job"),
    ("GET", f"{V1}/jobs/{{job_id}}/partial"): obj(ALL_ROLES, 200, job_id="live_job"),
}


def _transcript() -> dict[str, Any]:
    from plenaria.domain import (
        AgendaItem,
        Intervention,
        Recording,
        Segment,
        SessionInfo,
        Speaker,
        Transcript,
        Word,
    )

    words = (Word("Buenos", 1.0, 1.3, 0.9, "w000001"), Word("días.", 1.4, 1.8, 0.4, "w000002"))
    item = Intervention("SPEAKER_00", Segment(1.0, 1.8), words, "es", None, "i0001")
    rec = Recording("pleno.mp4", "cd" * 32, 5, 2.0, "mov,mp4")
    speakers = (Speaker("SPEAKER_00"),)
    session = SessionInfo(id="s", agenda=(AgendaItem(1, "Aprobación del acta anterior"),))
    return Transcript(rec, session, speakers, (), (item,)).to_dict()


SUMMARY = f"{V1}/sessions/{{session_id}}/transcript/interventions/{{intervention_id}}/summary"
ITEM_START = f"{V1}/sessions/{{session_id}}/transcript/items/{{number}}/start"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CLERK_LOGIN = b"email=clerk%40a.example.org&password=correct+horse+battery"

# The editor's API (plenaria.api.routes.transcripts): every role of the council reads and
# saves a session's transcript; ``transcript_session`` has the machine's version 1.
# The pages (plenaria.api.web): a client that is not a browser gets the API's answers
# (401 JSON, not the redirect to /login a browser gets); logging in and out by form
# ends on a page (the redirect is followed).
MATRIX.update(
    {
        ("GET", f"{V1}/sessions/{{session_id}}/transcript"): obj(
            ALL_ROLES, 200, session_id="transcript_session"
        ),
        ("PUT", f"{V1}/sessions/{{session_id}}/transcript"): obj(
            ALL_ROLES,
            201,
            lambda w: {"parent": 1, "transcript": _transcript()},
            session_id="transcript_session",
        ),
        ("PATCH", f"{V1}/sessions/{{session_id}}/transcript"): obj(
            ALL_ROLES, 201, lambda w: {"parent": 1}, session_id="transcript_session"
        ),
        ("PUT", SUMMARY): obj(
            ALL_ROLES,
            201,
            lambda w: {"parent": 1, "summary": "Saludo de la presidencia."},
            session_id="transcript_session",
            intervention_id="first_intervention",
        ),
        ("PUT", ITEM_START): obj(
            ALL_ROLES,
            201,
            lambda w: {"parent": 1, "intervention": "i0001"},
            session_id="transcript_session",
            number="one",
        ),
        ("GET", f"{V1}/sessions/{{session_id}}/transcript/events"): replace(
            obj(ALL_ROLES, 200, session_id="transcript_session"), endless=True
        ),
        ("GET", f"{V1}/sessions/{{session_id}}/transcript/versions"): obj(
            ALL_ROLES, 200, session_id="transcript_session"
        ),
        ("GET", f"{V1}/sessions/{{session_id}}/transcript/versions/{{number}}"): obj(
            ALL_ROLES, 200, session_id="transcript_session", number="one"
        ),
        ("GET", f"{V1}/sessions/{{session_id}}/transcript/versions/{{number}}/diff"): obj(
            ALL_ROLES, 200, session_id="transcript_session", number="one"
        ),
        # the latest version restored onto itself: nothing new, 200
        ("POST", f"{V1}/sessions/{{session_id}}/transcript/versions/{{number}}/restore"): obj(
            ALL_ROLES, 200, lambda w: {}, session_id="transcript_session", number="one"
        ),
        ("GET", f"{V1}/sessions/{{session_id}}/outputs/{{kind}}"): obj(
            ALL_ROLES, 200, session_id="transcript_session", kind="docx"
        ),
        ("GET", "/"): collection(ALL_ROLES, 200),
        ("GET", "/fragments/jobs"): collection(ALL_ROLES, 200),
        ("GET", "/upload"): collection(MANAGERS, 200),
        ("GET", "/jobs/{job_id}"): obj(ALL_ROLES, 200, job_id="job"),
        ("GET", "/jobs/{job_id}/steps"): obj(ALL_ROLES, 200, job_id="job"),
        ("GET", "/sessions/{session_id}/editor"): obj(ALL_ROLES, 200, session_id="session"),
        ("GET", "/login"): public(200),
        ("GET", "/favicon.ico"): public(200),
        # Without the form's token (login CSRF): refused; test_auth logs in by the form.
        ("POST", "/login"): Rule(dict.fromkeys(PRINCIPALS, 403), headers=FORM, content=CLERK_LOGIN),
        ("POST", "/logout"): Rule(dict.fromkeys(PRINCIPALS, 200), headers=FORM, content=b""),
        ("GET", "/static/web/{path:path}"): Rule(
            dict.fromkeys(PRINCIPALS, 200), params={"path:path": "asset"}
        ),
    }
)


TUS = {"Tus-Resumable": "1.0.0"}
UPLOAD_LENGTH = 1000


def _tus_creation() -> dict[str, str]:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    return {
        **TUS,
        "Upload-Length": str(UPLOAD_LENGTH),
        "Upload-Metadata": f"filename {b64('pleno.mp4')},sha256 {b64('ab' * 32)}",
    }


# The tus router (plenaria.api.uploads). Uploading is for those who create jobs;
# each request gets a fresh, incomplete upload of council A.
PATCH_HEADERS = {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
MATRIX.update(
    {
        ("POST", f"{V1}/uploads"): collection(MANAGERS, 201, headers=_tus_creation()),
        ("POST", f"{V1}/uploads/"): collection(MANAGERS, 201, headers=_tus_creation()),
        # A PDF's first bytes: refused (422) for those who upload, before any upload exists.
        ("POST", f"{V1}/uploads/check"): replace(
            collection(MANAGERS, 422), content=b"%PDF-1.7\n" + b"0" * 64
        ),
        ("OPTIONS", f"{V1}/uploads/"): collection(MANAGERS, 204, headers=TUS),
        ("HEAD", f"{V1}/uploads/{{uuid}}"): obj(MANAGERS, 200, headers=TUS, uuid="upload"),
        ("GET", f"{V1}/uploads/{{uuid}}"): obj(MANAGERS, 200, headers=TUS, uuid="upload"),
        ("PATCH", f"{V1}/uploads/{{uuid}}"): obj(
            MANAGERS, 204, headers=PATCH_HEADERS, content=b"x" * 10, uuid="upload"
        ),
        ("DELETE", f"{V1}/uploads/{{uuid}}"): obj(MANAGERS, 204, headers=TUS, uuid="upload"),
    }
)


# The citizens' portal (plenaria.api.routes.portal, plenaria.api.public): secretaries and
# admins publish and redact; every role reads the redactions; the public pages and files of
# a published session answer everyone, logged in or not, of any council.
MATRIX.update(
    {
        ("POST", f"{V1}/sessions/{{session_id}}/publish"): obj(
            MANAGERS, 200, session_id="transcript_session"
        ),
        ("DELETE", f"{V1}/sessions/{{session_id}}/publish"): obj(
            MANAGERS, 204, session_id="published_session"
        ),
        ("GET", f"{V1}/sessions/{{session_id}}/redactions"): obj(
            ALL_ROLES, 200, session_id="session"
        ),
        ("POST", f"{V1}/sessions/{{session_id}}/redactions"): obj(
            MANAGERS,
            201,
            lambda w: {"start": 1.0, "end": 2.5, "reason": "Datos personales"},
            session_id="session",
        ),
        ("DELETE", f"{V1}/sessions/{{session_id}}/redactions/{{redaction_id}}"): obj(
            MANAGERS, 204, session_id="redacted_session", redaction_id="last_redaction"
        ),
        ("GET", "/p/{council_slug}/"): Rule(
            dict.fromkeys(PRINCIPALS, 200), params={"council_slug": "slug_a"}
        ),
        ("GET", "/p/{council_slug}/buscar"): Rule(
            dict.fromkeys(PRINCIPALS, 200), params={"council_slug": "slug_a"}
        ),
        **{
            ("GET", f"/p/{{council_slug}}/{{session_id}}{tail}"): Rule(
                dict.fromkeys(PRINCIPALS, 200),
                params={"council_slug": "slug_a", "session_id": "published_session"},
            )
            for tail in (
                "",
                "/captions.vtt",
                "/transcript.json",
                "/video.mp4",
                "/intervenciones.csv",
                "/votaciones.csv",
            )
        },
        **{
            ("GET", f"/p/{{council_slug}}{tail}"): Rule(
                dict.fromkeys(PRINCIPALS, 200), params={"council_slug": "slug_a"}
            )
            for tail in (
                "/feed.atom",
                "/sitemap.xml",
                "/catalogo.rdf",
                "/miembros",
                "/accesibilidad",
            )
        },
        ("GET", "/p/{council_slug}/miembros/{person_id}"): Rule(
            dict.fromkeys(PRINCIPALS, 200), params={"council_slug": "slug_a", "person_id": "person"}
        ),
        # A council's look (plenaria.api.council_look): A has no logo in the matrix.
        ("GET", "/p/{council_slug}/logo"): Rule(
            dict.fromkeys(PRINCIPALS, 404), params={"council_slug": "slug_a"}
        ),
        ("GET", "/p/{council_slug}/estilo.css"): Rule(
            dict.fromkeys(PRINCIPALS, 200), params={"council_slug": "slug_a"}
        ),
        ("GET", "/embed/{council_slug}/{session_id}"): Rule(
            dict.fromkeys(PRINCIPALS, 200),
            params={"council_slug": "slug_a", "session_id": "published_session"},
        ),
        ("GET", "/p/{council_slug}/{session_id}/trozos/{number}.html"): Rule(
            dict.fromkeys(PRINCIPALS, 200),
            params={"council_slug": "slug_a", "session_id": "published_session", "number": "zero"},
        ),
        # The published session of the matrix has no video: no clip, no still (404 to all).
        ("GET", "/p/{council_slug}/{session_id}/fragmentos/{clip}.mp4"): Rule(
            dict.fromkeys(PRINCIPALS, 404),
            params={"council_slug": "slug_a", "session_id": "published_session", "clip": "clip_i1"},
        ),
        ("GET", "/p/{council_slug}/{session_id}/acta.pdf"): Rule(
            dict.fromkeys(PRINCIPALS, 404),  # not signed
            params={"council_slug": "slug_a", "session_id": "published_session"},
        ),
        ("GET", "/p/{council_slug}/{session_id}/fotograma/{second}.jpg"): Rule(
            dict.fromkeys(PRINCIPALS, 404),
            params={"council_slug": "slug_a", "session_id": "published_session", "second": "one"},
        ),
    }
)
_LAST_REDACTION: dict[str, str] = {}


# The acta's workflow (plenaria.api.routes.acta): every role reads it and submits a draft;
# secretaries and admins return, approve, mark fields not applicable and open corrections.
# The verification page (plenaria.api.verify) answers everyone, logged in or not.
ACTA = f"{V1}/sessions/{{session_id}}/acta"
_BOUNDARY = "matrixboundary"
VERIFY_FORM = {"Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"}
VERIFY_BODY = (
    f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="acta.docx"\r\n'
    f"Content-Type: application/octet-stream\r\n\r\nPK not certified\r\n--{_BOUNDARY}--\r\n"
).encode()
MATRIX.update(
    {
        ("GET", ACTA): obj(ALL_ROLES, 200, session_id="transcript_session"),
        ("POST", f"{ACTA}/submit"): obj(ALL_ROLES, 200, session_id="transcript_session"),
        ("POST", f"{ACTA}/return"): obj(MANAGERS, 200, session_id="review_session"),
        ("POST", f"{ACTA}/approve"): obj(MANAGERS, 200, session_id="review_session"),
        ("POST", f"{ACTA}/not-applicable"): obj(
            MANAGERS,
            200,
            lambda w: {"field": "end_time", "reason": "Consta en la convocatoria"},
            session_id="incomplete_session",
        ),
        ("POST", f"{ACTA}/corrections"): obj(
            MANAGERS,
            201,
            lambda w: {"reason": "Errata en un nombre"},
            session_id="approved_session",
        ),
        ("GET", f"{ACTA}/certificate"): obj(ALL_ROLES, 200, session_id="approved_session"),
        ("GET", f"{ACTA}/docx"): obj(ALL_ROLES, 200, session_id="approved_session"),
        # plenaria.api.routes.acta_sign, kept off LibreOffice here (tests/api/test_acta_sign.py
        # converts and signs): no certificate configured or uploaded (422); a DOCX is no
        # signed PDF (422); a version not approved has no PDF (404).
        ("POST", f"{ACTA}/sign"): obj(MANAGERS, 422, session_id="approved_session"),
        ("POST", f"{ACTA}/signed-pdf"): obj(
            MANAGERS,
            422,
            headers=VERIFY_FORM,
            content=VERIFY_BODY,
            session_id="approved_session",
        ),
        ("GET", f"{ACTA}/pdf"): obj(ALL_ROLES, 404, session_id="review_session"),
        ("GET", "/verificar"): public(200),
        ("GET", "/verificar/{csv}"): Rule(
            dict.fromkeys(PRINCIPALS, 200), params={"csv": "certified_code"}
        ),
        ("POST", "/verificar"): Rule(
            dict.fromkeys(PRINCIPALS, 200), headers=VERIFY_FORM, content=VERIFY_BODY
        ),
    }
)
_CODES: dict[str, str] = {}


def _form(rule: Rule, content: bytes) -> Rule:
    """The rule of a page's form: posted as a browser posts it (redirects followed)."""
    return replace(rule, headers=FORM, content=content)


# The settings pages (plenaria.api.web.settings) and a session's page: the council's
# settings are the admin's, users too; the roster and the tokens managers'; a session's
# data everyone's to read, managers' to change, and the admin's to delete.
MATRIX.update(
    {
        ("GET", "/settings"): collection(MANAGERS, 200),
        ("GET", "/settings/council"): collection(MANAGERS, 200),
        ("POST", "/settings/council"): _form(
            collection(("admin",), 200), b"acta_lang=es&vocabulary=Villa&video_url_template="
        ),
        ("POST", "/settings/council/logo"): replace(
            collection(("admin",), 200),
            headers=LOGO_FORM,
            content=LOGO_BODY.replace(b'name="file"', b'name="logo"'),
        ),
        ("POST", "/settings/council/logo/remove"): _form(collection(("admin",), 200), b""),
        ("GET", "/settings/roster"): collection(MANAGERS, 200),
        ("POST", "/settings/roster"): _form(collection(MANAGERS, 200), b"name=Ana"),
        ("GET", "/settings/roster/{person_id}"): obj(MANAGERS, 200, person_id="person"),
        ("POST", "/settings/roster/{person_id}"): _form(
            obj(MANAGERS, 200, person_id="person"), b"name=Ana&active=1"
        ),
        ("POST", "/settings/roster/{person_id}/active"): _form(
            obj(MANAGERS, 200, person_id="person"), b"active=0"
        ),
        ("POST", "/settings/roster/{person_id}/voice/reset"): _form(
            obj(MANAGERS, 200, person_id="person"), b""
        ),
        ("POST", "/settings/roster/{person_id}/voice/delete"): _form(
            obj(MANAGERS, 200, person_id="person"), b"confirm=1"
        ),
        ("GET", "/settings/users"): collection(("admin",), 200),
        # A password too short: each admin's form comes back refused (no account is made).
        ("POST", "/settings/users"): _form(
            collection(("admin",), 422), b"email=m%40x.org&password=short&role=clerk"
        ),
        ("POST", "/settings/users/{user_id}"): _form(
            obj(("admin",), 200, user_id="user"), b"role=secretary"
        ),
        ("GET", "/settings/tokens"): collection(MANAGERS, 200),
        ("POST", "/settings/tokens"): _form(collection(MANAGERS, 201), b"name=matrix"),
        # Tokens are personal: another manager's is not found.
        ("POST", "/settings/tokens/{token_id}/revoke"): Rule(
            {"anonymous": 401, "admin": 200, "secretary": 404, "clerk": 403, "other": 404},
            params={"token_id": "token"},
            headers=FORM,
            content=b"",
        ),
        ("GET", "/sessions/{session_id}"): obj(ALL_ROLES, 200, session_id="session"),
        ("POST", "/sessions/{session_id}"): _form(
            obj(MANAGERS, 200, session_id="session"), b"date=2024-01-01&place=Sal%C3%B3n"
        ),
        ("GET", "/sessions/{session_id}/delete"): obj(("admin",), 200, session_id="session"),
        ("POST", "/sessions/{session_id}/delete"): _form(
            obj(("admin",), 200, session_id="session"), b"confirm=yes"
        ),
    }
)

# The acta's page (plenaria.api.web.acta_pages) and the publication package: every role
# reads the page and sends a draft to review; the rest is secretaries' and admins'. The
# package is refused (409) until the acta is signed; signing without a certificate (422),
# and a signed PDF without its file (422), stay off LibreOffice.
ACTA_PAGE = "/sessions/{session_id}/acta"
MATRIX.update(
    {
        ("GET", f"{ACTA}/package"): obj(MANAGERS, 409, session_id="approved_session"),
        ("GET", ACTA_PAGE): obj(ALL_ROLES, 200, session_id="transcript_session"),
        ("POST", f"{ACTA_PAGE}/submit"): _form(
            obj(ALL_ROLES, 200, session_id="transcript_session"), b""
        ),
        ("POST", f"{ACTA_PAGE}/return"): _form(
            obj(MANAGERS, 200, session_id="review_session"), b""
        ),
        ("POST", f"{ACTA_PAGE}/approve"): _form(
            obj(MANAGERS, 200, session_id="review_session"), b""
        ),
        ("POST", f"{ACTA_PAGE}/not-applicable"): _form(
            obj(MANAGERS, 200, session_id="incomplete_session"),
            b"field=end_time&reason=Consta+en+la+convocatoria",
        ),
        ("POST", f"{ACTA_PAGE}/sign"): _form(
            obj(MANAGERS, 422, session_id="approved_session"), b""
        ),
        ("POST", f"{ACTA_PAGE}/signed-pdf"): _form(
            obj(MANAGERS, 422, session_id="approved_session"), b""
        ),
        ("POST", f"{ACTA_PAGE}/publish"): _form(
            obj(MANAGERS, 200, session_id="transcript_session"), b""
        ),
        ("POST", f"{ACTA_PAGE}/withdraw"): _form(
            obj(MANAGERS, 200, session_id="published_session"), b""
        ),
        ("POST", f"{ACTA_PAGE}/correction"): _form(
            obj(MANAGERS, 200, session_id="approved_session"), b"reason=Errata+en+un+nombre"
        ),
    }
)


def _acta_session(world: World, client: TestClient, to: str) -> str:
    """A session of council A with version 1 (an acta missing ``end_time`` for
    ``incomplete``), taken by A's admin through the API to ``in_review`` or ``approved``."""
    from plenaria.db import civic
    from plenaria.db.transcripts import save_version
    from plenaria.domain_acta import Acta

    content = _transcript()
    content["acta"] = Acta(missing=("end_time",) if to == "incomplete" else ()).to_dict()
    with world.db.transaction() as s:
        plenary = civic.create_plenary_session(s, world.councils["a"], {"date": "2024-01-05"})
        save_version(s, plenary, None, content, None)
        sid = plenary.id
    admin = world.headers("admin")
    for step in {"incomplete": (), "review": ("submit",), "approved": ("submit", "approve")}[to]:
        r = client.post(f"{V1}/sessions/{sid}/acta/{step}", headers=admin)
        assert r.status_code == 200, r.text
        if step == "approve":
            _CODES[sid] = r.json()["certificates"][-1]["csv"]
    return sid


def _published_session(world: World) -> str:
    """A session of council A published at version 1, with a (tiny, fake) public video."""
    from plenaria.db import civic, portal
    from plenaria.db.models import User
    from plenaria.db.transcripts import save_version

    key = f"public/{uuid.uuid4().hex}/v1.mp4"
    (world.storage / key).parent.mkdir(parents=True, exist_ok=True)
    (world.storage / key).write_bytes(b"\x00\x00\x00\x18ftypmp42 not a real video")
    with world.db.transaction() as s:
        plenary = civic.create_plenary_session(s, world.councils["a"], {"date": "2024-01-03"})
        save_version(s, plenary, None, _transcript(), None)
        admin = s.get(User, world.users["admin"])
        assert admin is not None
        portal.save_publication(s, plenary, admin, 1, None, key, "es")
        return plenary.id


def _make(world: World, factory: str, client: TestClient) -> str:
    """A fresh object of council A for one request."""
    from plenaria.db import accounts, civic
    from plenaria.db.models import Council, User

    if factory == "job":
        return world.job("a", "queued")
    if factory == "failed_job":
        return world.job("a", "failed")
    if factory == "live_job":
        return world.job("a", "running", live={"mode": "pull", "url": "http://127.0.0.1:9/x.ts"})
    if factory == "done_job":
        return world.job("a", "done", outputs={"docx": b"PK docx bytes"})
    if factory == "docx":
        return "docx"
    if factory == "one":
        return "1"
    if factory == "zero":
        return "0"
    if factory == "clip_i1":
        return "i1"
    if factory == "first_intervention":
        return "i0001"
    if factory == "asset":
        return "app.css"
    if factory == "slug_a":
        return "villa-a"
    if factory == "published_session":
        return _published_session(world)
    if factory in ("review_session", "approved_session", "incomplete_session"):
        return _acta_session(world, client, factory.removesuffix("_session"))
    if factory == "certified_code":
        return _CODES[_acta_session(world, client, "approved")]
    if factory == "last_redaction":
        return _LAST_REDACTION.pop("id")
    if factory == "upload":
        r = client.post(f"{V1}/uploads/", headers={**world.headers("admin"), **_tus_creation()})
        assert r.status_code == 201, r.text
        return r.headers["location"].rstrip("/").rsplit("/", 1)[1]
    with world.db.transaction() as s:
        council_id = world.councils["a"]
        if factory == "person":
            return civic.create_person(s, council_id, {"name": "Ana"}).id
        if factory == "session":
            return civic.create_plenary_session(s, council_id, {"date": "2024-01-01"}).id
        if factory == "redacted_session":
            from plenaria.db import portal

            plenary = civic.create_plenary_session(s, council_id, {"date": "2024-01-04"})
            admin = s.get(User, world.users["admin"])
            assert admin is not None
            _LAST_REDACTION["id"] = portal.add_redaction(s, plenary, 1.0, 2.0, "x", admin).id
            return plenary.id
        if factory == "transcript_session":
            from plenaria.db.transcripts import save_version

            plenary = civic.create_plenary_session(s, council_id, {"date": "2024-01-02"})
            save_version(s, plenary, None, _transcript(), None)
            return plenary.id
        if factory == "user":
            council = s.get(Council, council_id)
            assert council is not None
            email = f"{uuid.uuid4().hex[:8]}@a.example.org"
            return accounts.create_user(s, council, email, "long enough!", "clerk").id
        if factory == "token":
            admin = s.get(User, world.users["admin"])
            assert admin is not None
            return accounts.create_token(s, admin, "victim")[0].id
    raise AssertionError(f"no factory {factory}")


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route; the HEAD that Starlette adds beside a GET is left out."""
    routes = set()
    for route in iter_route_contexts(app.routes):
        methods = set(route.methods or {"*"})
        if "GET" in methods:
            methods.discard("HEAD")
        for method in methods:
            routes.add((method, str(route.path)))
    return routes


def test_every_route_has_a_matrix_entry(client: TestClient) -> None:
    routes = app_routes(client.app)
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"routes without an authorization rule: {missing}"
    assert not stale, f"rules for routes that no longer exist: {stale}"


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_authorization(route: tuple[str, str], client: TestClient, world: World) -> None:
    method, template = route
    rule = MATRIX[route]
    got: dict[str, int] = {}
    for who in PRINCIPALS:
        path = template
        for name, factory in rule.params.items():
            path = path.replace(f"{{{name}}}", _make(world, factory, client))
        body = rule.body(world) if rule.body else None
        client.cookies.clear()
        headers = {**rule.headers, **world.headers(who)}
        if rule.endless:
            with client.stream(method, path, headers=headers) as response:
                if response.status_code >= 400:
                    response.read()
        elif rule.content is not None:
            response = client.request(method, path, content=rule.content, headers=headers)
        else:
            response = client.request(method, path, json=body, headers=headers)
        got[who] = response.status_code
        if response.status_code >= 400 and method != "HEAD":
            detail = response.json()["detail"]
            assert isinstance(detail, str) and "\n" not in detail, (who, detail)
    assert got == rule.expect, (path, response.text[:300])


def test_lists_never_show_another_councils_objects(client: TestClient, world: World) -> None:
    ids = {
        "jobs": world.job("a"),
        "roster": _make(world, "person", client),
        "sessions": _make(world, "session", client),
    }
    for collection_name, object_id in ids.items():
        own = client.get(f"{V1}/{collection_name}", headers=world.headers("clerk")).json()
        theirs = client.get(f"{V1}/{collection_name}", headers=world.headers("other")).json()
        assert object_id in {o["id"] for o in own}
        assert object_id not in {o["id"] for o in theirs}
    users = client.get(f"{V1}/users", headers=world.headers("other")).json()
    assert [u["email"] for u in users] == [world.emails["other"]]


# A browser: the admin of council A with a session cookie instead of a token. A change
# (every unsafe route above that needs a login) without the CSRF token is 403 and changes
# nothing; with it, the same answer as the admin's token gets. Scripts send the token as
# the X-CSRF-Token header; the logout button, as its form field csrf_token.
UNSAFE = sorted(
    route
    for route, rule in MATRIX.items()
    if route[0] not in ("GET", "HEAD", "OPTIONS")
    and (rule.expect["anonymous"] in (401, 403) or route == ("POST", "/logout"))
)


def _browser_session(world: World, key: str) -> tuple[str, str]:
    """(session cookie, CSRF token) of a fresh browser session of A's admin."""
    from plenaria import accounts as credentials
    from plenaria.db import accounts
    from plenaria.db.models import User

    with world.db.transaction() as s:
        admin = s.get(User, world.users["admin"])
        assert admin is not None
        secret = accounts.open_web_session(s, admin)
    return credentials.sign_cookie(key, secret), credentials.csrf_token(key, secret)


def test_unsafe_routes_are_listed_for_the_cookie_check() -> None:
    assert ("POST", "/logout") in UNSAFE and ("PATCH", f"{V1}/uploads/{{uuid}}") in UNSAFE


@pytest.mark.parametrize("route", UNSAFE, ids=lambda r: f"{r[0]} {r[1]}")
def test_cookie_session_needs_the_csrf_token(
    route: tuple[str, str], client: TestClient, world: World
) -> None:
    from plenaria.api.deps import SESSION_COOKIE

    method, template = route
    rule = MATRIX[route]
    cookie, csrf = _browser_session(world, client.app.state.settings.secret_key.get_secret_value())
    got = []
    for with_token in (False, True):
        path = template
        for name, factory in rule.params.items():
            path = path.replace(f"{{{name}}}", _make(world, factory, client))
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, cookie)  # kept across a form's redirect
        headers = dict(rule.headers)
        content = rule.content
        if with_token and path == "/logout":
            content = f"csrf_token={csrf}".encode()
        elif with_token:
            headers["X-CSRF-Token"] = csrf
        if content is not None:
            response = client.request(method, path, content=content, headers=headers)
        else:
            body = rule.body(world) if rule.body else None
            response = client.request(method, path, json=body, headers=headers)
        got.append(response.status_code)
    expected = rule.expect["admin"]
    assert got == [403, expected], (got, response.text)
    if path == "/logout":  # the button's form ended the session
        r = client.get(f"{V1}/auth/me", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
        assert r.status_code == 401
