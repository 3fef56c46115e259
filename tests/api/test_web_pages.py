"""The HTML pages: login by form, the council's sessions and jobs, escaping, languages, assets."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from test_transcripts import processed_session

from conftest import PASSWORD, World
from plenaria.db import civic

HTML = {"Accept": "text/html,application/xhtml+xml"}


def form_token(client: TestClient) -> str:
    """The login form's CSRF token (bound to the login cookie the page sets)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found is not None
    return found.group(1)


def login(client: TestClient, world: World, who: str = "clerk") -> None:
    r = client.post(
        "/login",
        data={
            "email": world.emails[who],
            "password": PASSWORD,
            "next": "/jobs",
            "csrf_token": form_token(client),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/jobs", r.text
    assert "plenaria_session" in r.cookies or client.cookies.get("plenaria_session")


def test_pages_redirect_to_login_and_login_works(client: TestClient, world: World) -> None:
    for path in ("/", "/upload", "/sessions/x/editor", "/jobs/x"):
        r = client.get(path, follow_redirects=False, headers=HTML)
        assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}"
        r = client.get(path, follow_redirects=False)  # not a browser: the API's answer
        assert r.status_code == 401 and "Entre en /login" in r.json()["detail"]
    r = client.get("/login")
    assert r.status_code == 200 and '<html lang="es">' in r.text and 'name="email"' in r.text
    r = client.post(
        "/login",
        data={
            "email": world.emails["clerk"],
            "password": "wrong",
            "csrf_token": form_token(client),
        },
        follow_redirects=False,
    )
    assert r.status_code == 401 and "incorrectos" in r.text
    login(client, world)
    r = client.get("/")
    assert r.status_code == 200 and "Sesiones del pleno" in r.text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', r.text)
    assert csrf is not None
    me = client.get("/api/v1/auth/me")
    assert me.json()["csrf_token"] == csrf.group(1)


def test_open_redirects_are_refused(client: TestClient, world: World) -> None:
    r = client.post(
        "/login",
        data={
            "email": world.emails["clerk"],
            "password": PASSWORD,
            "next": "//evil.example",
            "csrf_token": form_token(client),
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_user_text_is_escaped_and_sessions_listed(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    with world.db.transaction() as s:
        civic.create_plenary_session(
            s, world.councils["a"], {"slug": "<script>alert(1)</script>", "date": "2026-12-01"}
        )
    login(client, world)
    page = client.get("/").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f"/sessions/{sid}/editor" in page


def test_catalan_interface(client: TestClient, world: World) -> None:
    login(client, world)
    r = client.get("/?lang=ca")
    assert '<html lang="ca">' in r.text and "Sessions del ple" in r.text
    assert "Sessions del ple" in client.get("/").text
    client.cookies.delete("plenaria_lang")
    r = client.get("/login", headers={"Accept-Language": "ca-ES,ca;q=0.9"})
    assert '<html lang="ca">' in r.text


def test_job_page_editor_and_other_councils(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    job_id = world.job(state="failed")
    login(client, world, "secretary")
    r = client.get(f"/jobs/{job_id}")
    assert r.status_code == 200 and 'id="retry"' in r.text and "Con error" in r.text
    assert client.get(f"/jobs/{job_id}/steps").text.startswith('<ul class="steps"')
    r = client.get(f"/sessions/{sid}/editor")
    assert r.status_code == 200 and 'data-session="' + sid + '"' in r.text
    assert "Atajos de teclado" in r.text and "/static/web/editor.js" in r.text
    other_job = world.job(council="b")
    r = client.get(f"/jobs/{other_job}", headers=HTML)
    assert r.status_code == 404 and "<html" in r.text
    assert client.get(f"/jobs/{other_job}").json()["detail"].startswith("No existe el proceso")
    with world.db.transaction() as s:
        other = civic.create_plenary_session(s, world.councils["b"], {"slug": "b"}).id
    assert client.get(f"/sessions/{other}/editor").status_code == 404
    assert "Subir grabación" in client.get("/upload").text


def test_clerks_do_not_upload(client: TestClient, world: World) -> None:
    login(client, world, "clerk")
    assert 'href="/upload"' not in client.get("/").text
    r = client.get("/upload", headers=HTML)
    assert r.status_code == 403 and "no permite subir grabaciones" in r.text


def test_assets_are_served_from_the_package(client: TestClient) -> None:
    for path in (
        "/static/web/app.css",
        "/static/web/editor.js",
        "/static/web/sha256-worker.js",
        "/static/web/vendor/htmx/htmx.min.js",
        "/static/web/vendor/tus-js-client/tus.min.js",
    ):
        r = client.get(path)
        assert r.status_code == 200 and len(r.content) > 1000, path
    assert client.get("/static/web/app.css").headers["content-type"].startswith("text/css")
    for bad in ("%2e%2e/%2e%2e/db/models.py", "..%2f..%2fdb%2fmodels.py", "nothing.js", ""):
        assert client.get(f"/static/web/{bad}").status_code == 404, bad
