"""One language per screen: no page, error page or API error shows the app's own English.

Every page is fetched as each role in Spanish and in Catalan, with data on it
(a session with a transcript, jobs in every state with their steps, an error
from a worker); the visible text (no tags, scripts or styles; the attributes a
person reads: title, alt, aria-label, placeholder; the strings a page hands to
its scripts) must hold no word of :data:`ENGLISH` and no catalogue key.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from test_transcripts import processed_session
from test_web_pages import HTML, login

from conftest import World
from plenaria.api import i18n
from plenaria.api.i18n_messages import translate
from plenaria.db import civic
from plenaria.db import jobs as job_repo
from plenaria.db.models import Job
from plenaria.errors import MediaError
from plenaria.workers.job_errors import user_message

V1 = "/api/v1"
JOB_ERROR = user_message("transcribe:1", MediaError("x"))  # as the worker writes it
ROLES = ("admin", "secretary", "clerk")
STEPS = ("probe", "audio", "speech", "plan", "transcribe:0", "transcribe:1", "diarize")
STEPS += ("name", "assemble", "outputs", "proxy")

# The app's own English: its old labels, step names, refusals and HTTP phrases.
ENGLISH = (
    "speaker",
    "speakers",
    "upload",
    "uploads",
    "job",
    "jobs",
    "not found",
    "forbidden",
    "unauthorized",
    "login",
    "log in",
    "logout",
    "session",
    "save",
    "cancel",
    "delete",
    "settings",
    "probe",
    "diarize",
    "assemble",
    "transcribe",
    "outputs",
    "speech",
    "plan",
    "proxy",
    "is a",
    "not a",
    "the",
    "and",
    "please",
    "failed",
    "invalid",
    "required",
    "missing",
    "cannot",
    "unknown",
    "queued",
    "running",
    "done",
    "cancelled",
    "pending",
    "internal",
    "server error",
    "method not allowed",
)
# Whole words: "Cancel·lat" is Catalan, not "Cancel".
ENGLISH_RE = re.compile(r"(?<![\w·])(" + "|".join(map(re.escape, ENGLISH)) + r")(?![\w·])", re.I)
# A catalogue key left as text ("nav_sessions"), or a placeholder never filled in ("{n}").
KEYS = {k for k in [*i18n.strings("es"), *i18n.js_strings("es")] if "_" in k}
KEY_RE = re.compile(r"\b(" + "|".join(sorted(KEYS, key=len, reverse=True)) + r")\b")
PLACEHOLDER_RE = re.compile(r"\{[a-z_]+\}")
# What an API error names literally: paths (/login) and HTTP headers (Upload-Metadata).
LITERAL_RE = re.compile(r"(?<!\w)/\S*|\b[A-Z][a-z]+(?:-[A-Z][a-z0-9]+)+\b")
READ_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")


class Visible(HTMLParser):
    """The text a person reads on a page, and the strings a page hands to its scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip: list[str] = []
        self.strings = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.parts.extend(str(found[a]) for a in READ_ATTRIBUTES if found.get(a))
        if tag in ("script", "style"):
            self.skip.append(tag)
            self.strings = tag == "script" and found.get("id") == "strings"

    def handle_endtag(self, tag: str) -> None:
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()
            self.strings = False

    def handle_data(self, data: str) -> None:
        if self.strings:
            table = json.loads(data)
            # "{n}" is filled in by the script; the text around it is what shows.
            self.parts.extend(PLACEHOLDER_RE.sub("", str(v)) for v in table.values())
        elif not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_in(text: str) -> list[str]:
    """The English words, catalogue keys and unfilled placeholders in ``text``."""
    return sorted(
        {m.group(0) for m in ENGLISH_RE.finditer(text)}
        | {m.group(0) for m in KEY_RE.finditer(text)}
        | {m.group(0) for m in PLACEHOLDER_RE.finditer(text)}
    )


def world_with_everything(world: World) -> dict[str, str]:
    """A session with a transcript, one of each session type, and jobs in every state."""
    sid = processed_session(world)
    ids = {"session": sid}
    with world.db.transaction() as s:
        for kind in ("ordinaria", "extraordinaria", "extraordinaria urgente"):
            data = {"slug": "", "date": "2026-04-03", "session_type": kind}
            civic.create_plenary_session(s, world.councils["a"], data)
    for state in ("queued", "running", "done", "failed", "cancelled"):
        files = {k: b"x" for k in ("docx", "vtt", "srt", "json", "proxy")}  # its downloads
        job_id = world.job(state=state, outputs=files if state == "done" else None)
        with world.db.transaction() as s:
            job = s.get(Job, job_id)
            assert job is not None
            job.session_id = sid
            for n, name in enumerate(STEPS):
                step = job_repo.ensure_step(s, job, name, total_s=10)
                if state != "queued":
                    step_state = ("done", "running", "failed", "pending")[n % 4]
                    job_repo.set_step_state(step, step_state)
            if state in ("running", "failed"):
                job.step = "transcribe:1"
            if state == "failed":
                job.error = JOB_ERROR
        ids[state] = job_id
    return ids


