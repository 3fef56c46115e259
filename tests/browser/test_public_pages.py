"""The citizens' portal in Chromium, with no cookie, against ``plenaria serve``.

The session processed from generated speech by the real worker is published
by the secretary's token; the public page is then opened by a browser that
never logged in.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import SHOTS, Server, axe, watch_policy

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def public_url(server: Server, processed: dict[str, Any]) -> str:
    with server.api("secretary") as c:
        r = c.post(f"/api/v1/sessions/{processed['session_id']}/publish")
        assert r.status_code == 200, r.text
        return str(r.json()["public_url"])


def anonymous(browser: Any, server: Server) -> Any:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    assert context.cookies() == []
    page = context.new_page()
    watch_policy(page)
    return page


def test_clicking_a_word_seeks_the_video_to_it(
    browser: Any, server: Server, public_url: str
) -> None:
    page = anonymous(browser, server)
    page.goto(public_url)
    page.wait_for_function("() => document.getElementById('video').readyState >= 1")
    assert page.evaluate("() => document.documentElement.lang") in ("es", "ca")
    words = page.locator("#transcript .w[data-m]")
    assert words.count() > 5
    target = words.nth(words.count() // 2)
    start = int(target.get_attribute("data-m") or "0") / 1000
    target.click()
    # The moment the video reaches the word is the check (a timeout fails it): read again
    # later, a playing video has moved on.
    reached = page.wait_for_function(
        """(t) => {
            const now = document.getElementById('video').currentTime;
            return Math.abs(now - t) < 0.3 && {now};
        }""",
        arg=start,
        timeout=10_000,
    )
    assert abs(reached.json_value()["now"] - start) < 0.3
    tracks = page.evaluate("() => document.getElementById('video').textTracks.length")
    assert tracks == 1
    page.screenshot(path=str(SHOTS / "portal-session.png"), full_page=True)
    assert axe(page) == []
    assert page.policy_violations == []


def test_t_opens_the_video_at_that_moment(browser: Any, server: Server, public_url: str) -> None:
    page = anonymous(browser, server)
    page.goto(f"{public_url}?t=5")
    page.wait_for_function("() => document.getElementById('video').readyState >= 1")
    reached = page.wait_for_function(
        """() => {
            const now = document.getElementById('video').currentTime;
            return Math.abs(now - 5) < 1 && {now};
        }""",
        timeout=10_000,
    )
    assert abs(reached.json_value()["now"] - 5) < 1

    word = page.locator("#transcript .w[data-m]").nth(5)
    said = int(word.get_attribute("data-m") or "0") / 1000
    page.fill("input[type=search]", (word.text_content() or "").strip(".,;:¿?¡!"))
    page.press("input[type=search]", "Enter")
    page.wait_for_selector("ol.hits a")
    hrefs = [a.get_attribute("href") or "" for a in page.locator("ol.hits a").all()]
    assert all(h.startswith(f"{public_url}?t=") for h in hrefs), hrefs
    # a hit lands within 5 s of the moment the words were said
    assert any(abs(int(h.rsplit("=", 1)[1]) - said) <= 5 for h in hrefs), (said, hrefs)
    assert axe(page) == []
    page.screenshot(path=str(SHOTS / "portal-search.png"), full_page=True)
    page.goto(public_url.rsplit("/", 1)[0] + "/")
    assert page.locator(f'a[href="{public_url}"]').count() == 1
    assert axe(page) == []
    page.screenshot(path=str(SHOTS / "portal-sessions.png"), full_page=True)
    for tail in ("miembros", "accesibilidad"):
        page.goto(public_url.rsplit("/", 1)[0] + "/" + tail)
        assert axe(page) == [], tail
    page.goto(f"{public_url}?lang=ca")
    assert page.evaluate("() => document.documentElement.lang") == "ca"
    page.wait_for_function(
        "() => !document.querySelector('#transcript .piece:not([data-loaded=\"1\"])')"
    )
    clips = page.locator("#transcript .clips a[data-end]").all_text_contents()
    assert clips and all(c.startswith("Mira només això") for c in clips)  # every piece in ca
    assert axe(page) == []
    page.screenshot(path=str(SHOTS / "portal-session-ca.png"), full_page=True)
    assert page.policy_violations == []


def test_an_intervention_plays_alone_and_downloads_as_its_own_clip(
    browser: Any, server: Server, public_url: str, tmp_path: Any
) -> None:
    from plenaria.media.probe import probe

    page = anonymous(browser, server)
    page.goto(public_url)
    page.wait_for_function("() => document.getElementById('video').readyState >= 1")
    alone = page.locator("#transcript .clips a[data-end]").nth(1)
    start = int(alone.get_attribute("data-m") or "0") / 1000
    end = int(alone.get_attribute("data-end") or "0") / 1000
    alone.click()
    stopped = page.wait_for_function(
        """() => { const v = document.getElementById('video');
                   return v.paused && v.currentTime > 0 && {now: v.currentTime}; }""",
        timeout=int((end - start) * 1000) + 15_000,
    )
    assert abs(stopped.json_value()["now"] - end) < 0.5  # it stopped where the turn ends

    link = alone.locator("xpath=following-sibling::a[@download]")
    with page.expect_download() as got:
        link.click()
    saved = tmp_path / "clip.mp4"
    got.value.save_as(saved)
    _fmt, seconds, streams = probe(saved)
    assert abs(seconds - (end - start)) < 1 and {s.kind for s in streams} >= {"audio", "video"}
    href = link.get_attribute("href")
    played = page.evaluate(
        """async (src) => {
            const v = document.createElement('video');
            v.muted = true; v.src = src; document.body.appendChild(v);
            await new Promise((ok, bad) => { v.onloadeddata = ok; v.onerror = bad; });
            await v.play();
            await new Promise((ok) => setTimeout(ok, 300));
            return {duration: v.duration, now: v.currentTime};
        }""",
        href,
    )
    assert played["now"] > 0 and abs(played["duration"] - (end - start)) < 1
    assert page.policy_violations == []


def test_the_exported_static_site_searches_and_plays_without_the_server(
    browser: Any, server: Server, public_url: str, tmp_path: Any
) -> None:
    import os
    import subprocess
    import sys
    import time

    import httpx

    from plenaria.live.rtmp_gate import free_loopback_port

    slug = public_url.split("/")[2]
    site = tmp_path / "sitio"
    env = {**os.environ, "PLENARIA_DATA_DIR": str(server.data_dir), "COLUMNS": "300"}
    env.pop("PLENARIA_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "plenaria", "export-site", str(site), "--council", slug],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    port = free_loopback_port()
    static = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(base + "/static/web/public.js", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{public_url}/")
        words = page.locator("#transcript .w[data-m]")
        target = words.nth(words.count() // 2)
        said = int(target.get_attribute("data-m") or "0") / 1000
        query = (target.text_content() or "").strip(".,;:¿?¡!")
        page.fill("input[type=search]", query)
        page.press("input[type=search]", "Enter")
        page.wait_for_selector("ol.hits a", timeout=15_000)
        assert axe(page) == []  # the static search page too
        hrefs = [a.get_attribute("href") or "" for a in page.locator("ol.hits a").all()]
        assert all(h.startswith(f"{public_url}/?t=") for h in hrefs), hrefs
        assert any(abs(int(h.rsplit("=", 1)[1]) - said) <= 5 for h in hrefs), (said, hrefs)
        best = min(hrefs, key=lambda h: abs(int(h.rsplit("=", 1)[1]) - said))
        page.goto(best)
        page.wait_for_function("() => document.getElementById('video').readyState >= 1")
        at = int(best.rsplit("=", 1)[1])
        reached = page.wait_for_function(
            """(t) => { const now = document.getElementById('video').currentTime;
                        return Math.abs(now - t) < 1 && {now}; }""",
            arg=at,
            timeout=10_000,
        )
        assert abs(reached.json_value()["now"] - said) < 5  # within 5 s of the words
        assert axe(page) == []
        context.close()
    finally:
        static.terminate()
        static.wait(timeout=10)


def test_the_transcript_arrives_in_pieces_as_the_video_or_the_reader_gets_there(
    browser: Any, server: Server, public_url: str
) -> None:
    page = anonymous(browser, server)
    with page.expect_response(lambda r: "/trozos/" in r.url) as first_piece:
        page.goto(public_url)
    assert first_piece.value.status == 200  # a placeholder near the view is filled at once
    pieces = page.locator("#transcript .piece")
    total = pieces.count()
    assert total >= 3
    assert page.locator('#transcript .piece[data-loaded="1"] .w').count() > 0
    page.wait_for_function(
        "(n) => document.querySelectorAll('#transcript .piece[data-loaded=\"1\"]').length === n",
        arg=total,
        timeout=15_000,
    )
    last = pieces.nth(total - 1)
    start = int(last.get_attribute("data-from") or "0") / 1000
    late = anonymous(browser, server)
    late.set_viewport_size({"width": 1280, "height": 300})
    late.goto(f"{public_url}?t={int(start) + 1}")
    late.wait_for_function("() => document.getElementById('video').readyState >= 1")
    here = late.locator(f"#trozo-{total - 1}")
    assert here.get_attribute("data-loaded") == "1"  # the page opened with that piece
    words = here.locator(".w[data-m]")
    target = words.nth(words.count() // 2)
    target.click()
    now = late.evaluate("() => document.getElementById('video').currentTime")
    assert abs(now - int(target.get_attribute("data-m") or "0") / 1000) < 0.5
    assert axe(late) == []
    assert page.policy_violations == [] and late.policy_violations == []


def test_the_embed_plays_from_t_and_is_accessible(
    browser: Any, server: Server, public_url: str
) -> None:
    page = anonymous(browser, server)
    page.goto(public_url.replace("/p/", "/embed/", 1) + "?t=4")
    page.wait_for_function("() => document.getElementById('video').readyState >= 1")
    reached = page.wait_for_function(
        """() => { const now = document.getElementById('video').currentTime;
                   return Math.abs(now - 4) < 1 && {now}; }""",
        timeout=10_000,
    )
    assert abs(reached.json_value()["now"] - 4) < 1
    assert page.locator(f'a[href="{public_url}"][target="_top"]').count() == 1
    assert axe(page) == []
    page.screenshot(path=str(SHOTS / "portal-embed.png"))
    assert page.policy_violations == []


def test_the_agenda_chapters_seek_and_a_moment_is_shared(
    browser: Any, server: Server, public_url: str, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    agenda = [{"number": 1, "title": "Aprobación del acta anterior"},
              {"number": 2, "title": "Ruegos y preguntas"}]  # fmt: skip
    with server.api("secretary") as c:
        assert c.patch(f"/api/v1/sessions/{sid}", json={"agenda": agenda}).status_code == 200
        got = c.get(f"/api/v1/sessions/{sid}/transcript").json()
        second = got["transcript"]["interventions"][1]
        r = c.put(
            f"/api/v1/sessions/{sid}/transcript/items/2/start",
            json={"parent": got["number"], "intervention": second["id"]},
        )
        assert r.status_code == 201, r.text
        assert c.post(f"/api/v1/sessions/{sid}/publish").status_code == 200
    try:
        page = anonymous(browser, server)
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.goto(public_url)
        page.wait_for_function("() => document.getElementById('video').readyState >= 1")
        chapter = page.locator("ol.chapters a[data-m]", has_text="2. Ruegos y preguntas")
        start = int(chapter.get_attribute("data-m") or "0") / 1000
        assert abs(start - second["start"]) < 0.01
        chapter.click()
        reached = page.wait_for_function(
            """(t) => { const now = document.getElementById('video').currentTime;
                        return Math.abs(now - t) < 0.3 && {now}; }""",
            arg=start,
            timeout=10_000,
        )
        assert abs(reached.json_value()["now"] - start) < 0.3
        page.evaluate("() => document.getElementById('video').pause()")
        page.locator("#share").click()
        page.wait_for_function("() => document.getElementById('share-status').textContent")
        said = page.locator("#share-status").text_content() or ""
        assert said.startswith("Enlace copiado: ") and f"{public_url}?t=" in said
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == said.removeprefix("Enlace copiado: ")
        assert abs(int(copied.rsplit("=", 1)[1]) - start) <= 1
        assert axe(page) == []
        page.context.close()
    finally:
        with server.api("secretary") as c:
            c.patch(f"/api/v1/sessions/{sid}", json={"agenda": []})
            c.post(f"/api/v1/sessions/{sid}/publish")


def test_the_councils_own_colours_keep_the_pages_accessible(
    browser: Any, server: Server, public_url: str
) -> None:
    look = {"accent_color": "#7a1f3d", "header_color": "#1d4d2b"}
    with server.api("admin") as c:
        assert c.put("/api/v1/council", json=look).status_code == 200
    try:
        page = anonymous(browser, server)
        page.goto(public_url)
        header = page.evaluate(
            "() => getComputedStyle(document.querySelector('header.top')).backgroundColor"
        )
        assert header == "rgb(29, 77, 43)"  # the council's colour, from estilo.css
        assert axe(page) == []
        page.goto(public_url.rsplit("/", 1)[0] + "/")
        assert axe(page) == []
        assert page.policy_violations == []
        page.context.close()
    finally:
        with server.api("admin") as c:
            c.put("/api/v1/council", json={"accent_color": "", "header_color": ""})
