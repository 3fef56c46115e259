"""The browser's side of security: logging out from the page, headers, favicon, aliases."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient

from conftest import PASSWORD, World
from plenaria.api.app import create_app
from plenaria.api.deps import SESSION_COOKIE
from plenaria.config import Settings

HTML = {"Accept": "text/html,application/xhtml+xml"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TUS = {"Tus-Resumable": "1.0.0"}
PATCH_HEADERS = {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}


def tus_creation(length: int, name: str = "pleno.mp4") -> dict[str, str]:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    return {
        **TUS,
        "Upload-Length": str(length),
        "Upload-Metadata": f"filename {b64(name)},sha256 {b64('ab' * 32)}",
    }


class _Forms(HTMLParser):
    """The forms of a page: action -> {field name: value} of their hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._action = a.get("action", "")
            self.forms[self._action] = {}
        elif tag == "input" and self._action is not None and a.get("type") == "hidden":
            self.forms[self._action][a.get("name", "")] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None


def forms(html: str) -> dict[str, dict[str, str]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def page_login(client: TestClient, world: World, who: str = "secretary") -> None:
    """Log in as a browser does: the login page's form, its hidden fields included."""
    hidden = forms(client.get("/login", headers=HTML).text)["/login"]
    fields = {**hidden, "email": world.emails[who], "password": PASSWORD, "next": "/"}
    r = client.post("/login", data=fields, headers=HTML, follow_redirects=False)
    assert r.status_code == 303, r.text


def test_the_logout_button_ends_the_session(client: TestClient, world: World) -> None:
    page_login(client, world)
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    button = forms(page.text)["/logout"]
    assert button["csrf_token"], "the logout form carries the CSRF token"
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    # A forged logout (no token, or another one) ends nothing.
    assert client.post("/logout", data={}, headers=HTML).status_code == 403
    r = client.post("/logout", data={"csrf_token": "x" * 43}, headers=HTML)
    assert r.status_code == 403
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200
    # The button, as the page sends it (form-encoded, the token as a field).
    r = client.post("/logout", data=button, headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)  # the old cookie opens nothing any more
    r = client.get("/", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_csrf_header_still_works_for_scripts(client: TestClient, world: World) -> None:
    page_login(client, world)
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/", headers=HTML).text)
    assert token is not None
    r = client.post("/logout", headers={"X-CSRF-Token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/v1/auth/me").status_code == 401


def _csp(response: Any) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (p.strip() for p in policy.split(";"))}


def test_security_headers_on_pages_and_the_api(client: TestClient, world: World) -> None:
    page = client.get("/login", headers=HTML)
    api = client.get("/api/v1/jobs", headers=world.headers("clerk"))
    missing = client.get("/api/v1/nowhere")
    for r in (page, api, missing):
        csp = _csp(r)
        assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
        assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert r.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in r.headers  # plain HTTP here
    assert api.status_code == 200 and api.headers["cache-control"] == "no-store"
    assert missing.headers["cache-control"] == "no-store"
    assert "no-store" not in page.headers.get("cache-control", "")
    asset = client.get("/static/web/app.css")
    assert asset.headers["cache-control"] == "public, max-age=3600"
    assert asset.headers["x-content-type-options"] == "nosniff"
    # A file the API serves keeps no copy in the browser either.
    done = world.job("a", "done", outputs={"docx": b"PK docx bytes"})
    r = client.get(f"/api/v1/jobs/{done}/outputs/docx", headers=world.headers("clerk"))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"


def test_embed_paths_may_be_framed_and_https_gets_hsts(settings: Settings) -> None:
    secure = settings.model_copy(update={"cookie_secure": True, "frame_embed_paths": "/embed/"})
    with TestClient(create_app(secure)) as client:
        r = client.get("/embed/session/x")  # no such page yet: the policy still applies
        assert _csp(r)["frame-ancestors"] == "*" and "x-frame-options" not in r.headers
        assert r.headers["strict-transport-security"] == "max-age=31536000"
        r = client.get("/login")
        assert _csp(r)["frame-ancestors"] == "'none'" and r.headers["x-frame-options"] == "DENY"
        assert r.headers["strict-transport-security"] == "max-age=31536000"


class _Inline(HTMLParser):
    """What a strict Content-Security-Policy blocks: inline scripts, handlers, style."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self._in_script = False
        if tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"] or "")
            elif a.get("type") != "application/json":  # data, never run
                self._in_script = True
        if tag == "style":
            self.blocked.append("<style>")
        for name in a:
            if name == "style" or name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=>")
        if tag == "a" and (a.get("href") or "").startswith("javascript:"):
            self.blocked.append("javascript: link")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.blocked.append(f"inline script {data.strip()[:40]!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def test_every_page_runs_under_the_policy(client: TestClient, world: World) -> None:
    from test_transcripts import processed_session

    sid = processed_session(world)
    job_id = world.job(state="failed")
    page_login(client, world, "secretary")
    pages = ["/", "/upload", f"/jobs/{job_id}", f"/sessions/{sid}/editor", "/api/v1/docs"]
    for path in pages:
        r = client.get(path, headers=HTML)
        assert r.status_code == 200, path
        parser = _Inline()
        parser.feed(r.text)
        assert not parser.blocked, (path, parser.blocked)
        assert parser.scripts, path
        for src in parser.scripts:  # same origin, served with a script type
            assert src.startswith("/static/"), (path, src)
            asset = client.get(src)
            assert asset.status_code == 200, src
            assert asset.headers["content-type"].startswith("text/javascript"), src
    client.cookies.clear()
    parser = _Inline()
    parser.feed(client.get("/login", headers=HTML).text)
    assert not parser.blocked
    # htmx adds a <style> of its own unless told not to: the pages tell it.
    assert '"includeIndicatorStyles": false' in client.get("/login").text


def test_favicon(client: TestClient) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert r.content.startswith(b"<svg") and b"</svg>" in r.content
    assert '<link rel="icon" href="/static/web/favicon.svg"' in client.get("/login").text
    assert client.get("/static/web/favicon.svg").content == r.content


def test_an_oversized_body_is_413(settings: Settings, world: World) -> None:
    small = settings.model_copy(update={"max_body_bytes": 4096})
    with TestClient(create_app(small)) as client:
        headers = world.headers("secretary")
        ok = client.post("/api/v1/sessions", json={"date": "2024-05-30"}, headers=headers)
        assert ok.status_code == 201, ok.text
        big = {"date": "2024-05-30", "place": "x" * 5000}
        r = client.post("/api/v1/sessions", json=big, headers=headers)
        assert r.status_code == 413
        assert r.json()["detail"].startswith("La petición ocupa más de 4.1 kB")
        assert "PLENARIA_MAX_BODY_BYTES" in r.json()["detail"]
        assert r.headers["x-content-type-options"] == "nosniff"

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"date": "2024-05-30", "place": "'
            for _ in range(10):
                yield b"y" * 1000
            yield b'"}'

        r = client.post(
            "/api/v1/sessions",
            content=chunks(),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert r.status_code == 413, r.text
        assert r.json()["detail"].startswith("La petición ocupa más de")
        r = client.post("/logout", content=b"csrf_token=" + b"z" * 5000, headers=FORM)
        assert r.status_code == 413
        # The upload's PATCH streams a recording: not this limit (the upload's own).
        created = client.post("/api/v1/uploads/", headers={**headers, **tus_creation(6000)})
        assert created.status_code == 201, created.text
        mp4_head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"  # judged at once
        r = client.patch(
            created.headers["location"],
            content=mp4_head + b"\0" * (5000 - len(mp4_head)),
            headers={**headers, **PATCH_HEADERS},
        )
        assert r.status_code == 204, r.text
        assert r.headers["upload-offset"] == "5000"