def pages(ids: dict[str, str], role: str) -> list[str]:
    found = ["/", "/fragments/jobs", f"/sessions/{ids['session']}/editor"]
    for state in ("queued", "running", "done", "failed", "cancelled"):
        found += [f"/jobs/{ids[state]}", f"/jobs/{ids[state]}/steps"]
    if role != "clerk":
        found.append("/upload")
    return found


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_page_shows_english(client: TestClient, world: World, lang: str) -> None:
    ids = world_with_everything(world)
    r = client.get(f"/login?lang={lang}")
    assert f'<html lang="{lang}">' in r.text
    problems = {"/login": english_in(visible_text(r.text))}
    for role in ROLES:
        client.cookies.clear()
        login(client, world, role)
        for path in pages(ids, role):
            r = client.get(f"{path}?lang={lang}", headers=HTML)
            assert r.status_code == 200, (role, path, r.status_code)
            problems[f"{role} {path}"] = english_in(visible_text(r.text))
    problems = {where: words for where, words in problems.items() if words}
    assert problems == {}, f"English or keys on the {lang} pages: {problems}"
    # Session types and dates in the page's language (the slug "…-ordinaria" is data).
    text = visible_text(client.get(f"/?lang={lang}").text)
    types = [i18n.strings(lang)[k] for k in ("type_ordinaria", "type_urgente")]
    assert all(x in text for x in types) and i18n.format_date(date(2026, 4, 3), lang) in text
    assert "2026-04-03" not in text
    # The job's error, written in Spanish by the worker, in the page's language.
    error = visible_text(client.get(f"/jobs/{ids['failed']}?lang={lang}").text)
    assert translate(JOB_ERROR, lang) in error and (lang == "es") == (JOB_ERROR in error)
    if lang == "ca":
        assert not re.search(r"(?<![-\w])(extra)?ordinaria\b", text, re.I), text


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_error_pages_are_in_the_page_language_with_navigation(
    client: TestClient, world: World, lang: str
) -> None:
    login(client, world, "clerk")
    cases = {
        "/upload": 403,  # a clerk does not upload
        "/jobs/" + "0" * 32: 404,  # no such job
        "/no/such/page": 404,  # no such route
    }
    t = i18n.strings(lang)
    for path, status in cases.items():
        r = client.get(f"{path}?lang={lang}", headers=HTML)
        assert r.status_code == status, (path, r.text)
        text = visible_text(r.text)
        assert english_in(text) == [], (path, text)
        assert t[f"error_{status}"] in text
        assert 'href="/"' in r.text and t["nav_sessions"] in text  # the normal navigation
        assert t["logout"] in text
    client.cookies.clear()
    r = client.get(f"/no/such/page?lang={lang}", headers=HTML)
    assert r.status_code == 404 and english_in(visible_text(r.text)) == []


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_api_errors_are_spanish(client: TestClient, world: World) -> None:
    ids = world_with_everything(world)
    admin, clerk = world.headers("admin"), world.headers("clerk")
    tus = {"Tus-Resumable": "1.0.0"}
    metadata = f"filename {_b64('pleno.mp4')},sha256 {_b64('0' * 64)}"
    answers = {
        401: client.get(f"{V1}/auth/me"),
        403: client.get(f"{V1}/users", headers=clerk),
        404: client.get(f"{V1}/jobs/{'0' * 32}", headers=admin),
        409: client.delete(f"{V1}/jobs/{ids['done']}", headers=admin),
        413: client.post(
            f"{V1}/uploads/",
            headers={**admin, **tus, "Upload-Length": str(10**15), "Upload-Metadata": metadata},
        ),
        422: client.post(
            f"{V1}/jobs",
            json={"upload_id": world.upload(), "options": {"vad": {"colour": 1}}, "x": 1},
            headers=admin,
        ),
    }
    extra = {
        "unknown route": client.get(f"{V1}/no-such-thing", headers=admin),
        "wrong method": client.put(f"{V1}/jobs", headers=admin),
        "missing field": client.post(f"{V1}/jobs", json={}, headers=admin),
        "bad type": client.get(f"{V1}/jobs?limit=many", headers=admin),
        "no output": client.get(f"{V1}/jobs/{ids['running']}/outputs/srt", headers=admin),
        "bad sha256": client.post(
            f"{V1}/uploads/",
            headers={**admin, **tus, "Upload-Length": "10", "Upload-Metadata": "filename eA=="},
        ),
    }
    problems = {}
    for status, r in answers.items():
        assert r.status_code == status, (status, r.text)
    for where, r in [*answers.items(), *extra.items()]:
        assert 400 <= r.status_code < 500, (where, r.text)
        detail = r.json()["detail"]
        if english_in(LITERAL_RE.sub("", detail)):
            problems[where] = detail
    assert problems == {}, problems


def test_the_checker_catches_english() -> None:
    """The bar itself: an English label, a raw step name or a key is found; Spanish is not."""
    assert english_in("Speaker 2 [00:01]") == ["Speaker"]
    assert english_in("Paso: transcribe:0") == ["transcribe"]
    assert english_in("Estat: Cancel·lat; Cancel") == ["Cancel"]
    assert english_in(LITERAL_RE.sub("", "Entre en /login; falta Upload-Length")) == []
    assert english_in("Pulse nav_sessions") == ["nav_sessions"]
    assert english_in("Transcripció, fragment {n}") == ["{n}"]
    page = '<p title="Delete it">Hola</p><script>let job = "Job";</script>'
    assert english_in(visible_text(page)) == ["Delete"]
    assert english_in(visible_text(f"<p>{i18n.strings('ca')['step_diarize']}</p>")) == []
