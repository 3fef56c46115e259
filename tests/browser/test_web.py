"""The web app in Chromium against a running ``plenaria serve`` with a processed session.

Acceptance lines of the web app issue, one test each where the page allows it.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import SHOTS, Server, axe, latest, login, open_editor, wait_job, wait_saved, words_of
from plenaria.media.ffmpeg import ffmpeg_binary

pytestmark = pytest.mark.browser


def test_pages_pass_axe_and_are_photographed(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    context = browser.new_context(base_url=server.url)
    anonymous = context.new_page()
    anonymous.goto("/login")
    found = {"/login": axe(anonymous)}
    page = login(browser, server, "secretary")
    for path, shot in (
        ("/", "sessions.png"),
        ("/upload", "upload.png"),
        (f"/jobs/{processed['id']}", "job.png"),
        (f"/sessions/{sid}/editor", "editor.png"),
        ("/?lang=ca", "sessions-ca.png"),
    ):
        page.goto(path)
        if "editor" in path:
            page.wait_for_selector('#editor[data-ready="1"]')
        else:
            page.wait_for_load_state("networkidle")
        found[path] = axe(page)
        page.screenshot(path=str(SHOTS / shot), full_page=False)
    assert {p: v for p, v in found.items() if v} == {}
    page.goto("/api/v1/docs")  # Swagger UI, started by a packaged script
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)
    assert page.policy_violations == []  # nothing the pages need was blocked
    # "Salir" ends the session: the next page asks for the login again.
    page.goto("/")
    page.click("form[action='/logout'] button")
    page.wait_for_url(f"{server.url}/login")
    page.goto("/")
    assert page.url.startswith(f"{server.url}/login")


def test_click_a_word_seeks_and_the_highlight_follows(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    page = open_editor(browser, server, processed["session_id"])
    page.wait_for_function("() => document.getElementById('video').readyState >= 1")
    words = page.locator(".w")
    target = words.nth(min(12, words.count() - 1))
    start_ms = int(target.get_attribute("data-m"))
    target.click()
    page.wait_for_function(
        "(m) => Math.abs(document.getElementById('video').currentTime * 1000 - m) < 300",
        arg=start_ms,
    )
    assert page.evaluate("() => document.activeElement.dataset.m") == str(start_ms)
    # play from the cursor
    page.keyboard.press("p")
    page.wait_for_function("() => !document.getElementById('video').paused")
    page.wait_for_function(
        "(m) => document.getElementById('video').currentTime * 1000 > m + 600", arg=start_ms
    )
    # the highlighted word is the one being played
    state = page.evaluate(
        """() => { const v = document.getElementById('video'); const t = v.currentTime * 1000;
            const cur = document.querySelector('.w.cur');
            return {t, m: cur ? +cur.dataset.m : null}; }"""
    )
    assert state["m"] is not None and state["m"] > start_ms
    assert state["m"] <= state["t"] + 50 and state["t"] - state["m"] < 3000
    page.keyboard.press("k")
    page.wait_for_function("() => document.getElementById('video').paused")


def test_an_edit_persists_with_exact_and_interpolated_times(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    page = open_editor(browser, server, sid)
    before = words_of(page, 0)
    assert len(before) >= 4
    page.locator(".iv").nth(0).locator(".w").nth(1).click()
    page.keyboard.press("Enter")
    area = page.locator("textarea.edit")
    tokens = [w["text"] for w in before]
    edited = [*tokens[:2], "insertada", *tokens[2:]]
    edited[-1] = "cambiada."
    area.fill(" ".join(edited))
    page.keyboard.press("Enter")
    wait_saved(page)
    page.reload()
    page.wait_for_selector('#editor[data-ready="1"]')
    after = words_of(page, 0)
    assert [w["text"] for w in after] == edited
    assert after[:2] == before[:2]
    assert after[3:-1] == before[2:-1]
    inserted = after[2]
    assert before[1]["m"] + before[1]["d"] <= inserted["m"] <= before[2]["m"]
    assert after[-1]["m"] == before[-1]["m"]
    # the history shows the change
    page.locator("#history li").first.get_by_role("button", name=re.compile("^Cambios")).click()
    diff = page.locator("#history .diff").first
    assert "insertada" in (diff.locator("ins").first.text_content() or "")


def test_renaming_a_speaker_reaches_the_docx_and_vtt(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    import docx

    sid = processed["session_id"]
    page = open_editor(browser, server, sid)
    page.locator("#speakers li input").first.fill("Concejala Ana Ruiz")
    page.locator("#speakers li form button").first.click()
    wait_saved(page)
    assert page.locator(".who", has_text="Concejala Ana Ruiz").count() >= 1
    vtt = page.request.get(f"/api/v1/sessions/{sid}/outputs/vtt")
    assert vtt.ok and "Concejala Ana Ruiz" in vtt.text()
    acta = page.request.get(f"/api/v1/sessions/{sid}/outputs/docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(acta.body())).paragraphs)
    assert "Concejala Ana Ruiz" in text


def test_keyboard_alone_review_correct_and_save(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    _ensure_doubtful_word(server, sid)
    page = open_editor(browser, server, sid)
    page.keyboard.press("Tab")  # skip link
    for _ in range(60):  # tab into the transcript
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('w')"):
            break
    for _ in range(50):
        page.keyboard.press("n")
        if page.evaluate("() => document.activeElement.matches('.w.low')"):
            break
    assert page.evaluate("() => document.activeElement.matches('.w.low')")
    doubtful = page.evaluate("() => document.activeElement.textContent")
    page.keyboard.press("Enter")
    selected = page.evaluate(
        "() => { const a = document.activeElement; "
        "return a.value.slice(a.selectionStart, a.selectionEnd); }"
    )
    assert selected == doubtful
    page.keyboard.type("corregida")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+s")
    wait_saved(page)
    words = [w for iv in latest(server, sid)["transcript"]["interventions"] for w in iv["words"]]
    fixed = [w for w in words if w["text"] == "corregida"]
    assert fixed and fixed[0]["probability"] == 1.0


def _ensure_doubtful_word(server: Server, sid: str) -> None:
    """Generated speech is often recognised with confidence; make one word doubtful if none is."""
    doc = latest(server, sid)
    words = [w for iv in doc["transcript"]["interventions"] for w in iv["words"]]
    if any(w["probability"] < 0.5 for w in words):
        return
    t = doc["transcript"]
    t["interventions"][-1]["words"][0]["probability"] = 0.2
    with server.api() as c:
        r = c.put(
            f"/api/v1/sessions/{sid}/transcript", json={"parent": doc["number"], "transcript": t}
        )
        assert r.status_code == 201, r.text


def test_upload_interrupted_by_a_reload_resumes_and_completes(
    browser: Any, server: Server, clip: Path, tmp_file_dir: Path
) -> None:
    # A recording of its own (the clip with one more metadata tag): the clip's own bytes are
    # another test's upload, and a council's recording uploaded again is offered its session.
    source, clip = clip, tmp_file_dir / "pleno-subida.mp4"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", "-i", str(source), "-c", "copy",
         "-metadata", "comment=subida reanudada", str(clip)],
        check=True,
    )  # fmt: skip
    page = login(browser, server, "secretary")
    page.goto("/upload")
    page.evaluate("() => localStorage.setItem('plenariaChunkBytes', String(64 * 1024))")
    offsets: list[int] = []
    # Past 40 % the connection drops until the reload, so the upload cannot finish before it,
    # however late this test sees the progress bar on a busy machine.
    dropped = {"past": int(0.4 * clip.stat().st_size), "on": True}

    def slow_patch(route: Any) -> None:
        if route.request.method == "PATCH":
            offset = int(route.request.headers.get("upload-offset", "-1"))
            if dropped["on"] and offset >= dropped["past"]:
                route.abort()
                return
            offsets.append(offset)
            time.sleep(0.4)
        route.continue_()

    page.route("**/api/v1/uploads/**", slow_patch)
    calls: list[str] = []
    page.on(
        "response",
        lambda r: calls.append(f"{r.request.method} {r.status}") if "/uploads/" in r.url else None,
    )
    page.reload()
    page.set_input_files("#file", str(clip))
    page.fill("#s-id", "2026-12-01-extraordinaria")
    page.click("#start")
    expected = hashlib.sha256(clip.read_bytes()).hexdigest()

    def progress_at_least(pct: int) -> None:
        try:
            page.wait_for_function(
                f"() => document.getElementById('upload-progress').value >= {pct}",
                timeout=60_000,
            )
        except Exception as e:
            shown = page.locator("#upload-status").text_content()
            raise AssertionError(f"page says {shown!r}; PATCH offsets {offsets}; {calls}") from e

    progress_at_least(10)
    assert page.evaluate("() => document.getElementById('upload-form').dataset.sha256") == expected
    page.click("#pause")
    paused_at = len(offsets)
    time.sleep(1.5)
    assert len(offsets) <= paused_at + 1  # at most the PATCH that was already on its way
    page.screenshot(path=str(SHOTS / "upload-paused.png"))
    page.click("#resume")
    progress_at_least(30)
    page.reload()
    dropped["on"] = False
    page.set_input_files("#file", str(clip))
    resumed_from = len(offsets)
    page.click("#start")
    try:
        page.wait_for_url(re.compile(r"/jobs/[0-9a-f]+$"), timeout=60_000)
    except Exception as e:
        shown = page.locator("#upload-status").text_content()
        raise AssertionError(f"page says {shown!r}; PATCH offsets {offsets}; {calls}") from e
    assert offsets[resumed_from] > 0, offsets  # resumed, not started again
    job_id = page.url.rsplit("/", 1)[1]
    with server.api() as c:
        job = c.get(f"/api/v1/jobs/{job_id}").json()
        c.delete(f"/api/v1/jobs/{job_id}")
    from plenaria.db.engine import Database
    from plenaria.db.models import Recording

    database = Database.from_settings(server.settings())
    with database.session() as s:
        rec = s.get(Recording, job["recording_id"])
        assert rec is not None
        assert rec.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    database.dispose()
    assert wait_job(server, job_id, 60)["state"] in ("cancelled", "done", "failed")


def test_job_page_follows_events_and_explains_a_failure(
    browser: Any, server: Server, clip: Path, processed: dict[str, Any], tmp_file_dir: Path
) -> None:

    page = login(browser, server, "secretary")
    with server.api() as c:
        r = c.post("/api/v1/jobs", json={"upload_id": server.store_upload(clip), "options": {}})
        job_id = r.json()["id"]
    page.goto(f"/jobs/{job_id}")
    errors: list[str] = []
    page.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)
    # the page is not reloaded: the state arrives by server-sent events
    assert wait_job(server, job_id)["state"] == "done"
    page.wait_for_selector("#job-state.state-done", timeout=15_000)
    assert errors == []
    assert page.locator("#editor-link").is_visible()
    assert page.locator("#job-progress").get_attribute("value") == "100"
    assert page.locator("#steps .step-done").count() >= 5

    bad = tmp_file_dir / "no-es-video.mp4"
    bad.write_bytes(b"%PDF-1.4 esto no es un video\n" * 50)
    with server.api() as c:
        r = c.post("/api/v1/jobs", json={"upload_id": server.store_upload(bad), "options": {}})
        bad_id = r.json()["id"]
    page.goto(f"/jobs/{bad_id}")
    page.wait_for_selector("#job-state.state-failed", timeout=60_000)
    error = page.locator("#job-error-text").text_content() or ""
    assert error.strip() and "Traceback" not in error
    assert page.locator("#retry").is_visible()
    page.screenshot(path=str(SHOTS / "job-failed.png"))
    page.click("#retry")
    deadline = time.monotonic() + 60
    with server.api() as c:
        while c.get(f"/api/v1/jobs/{bad_id}").json()["attempts"] < 1:
            assert time.monotonic() < deadline, "the retry button did not retry the job"
            time.sleep(0.5)
    assert wait_job(server, bad_id, 60)["state"] == "failed"
    page.wait_for_selector("#job-state.state-failed", timeout=15_000)


def test_split_and_merge_from_the_keyboard_keep_every_time(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    page = open_editor(browser, server, sid)
    count = page.locator(".iv").count()
    before = words_of(page, 0)
    assert len(before) >= 3
    page.locator(".iv").nth(0).locator(".w").nth(2).click()
    page.keyboard.press("s")  # split here
    assert page.locator(".iv").count() == count + 1
    page.keyboard.press("Control+z")  # undo, then redo
    assert page.locator(".iv").count() == count
    page.keyboard.press("Control+y")
    assert page.locator(".iv").count() == count + 1
    wait_saved(page)
    page.reload()
    page.wait_for_selector('#editor[data-ready="1"]')
    assert page.locator(".iv").count() == count + 1
    assert words_of(page, 0) + words_of(page, 1) == before
    page.locator(".iv").nth(0).locator(".w").first.focus()
    page.keyboard.press("m")  # merge with the next one
    wait_saved(page)
    page.reload()
    page.wait_for_selector('#editor[data-ready="1"]')
    assert page.locator(".iv").count() == count
    assert words_of(page, 0) == before


def test_give_one_intervention_a_roster_person(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    page = open_editor(browser, server, sid)
    page.locator(".iv").nth(0).locator(".w").first.click()
    page.keyboard.press("i")
    select = page.locator("select.who-select")
    select.select_option(label="Persona de la corporación: Joan Puig")
    page.keyboard.press("Enter")
    wait_saved(page)
    assert page.locator(".iv").nth(0).locator(".who").text_content() == "Joan Puig"
    doc = latest(server, sid)["transcript"]
    speaker = doc["interventions"][0]["speaker"]
    named = next(s for s in doc["speakers"] if s["id"] == speaker)
    with server.api() as c:
        roster = {p["name"]: p["id"] for p in c.get("/api/v1/roster").json()}
    assert named["name"] == "Joan Puig" and named["person_id"] == roster["Joan Puig"]
    vtt = page.request.get(f"/api/v1/sessions/{sid}/outputs/vtt").text()
    assert "Joan Puig" in vtt


def test_a_live_session_grows_on_its_page_and_is_ended_there(
    browser: Any, server: Server, clip: Path, tmp_file_dir: Path
) -> None:
    """``plenaria serve`` records a stream (its live worker); the page shows the text as it
    comes (server-sent events, no reload) and its button ends the session."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "live"))
    from live_helpers import Sender, free_port, remux_ts

    sender = Sender(remux_ts(clip, tmp_file_dir / "live.ts"), free_port())
    try:
        page = login(browser, server, "secretary")
        body = {
            "url": sender.url,
            "options": {"transcription": {"language": "es"}, "make_proxy": False},
            "live": {"max_chunk_s": 5, "end_timeout_s": 60},
        }
        with server.api() as c:
            r = c.post("/api/v1/live", json=body)
            assert r.status_code == 202, r.text
            job_id = r.json()["id"]
        errors: list[str] = []
        page.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)
        page.goto(f"/jobs/{job_id}")
        assert page.locator("#live-empty").is_visible()
        page.wait_for_selector("#live-pieces li", timeout=120_000)
        assert page.locator("#live-empty").is_hidden()
        first = page.locator("#live-pieces li").first.text_content() or ""
        assert re.match(r"\[0:00:\d\d\] Interviniente \S+: \w", first), first
        page.screenshot(path=str(SHOTS / "job-live.png"))
        page.click("#live-stop")
        page.wait_for_selector("#live-stopping", state="visible", timeout=10_000)
        assert page.locator("#live-stop").is_hidden()
        assert wait_job(server, job_id, 180)["state"] == "done"
        page.wait_for_selector("#job-state.state-done", timeout=15_000)
        assert page.locator("#live-stopping").is_hidden() and errors == []
        with server.api() as c:
            shown = page.locator("#live-pieces li").count()
            assert shown == len(c.get(f"/api/v1/jobs/{job_id}/partial").json()["pieces"])
    finally:
        sender.kill()
