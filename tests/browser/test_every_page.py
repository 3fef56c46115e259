"""One language per screen, in Chromium: every page of the app, as each role, in Spanish and
in Catalan, has none of the app's own English, no untranslated catalogue key, (in Catalan) no
Spanish-only word, and no serious or critical axe-core violation.

The pages are not listed here: a crawler starts at the home page and follows every link of
the app (a page added later is walked without touching this file), one page per route
(ids replaced), plus the error pages. Then the finished job's downloads, and the upload
page's refusals: a PDF named .mp4, a silent recording, the same recording twice.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import PASSWORD, SHOTS, Server, axe, wait_job
from plenaria.api import i18n
from plenaria.api.public_i18n import public_strings
from plenaria.media.ffmpeg import ffmpeg_binary

pytestmark = pytest.mark.browser

ROLES = ("admin", "secretary", "clerk", None)  # None: a citizen, not logged in
LOCALES = {"es": "es-ES", "ca": "ca-ES"}

# The app's own English, from its code: the job's step names and states, the refusals and
# HTTP phrases of the libraries under it, the labels of its first pages. Whole words,
# case-sensitive ("Error" and "Pausa" are Spanish too; "Cancel·la" is Catalan).
ENGLISH = (
    *("probe", "speech", "plan", "transcribe", "diarize", "assemble", "outputs", "proxy"),
    *("queued", "running", "done", "failed", "cancelled", "pending"),
    *("Usage", "Not Found", "Forbidden", "Unauthorized", "Internal Server Error"),
    *("Method Not Allowed", "Bad Request", "is a PDF", "not a recording", "tus:"),
    *("Live", "Speaker", "Speakers", "Download", "Downloads", "Upload", "Uploading"),
    *("Save", "Saved", "Saving", "Cancel", "Delete", "Settings", "Edit", "Undo", "Redo"),
    *("Search", "Replace", "Retry", "Loading", "Session", "Job", "Jobs"),
    *("Log in", "Log out", "Logout", "Password", "Submit", "Refused", "Warning"),
    *("Members", "Users", "Language", "Back", "Home", "Failed to fetch"),
    *("the", "and", "please", "Please", "not found", "failed to"),
)
WORD = r"(?<![\w·'’-])({})(?![\w·’])"
ENGLISH_RE = re.compile(WORD.format("|".join(map(re.escape, ENGLISH))))
# Spanish where a Catalan page must speak Catalan ("ordinària", "Sessió", "Puja").
SPANISH_ONLY = (
    *("ordinaria", "extraordinaria", "Ordinaria", "Extraordinaria", "urgente"),
    *("Sesión", "Sesiones", "sesión", "sesiones", "Subir", "subir", "Grabación", "grabación"),
    *("Proceso", "Procesos", "Guardar", "Buscar", "Descargas", "Terminado", "Fecha"),
    *("Acciones", "Volver", "Entrar", "Salir", "Contraseña", "Estado", "Progreso"),
    *("Intervinientes", "Interviniente", "Transcripción", "del Pleno"),
)
SPANISH_RE = re.compile(WORD.format("|".join(map(re.escape, SPANISH_ONLY))))
# A key shows as itself (plenaria.api.i18n.Catalogue): a catalogue-shaped name, or a
# placeholder never filled in ("{n}").
KEY_RE = re.compile(r"(?<![\w.@/-])[a-z]+(?:_[a-z0-9]+)+(?![\w.@/-])|\{[a-z_]+\}")

# The text a person reads (hidden parts too: a script shows them), the attributes read out,
# and the strings the page hands to its scripts. Words of a transcript (.w) and the summaries
# made of them (.summary-body) are data, and so is what a person types as written (<code>: a
# link template's {session}).
VISIBLE = """() => {
    const out = [document.title];
    const data = (el) =>
        !el || el.closest('script, style, template, noscript, .w, .summary-body, code');
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
        const node = walk.currentNode;
        if (!data(node.parentElement)) out.push(node.textContent);
    }
    const read = ['title', 'alt', 'aria-label', 'placeholder'];
    const marked = '[title], [alt], [aria-label], [placeholder], input';
    for (const el of document.querySelectorAll(marked)) {
        if (data(el)) continue;
        for (const a of read) out.push(el.getAttribute(a) || '');
        if (['submit', 'button', 'reset'].includes(el.type)) out.push(el.value);
    }
    const strings = document.getElementById('strings');
    if (strings) out.push(...Object.values(JSON.parse(strings.textContent))
        .map((v) => String(v).replace(/\\{[a-z_]+\\}/g, '')));
    return out.join('\\n');
}"""
SKIP = re.compile(r"^/(api|static)/|^/logout$|\.(vtt|json|mp4|docx|pdf|srt|atom|xml|html)$")


def problems_in(text: str, lang: str) -> list[str]:
    found = {m.group(0) for m in ENGLISH_RE.finditer(text)}
    found |= {f"key {m.group(0)}" for m in KEY_RE.finditer(text)}
    if lang == "ca":
        found |= {f"es {m.group(0)}" for m in SPANISH_RE.finditer(text)}
    return sorted(found)


def route_of(path: str) -> str:
    """``/jobs/3fa2…`` and ``/jobs/9c1e…`` are one page: segments with a digit are ids."""
    return "/".join("{id}" if re.search(r"\d", part) else part for part in path.split("/"))


@pytest.fixture(scope="module")
def published(server: Server, processed: dict[str, Any]) -> str:
    """The processed session on the citizens' portal (its page is linked from the list)."""
    with server.api("secretary") as c:
        r = c.post(f"/api/v1/sessions/{processed['session_id']}/publish")
        assert r.status_code == 200, r.text
        return urlsplit(str(r.json()["public_url"])).path


