"""The HTML pages: login by form, the council's sessions and jobs, escaping, languages, assets."""

from __future__ import annotations

import re
from dataclasses import replace

from fastapi.testclient import TestClient
from test_transcripts import processed_session
from transcripts import sample_transcript

from conftest import PASSWORD, World
from plenaria.assembly.warnings import NO_SPEECH, with_warnings
from plenaria.db import civic
from plenaria.db.models import Job
from plenaria.db.transcripts import save_version

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
    assert "Atajos de teclado" in r.text and "/static/web/editor/main.js" in r.text
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
        "/static/web/editor/main.js",
        "/static/web/sha256-worker.js",
        "/static/web/vendor/htmx/htmx.min.js",
        "/static/web/vendor/tus-js-client/tus.min.js",
    ):
        r = client.get(path)
        assert r.status_code == 200 and len(r.content) > 1000, path
    assert client.get("/static/web/app.css").headers["content-type"].startswith("text/css")
    for bad in ("%2e%2e/%2e%2e/db/models.py", "..%2f..%2fdb%2fmodels.py", "nothing.js", ""):
        assert client.get(f"/static/web/{bad}").status_code == 404, bad


def _links(html: str) -> dict[str, str]:
    """Download links of a page: href -> the whole <a ...> tag."""
    return {
        m.group(1): m.group(0)
        for m in re.finditer(r'<a href="(/api/v1/jobs/[^"]+/outputs/[a-z]+)"[^>]*>', html)
    }


def test_a_finished_job_links_its_five_outputs_where_they_are_looked_for(
    client: TestClient, world: World
) -> None:
    files = {
        "docx": b"PK\x03\x04 acta",
        "vtt": b"WEBVTT\n",
        "srt": b"1\n",
        "json": b"{}",
        "proxy": b"\x00\x00\x00\x18ftypisom",
    }
    job_id = world.job(state="done", outputs=files)
    running = world.job(state="running")
    login(client, world, "clerk")
    expected = {f"/api/v1/jobs/{job_id}/outputs/{kind}" for kind in files}
    for page in (f"/jobs/{job_id}", "/", "/fragments/jobs"):
        r = client.get(page)
        assert r.status_code == 200, page
        links = _links(r.text)
        assert set(links) == expected, (page, links)  # the running job has none
        assert all(" download" in tag for tag in links.values()), links
        assert f"/api/v1/jobs/{running}/outputs/" not in r.text
    for href in expected:  # each answers, with the page's cookie
        got = client.get(href)
        assert got.status_code == 200 and got.content == files[href.rsplit("/", 1)[1]], href
    assert "Vídeo web (MP4)" in client.get(f"/jobs/{job_id}").text
    assert "Vídeo web (MP4)" in client.get(f"/jobs/{job_id}?lang=ca").text


def test_a_recording_without_speech_finishes_with_the_warning(
    client: TestClient, world: World
) -> None:
    t = sample_transcript()
    silent = with_warnings(replace(t, interventions=(), turns=(), speakers=()))
    job_id = world.job(state="done", outputs={"json": b"{}"})
    with world.db.transaction() as s:
        plenary = civic.create_plenary_session(s, world.councils["a"], {"slug": "silencio"})
        job = s.get(Job, job_id)
        assert job is not None
        job.session_id = plenary.id
        save_version(s, plenary, None, silent.to_dict(), None, job_id=job_id)
    quiet = world.job(state="done")
    h = world.headers("clerk")
    got = client.get(f"/api/v1/jobs/{job_id}", headers=h).json()
    assert got["state"] == "done" and got["warnings"] == [NO_SPEECH]
    listed = {j["id"]: j["warnings"] for j in client.get("/api/v1/jobs", headers=h).json()}
    assert listed == {job_id: [NO_SPEECH], quiet: []}
    assert client.get(f"/api/v1/jobs/{quiet}", headers=h).json()["warnings"] == []
    login(client, world, "clerk")
    page = client.get(f"/jobs/{job_id}").text
    assert "No se ha detectado habla en la grabación" in page
    assert 'id="job-warnings" role="status" class="warning" >' in page  # shown
    assert "No s&#39;ha detectat parla" in client.get(f"/jobs/{job_id}?lang=ca").text
    assert (
        'id="job-warnings" role="status" class="warning" hidden'
        in client.get(f"/jobs/{quiet}").text
    )
