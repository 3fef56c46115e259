"""The browser's side of security: logging out from the page, headers, favicon, aliases."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from conftest import PASSWORD, World
from fastapi.testclient import TestClient

from plenaria.api.deps import SESSION_COOKIE

HTML = {"Accept": "text/html,application/xhtml+xml"}


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