@contextmanager
def a_broken_job(server: Server, processed: dict[str, Any]) -> Iterator[str]:
    """A job of the council whose stored row cannot be read (its ``live`` column is not
    JSON): its page is the 500 page. Only this row is touched, and only while in use."""
    from sqlalchemy import text

    from plenaria.db.engine import Database
    from plenaria.db.models import Job

    database = Database.from_settings(server.settings())
    with database.transaction() as s:
        job = Job(council_id=server.council_id, recording_id=processed["recording_id"])
        job.state = "failed"
        s.add(job)
        s.flush()
        job_id = job.id
        s.execute(text("UPDATE jobs SET live = '{' WHERE id = :id"), {"id": job_id})
    try:
        yield job_id
    finally:
        with database.transaction() as s:
            s.execute(text("DELETE FROM jobs WHERE id = :id"), {"id": job_id})
        database.dispose()


def visitor(browser: Any, server: Server, role: str | None, lang: str) -> Any:
    """A page in a fresh context whose browser asks for ``lang``, logged in as ``role``."""
    context = browser.new_context(
        base_url=server.url, locale=LOCALES[lang], viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    if role is not None:
        page.goto("/login")
        page.fill("#email", server.emails[role])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/")
    return page


class Crawl:
    def __init__(self, page: Any, server: Server, lang: str, axed: set[str]) -> None:
        self.page, self.server, self.lang, self.axed = page, server, lang, axed
        self.seen: set[str] = set()
        self.problems: dict[str, list[str]] = {}

    def visit(self, path: str, status: int = 200) -> list[str]:
        """Check the page at ``path``; return the app's links on it."""
        page = self.page
        # The portal speaks its session's language unless asked (?lang=); the app follows the
        # browser's Accept-Language.
        response = page.goto(f"{path}?lang={self.lang}" if path.startswith("/p/") else path)
        where = f"{path} ({self.lang})"
        got = response.status if response is not None else 0
        if "/editor" in path and got == 200:
            page.wait_for_selector('#editor[data-ready="1"]', timeout=30_000)
        page.wait_for_load_state("load")
        found = [] if got == status else [f"HTTP {got}, not {status}"]
        found += problems_in(page.evaluate(VISIBLE), self.lang)
        if f"{route_of(urlsplit(page.url).path)} {self.lang}" not in self.axed:
            self.axed.add(f"{route_of(urlsplit(page.url).path)} {self.lang}")
            found += [f"axe {v['id']}: {v['nodes']}" for v in axe(page)]
        if found:
            self.problems[where] = found
        links = page.eval_on_selector_all(
            "a[href]", "els => els.filter(a => !a.hasAttribute('download')).map(a => a.href)"
        )
        return [str(href) for href in links]

    def walk(self, seeds: list[str]) -> None:
        queue = list(seeds)
        while queue:
            path = queue.pop(0)
            route = route_of(path)
            if route in self.seen or SKIP.search(path):
                continue
            self.seen.add(route)
            for href in self.visit(path):
                parts = urlsplit(href)
                if f"{parts.scheme}://{parts.netloc}" == self.server.url:
                    queue.append(parts.path)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_page_speaks_one_language(
    browser: Any, server: Server, processed: dict[str, Any], published: str, lang: str
) -> None:
    axed: set[str] = set()
    problems: dict[str, list[str]] = {}
    walked: dict[str, set[str]] = {}
    for role in ROLES:
        page = visitor(browser, server, role, lang)
        crawl = Crawl(page, server, lang, axed)
        if role is None:
            crawl.walk(["/", published, "/verificar"])
            crawl.visit("/no/such/page", 404)
        else:
            crawl.walk(["/", f"/jobs/{processed['id']}"])
            crawl.visit(f"/sessions/{'0' * 32}/editor", 404)
            crawl.visit(f"/jobs/{'0' * 32}", 404)
            if role == "clerk":
                crawl.visit("/upload", 403)  # a manager's page
                with a_broken_job(server, processed) as job_id:
                    crawl.visit(f"/jobs/{job_id}", 500)
        page.context.close()
        walked[str(role)] = crawl.seen
        problems.update({f"{role}: {k}": v for k, v in crawl.problems.items()})
    print(lang, {role: sorted(routes) for role, routes in walked.items()})
    assert problems == {}, problems
    # The crawl reached the pages behind the links, not only the home page.
    assert {"/", "/upload", "/jobs/{id}", "/sessions/{id}/editor"} <= walked["secretary"]
    assert "/upload" not in walked["clerk"] and "/jobs/{id}" in walked["clerk"]
    assert "/sessions/{id}/acta" in walked["secretary"] and "/sessions/{id}/acta" in walked["clerk"]
    assert {"/login", route_of(published)} <= walked["None"]


def test_the_checker_sees_english_keys_and_spanish() -> None:
    assert problems_in("Paso: transcribe:0 · Speaker 2", "es") == ["Speaker", "transcribe"]
    assert problems_in("Estat: Cancel·lat; Cancel", "ca") == ["Cancel"]
    assert problems_in("Pulse nav_sessions; Fragment {n}", "es") == ["key nav_sessions", "key {n}"]
    assert problems_in("Sessió ordinaria; 2026-11-24-ordinaria", "ca") == ["es ordinaria"]
    assert problems_in("Sessió ordinària del 24 de novembre; Error del servidor", "ca") == []
    catalan = " ".join([*i18n.strings("ca").values(), *public_strings("ca").values()])
    assert problems_in(re.sub(r"\{[a-z_]+\}", "", catalan), "ca") == []
    assert route_of("/jobs/3fa2c0/steps") == "/jobs/{id}/steps"


def test_a_finished_job_links_its_outputs_and_each_downloads(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    page = visitor(browser, server, "secretary", "es")
    page.goto(f"/jobs/{processed['id']}")
    links = page.locator("#job-downloads a")
    hrefs = [str(links.nth(n).get_attribute("href")) for n in range(links.count())]
    kinds = [href.rsplit("/", 1)[1] for href in hrefs]
    five = {"docx", "vtt", "srt", "json", "proxy"}
    assert five <= set(kinds) <= five | {"pdf"}, kinds  # the PDF when the job made one
    assert page.locator("#live-status").is_hidden()  # a finished job is no longer followed
    title = page.locator("h1").text_content() or ""
    assert title == "Sesión ordinaria del 24 de noviembre de 2026", title
    page.screenshot(path=str(SHOTS / "job-finished.png"), full_page=True)
    types = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf",
        "vtt": "text/vtt",
        "srt": "application/x-subrip",
        "json": "application/json",
        "proxy": "video/mp4",
    }
    for n, kind in enumerate(kinds):
        with page.expect_download() as got:
            links.nth(n).click()
        assert (
            got.value.suggested_filename == f"2026-11-24-ordinaria.{kind.replace('proxy', 'mp4')}"
        )
        saved = Path(got.value.path())
        assert saved.stat().st_size > 0, kind
        r = page.request.get(hrefs[n])
        assert r.status == 200 and r.body() == saved.read_bytes(), kind
        assert r.headers["content-type"].split(";")[0] == types[kind], (kind, r.headers)


@pytest.fixture
def upload_page(browser: Any, server: Server) -> Iterator[Any]:
    page = visitor(browser, server, "secretary", "es")
    page.goto("/upload")
    page.evaluate("() => localStorage.clear()")
    yield page
    page.context.close()


def test_a_pdf_named_mp4_is_refused_before_one_megabyte_is_sent(
    upload_page: Any, tmp_file_dir: Path
) -> None:
    page = upload_page
    fake = tmp_file_dir / "pleno-de-marzo.mp4"
    fake.write_bytes(b"%PDF-1.7\n" + b"% no es un video\n" * (3 * 1024 * 1024 // 17))
    sent: list[tuple[str, str, int]] = []

    def count(request: Any) -> None:
        if "/api/v1/uploads" in request.url:
            # A body sliced from the File: Chromium gives its length in the headers only.
            size = int(request.all_headers().get("content-length", "0"))
            sent.append((request.method, urlsplit(request.url).path, size))

    page.on("requestfinished", count)
    page.on("requestfailed", count)
    page.set_input_files("#file", str(fake))
    page.click("#start")
    page.wait_for_function(
        "() => /ha fallado/.test(document.getElementById('upload-status').textContent)",
        timeout=60_000,
    )
    shown = page.locator("#upload-status").text_content() or ""
    assert "pleno-de-marzo.mp4 es un documento PDF, no una grabación" in shown, shown
    assert problems_in(shown, "es") == [], shown
    assert 0 < sum(size for *_, size in sent) < 1024 * 1024, sent
    # Judged by its first bytes before the page hashed it: no upload was even created.
    assert [(method, path) for method, path, _ in sent] == [("POST", "/api/v1/uploads/check")]
    assert page.locator("#start").is_enabled()


def test_a_silent_recording_warns_and_its_second_upload_offers_the_first_session(
    upload_page: Any, server: Server, tmp_file_dir: Path
) -> None:
    page = upload_page
    silent = tmp_file_dir / "pleno-sin-sonido.wav"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
         "anullsrc=r=16000:cl=mono", "-t", "4", str(silent)],
        check=True,
    )  # fmt: skip
    page.set_input_files("#file", str(silent))
    page.fill("#s-id", "2026-12-02-sin-sonido")
    page.fill("#s-date", "2026-12-02")
    page.click("#start")
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]+$"), timeout=60_000)
    job_id = page.url.rsplit("/", 1)[1]
    assert wait_job(server, job_id, 300)["state"] == "done"
    page.wait_for_selector("#job-state.state-done", timeout=15_000)
    warning = page.locator("#job-warnings")
    assert warning.is_visible()
    assert "No se ha detectado habla" in (warning.text_content() or "")
    # The same file again: the page offers the first session instead of a second one.
    page.goto("/upload")
    assert page.locator("#upload-existing").is_hidden()  # offered only when there is one
    page.set_input_files("#file", str(silent))
    page.click("#start")
    offer = page.locator("#upload-existing")
    offer.wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => document.getElementById('upload-status').textContent")
    status = page.locator("#upload-status").text_content() or ""
    assert "ya se subió" in status and "allow_duplicate" not in status, status
    href = page.locator("#existing-link").get_attribute("href") or ""
    with server.api() as c:
        session_id = c.get(f"/api/v1/jobs/{job_id}").json()["session_id"]
    assert session_id and session_id in href, (href, session_id)
    page.click("#existing-link")
    page.wait_for_load_state("load")
    assert session_id in page.url
