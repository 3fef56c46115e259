"""The citizens' portal: publish, withdraw, redact, the public pages and files, search.

On SQLite (FTS5) and PostgreSQL (full-text search), as every API test. The
session's web proxy is a real 4-second MP4 made by ffmpeg, so that the public
copy with a redaction is really re-encoded.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import World
from plenaria.db import civic, portal
from plenaria.db.transcripts import save_version
from plenaria.domain import (
    Intervention,
    Recording,
    Segment,
    SessionInfo,
    Speaker,
    Transcript,
    Word,
)
from plenaria.media.ffmpeg import run_ffmpeg

V1 = "/api/v1"
AGENDA = [
    {"number": 1, "title": "Aprobación del acta anterior"},
    {"number": 2, "title": "Ruegos y preguntas"},
]
SECRET = (2.6, 3.2)  # "Juan García"


@pytest.fixture(scope="module")
def proxy_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("portal") / "proxy.mp4"
    run_ffmpeg(
        [
            "-y",
            "-f", "lavfi", "-i", "testsrc=s=160x120:r=10:d=4",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050:duration=4",
            "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", str(path),
        ],
        what="making a test proxy",
    )  # fmt: skip
    return path.read_bytes()


def _words(text: str, start: float, step: float = 0.3) -> tuple[Word, ...]:
    return tuple(
        Word(tok, round(start + k * step, 3), round(start + k * step + 0.25, 3), 0.9, f"w{k}")
        for k, tok in enumerate(text.split())
    )


def transcript(language: str = "es", first: str = "Buenos días se abre la sesión") -> Any:
    one = _words(first, 0.2)
    two = _words("Mi vecino Juan García vive en la calle Mayor", 2.0)
    items = (
        Intervention("SPEAKER_00", Segment(one[0].start, one[-1].end), one, language, 1, "i1"),
        Intervention("SPEAKER_01", Segment(two[0].start, two[-1].end), two, language, 2, "i2"),
    )
    speakers = (Speaker("SPEAKER_00", name="Alcaldesa Ana Ruiz"), Speaker("SPEAKER_01"))
    rec = Recording("pleno.mp4", "cd" * 32, 5, 4.0, "mov,mp4")
    return Transcript(rec, SessionInfo(id="s"), speakers, (), items, (language,)).to_dict()


def make_session(
    world: World, proxy: bytes | None, council: str = "a", language: str = "es"
) -> str:
    job_id = world.job(council, "done", outputs={"proxy": proxy} if proxy else None)
    with world.db.transaction() as s:
        plenary = civic.create_plenary_session(
            s, world.councils[council], {"date": "2024-05-30", "agenda": AGENDA}
        )
        save_version(s, plenary, None, transcript(language), None, job_id=job_id)
        return plenary.id


def publish(client: TestClient, world: World, session_id: str, who: str = "secretary") -> str:
    r = client.post(f"{V1}/sessions/{session_id}/publish", headers=world.headers(who))
    assert r.status_code == 200, r.text
    url: str = r.json()["public_url"]
    return url


def public_texts(client: TestClient, url: str) -> dict[str, str]:
    """The session's public page, captions and JSON (no credentials)."""
    client.cookies.clear()
    out = {}
    for name, path in (
        ("html", url),
        ("vtt", f"{url}/captions.vtt"),
        ("json", f"{url}/transcript.json"),
    ):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text)
        out[name] = r.text
    return out


def search_page(client: TestClient, slug: str, q: str) -> str:
    r = client.get(f"/p/{slug}/buscar", params={"q": q})
    assert r.status_code == 200, r.text
    return r.text


def search(client: TestClient, slug: str, q: str) -> str:
    """The hits of a search (the list only: the page also repeats the query)."""
    page = search_page(client, slug, q)
    if '<ol class="hits">' not in page:
        return ""
    return page.split('<ol class="hits">', 1)[1].split("</ol>", 1)[0]


def test_a_published_session_is_public_without_login(
    client: TestClient, world: World, proxy_bytes: bytes
) -> None:
    sid = make_session(world, proxy_bytes)
    url = publish(client, world, sid)
    assert url == f"/p/villa-a/{sid}"
    got = public_texts(client, url)
    html = got["html"]
    assert '<html lang="es">' in html
    assert "<h1>Sesión ordinaria del Pleno, 2024-05-30</h1>" in html
    assert "Alcaldesa Ana Ruiz" in html and "Interviniente 2" in html
    assert '<track kind="captions"' in html and f'src="{url}/captions.vtt"' in html
    assert '<span class="w" data-m="2600">Juan</span>' in html  # start in ms, as the editor
    assert 'href="?t=2" data-m="2000">2. Ruegos y preguntas</a>' in html  # a chapter
    assert 'type="search"' in html
    assert "<script>" not in html and "style=" not in html  # the CSP forbids inline code
    assert got["vtt"].startswith("WEBVTT") and "Juan García" in got["vtt"]
    data = json.loads(got["json"])
    assert [i["id"] for i in data["interventions"]] == ["i1", "i2"]
    assert [set(s) for s in data["speakers"]] == [{"id", "label", "name", "role", "group"}] * 2
    assert [s["label"] for s in data["speakers"]] == ["Alcaldesa Ana Ruiz", "Interviniente 2"]
    assert "sha256" not in data["recording"]

    whole = client.get(f"{url}/video.mp4")
    assert whole.status_code == 200 and whole.content == proxy_bytes  # no redaction: the proxy
    part = client.get(f"{url}/video.mp4", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == proxy_bytes[:100]

    listing = client.get("/p/villa-a/")
    assert listing.status_code == 200 and url in listing.text
    hit = search(client, "villa-a", "calle mayor")
    assert f'{url}?t=2"' in hit and "Interviniente 2" in hit

    opened = client.get(url, params={"t": 3})
    assert 'data-start="3.0"' in opened.text and "video.mp4#t=3.0" in opened.text
    for bad in ("abc", "-4", "1e99", "nan"):
        r = client.get(url, params={"t": bad})
        assert r.status_code == 200 and 'data-start=""' in r.text, bad


def test_not_published_withdrawn_or_unknown_is_404_to_the_public(
    client: TestClient, world: World, proxy_bytes: bytes
) -> None:
    sid = make_session(world, proxy_bytes)
    url = f"/p/villa-a/{sid}"
    tails = ("", "/captions.vtt", "/transcript.json", "/video.mp4")
    for tail in tails:
        assert client.get(url + tail).status_code == 404
    assert publish(client, world, sid) == url
    assert client.get(url).status_code == 200
    r = client.delete(f"{V1}/sessions/{sid}/publish", headers=world.headers("admin"))
    assert r.status_code == 204
    for tail in tails:
        r = client.get(url + tail)
        assert r.status_code == 404, tail
        assert r.json()["detail"].startswith("Esta sesión no está publicada.")
    page = client.get(url, headers={"Accept": "text/html"})
    assert page.status_code == 404 and "<html" in page.text
    assert url not in client.get("/p/villa-a/").text
    assert "vecino" not in search(client, "villa-a", "vecino")
    with world.db.session() as s:  # the repository itself finds nothing withdrawn
        assert portal.search(s, world.councils["a"], "vecino") == []
    assert client.get("/p/no-such-council/").status_code == 404
    assert client.get("/p/villa-a/0123456789abcdef0123456789abcdef").status_code == 404
    # Publishing again after withdrawing makes it public again.
    assert publish(client, world, sid, "admin") == url
    assert client.get(url).status_code == 200


def test_publishing_needs_a_transcript(client: TestClient, world: World) -> None:
    with world.db.transaction() as s:
        plenary = civic.create_plenary_session(s, world.councils["a"], {"date": "2024-05-30"})
    r = client.post(f"{V1}/sessions/{plenary.id}/publish", headers=world.headers("admin"))
    assert r.status_code == 404
    assert "todavía no tiene transcripción" in r.json()["detail"]


def test_republishing_after_a_correction_updates_the_public_copy(
    client: TestClient, world: World, proxy_bytes: bytes
) -> None:
    sid = make_session(world, proxy_bytes)
    url = publish(client, world, sid)
    corrected = transcript(first="Buenas tardes se abre la sesión")
    r = client.put(
        f"{V1}/sessions/{sid}/transcript",
        json={"parent": 1, "transcript": corrected},
        headers=world.headers("clerk"),
    )
    assert r.status_code == 201, r.text
    assert "tardes" not in public_texts(client, url)["html"]  # not yet republished
    assert "tardes" not in search(client, "villa-a", "tardes")
    r = client.post(f"{V1}/sessions/{sid}/publish", headers=world.headers("secretary"))
    assert r.json()["version"] == 2
    got = public_texts(client, url)
    assert "tardes" in got["html"] and "tardes" in got["vtt"] and "tardes" in got["json"]
    assert "días" not in got["vtt"]
    assert "Buenas tardes" in search(client, "villa-a", "tardes")


def test_a_redacted_interval_is_absent_from_every_public_copy(
    client: TestClient, world: World, proxy_bytes: bytes, settings: Any
) -> None:
    sid = make_session(world, proxy_bytes)
    url = publish(client, world, sid)
    body = {"start": SECRET[0], "end": SECRET[1], "reason": "Datos personales de un vecino"}
    r = client.post(f"{V1}/sessions/{sid}/redactions", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    redaction = r.json()
    listed = client.get(f"{V1}/sessions/{sid}/redactions", headers=world.headers("clerk")).json()
    assert [x["id"] for x in listed] == [redaction["id"]]
    assert listed[0]["reason"] == body["reason"]

    got = public_texts(client, url)
    for name, text in got.items():
        assert "Juan" not in text and "García" not in text, name
        assert "vecino" in text and "calle" in text, name  # the words beside it stay
    assert "Juan" not in search(client, "villa-a", "vecino")
    assert "Juan" not in search(client, "villa-a", "Juan") and "García" not in search(
        client, "villa-a", "García"
    )
    video = client.get(f"{url}/video.mp4")
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    assert video.content != proxy_bytes  # a re-encoded copy, never the proxy itself
    stored = list(Path(settings.storage_path, "public", sid).iterdir())
    assert [p.read_bytes() for p in stored] == [video.content]  # the outdated copy is gone

    # The master keeps everything.
    own = client.get(f"{V1}/sessions/{sid}/transcript", headers=world.headers("clerk"))
    assert "García" in own.text

    r = client.delete(
        f"{V1}/sessions/{sid}/redactions/{redaction['id']}", headers=world.headers("secretary")
    )
    assert r.status_code == 204
    assert "García" in public_texts(client, url)["vtt"]
    assert client.get(f"{url}/video.mp4").content == proxy_bytes
    assert (
        client.get(f"{V1}/sessions/{sid}/redactions", headers=world.headers("clerk")).json() == []
    )


def test_a_redaction_made_before_publishing_applies_from_the_start(
    client: TestClient, world: World
) -> None:
    sid = make_session(world, None)
    body = {"start": SECRET[0], "end": SECRET[1], "reason": ""}
    r = client.post(f"{V1}/sessions/{sid}/redactions", json=body, headers=world.headers("admin"))
    assert r.status_code == 201
    url = publish(client, world, sid)
    got = public_texts(client, url)
    assert all("García" not in text for text in got.values())
    assert "<video" not in got["html"]  # a job without a web proxy: published as text
    assert client.get(f"{url}/video.mp4").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"start": 5, "end": 5},
        {"start": 6, "end": 5},
        {"start": -1, "end": 5},
        {"start": 1, "end": 1e12},
        {"start": 1, "end": 2, "reason": "x" * 501},
        {"start": 1, "end": 2, "reason": "a\x00b"},
        {"start": 1, "end": 2, "extra": True},
        {"start": "uno", "end": 2},
        {"end": 2},
    ],
)
def test_a_bad_redaction_is_422_with_one_line(
    client: TestClient, world: World, body: dict[str, Any]
) -> None:
    with world.db.transaction() as s:
        plenary = civic.create_plenary_session(s, world.councils["a"], {"date": "2024-05-30"})
    r = client.post(
        f"{V1}/sessions/{plenary.id}/redactions", json=body, headers=world.headers("admin")
    )
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail


def test_another_councils_sessions_never_appear(
    client: TestClient, world: World, proxy_bytes: bytes
) -> None:
    a_url = publish(client, world, make_session(world, proxy_bytes, "a"))
    sid_a = a_url.rsplit("/", 1)[1]
    b_sid = make_session(world, None, "b")
    b_url = publish(client, world, b_sid, "other")
    assert b_url == f"/p/villa-b/{b_sid}"

    assert a_url not in client.get("/p/villa-b/").text
    assert b_url in client.get("/p/villa-b/").text
    assert client.get(f"/p/villa-b/{sid_a}").status_code == 404
    assert client.get(f"/p/villa-b/{sid_a}/captions.vtt").status_code == 404
    hits_b = search(client, "villa-b", "vecino")
    assert b_url in hits_b and a_url not in hits_b
    hits_a = search(client, "villa-a", "vecino")
    assert a_url in hits_a and b_url not in hits_a
    with world.db.session() as s:  # the repository itself keeps to one council
        assert {h.session_id for h in portal.search(s, world.councils["b"], "vecino")} == {b_sid}
    # B's admin can neither publish, withdraw nor redact A's session.
    for method, path in (
        ("POST", f"{V1}/sessions/{sid_a}/publish"),
        ("DELETE", f"{V1}/sessions/{sid_a}/publish"),
        ("GET", f"{V1}/sessions/{sid_a}/redactions"),
    ):
        assert client.request(method, path, headers=world.headers("other")).status_code == 404
    assert client.get(a_url).status_code == 200


def test_a_catalan_session_speaks_catalan_and_is_found(client: TestClient, world: World) -> None:
    sid = make_session(world, None, language="ca")
    with world.db.transaction() as s:
        plenary = civic.get_plenary_session_for_council(s, world.councils["a"], sid)
        save_version(s, plenary, None, transcript("ca", "Bon dia comença la sessió plenària"), 1)
    url = publish(client, world, sid)
    html = client.get(url).text
    assert '<html lang="ca">' in html and "Transcripció" in html and "Intervinent 2" in html
    assert "Sessió ordinària del Ple, 2024-05-30" in html
    hits = search(client, "villa-a", "plenària")
    assert f"{url}?t=0" in hits and "comença la sessió plenària" in hits
    assert "Ninguna sesión publicada contiene" in search_page(client, "villa-a", "inexistente")
    assert "Escriba las palabras" in search_page(client, "villa-a", "")
    assert search(client, "villa-a", '"*) OR (') == ""  # operators are not syntax here
    assert url in search(client, "villa-a", 'sessió" plenària*')


def test_the_portal_speaks_the_visitors_browser_language(client: TestClient, world: World) -> None:
    sid = make_session(world, None, language="ca")
    url = publish(client, world, sid)
    spanish = client.get(url, headers={"Accept-Language": "es-ES,es;q=0.9,ca;q=0.8"})
    assert '<html lang="es">' in spanish.text and "Interviniente 2" in spanish.text
    assert "Accept-Language" in spanish.headers["vary"]
    english = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="ca">' in english.text  # none of ours: the session's own language
    asked = client.get(url, params={"lang": "ca"}, headers={"Accept-Language": "es"})
    assert '<html lang="ca">' in asked.text  # the address wins over the browser
    listing = client.get("/p/villa-a/", headers={"Accept-Language": "ca"})
    assert '<html lang="ca">' in listing.text


def test_when_the_redacted_copy_cannot_be_made_no_video_is_served(
    client: TestClient, world: World, proxy_bytes: bytes, settings: Any
) -> None:
    sid = make_session(world, proxy_bytes)
    url = publish(client, world, sid)
    assert client.get(f"{url}/video.mp4").content == proxy_bytes
    damaged = list(Path(settings.storage_path, "outputs").glob("*/out.proxy"))
    assert damaged
    for proxy in damaged:
        proxy.write_bytes(b"no longer a video " * 100)  # a damaged proxy
    body = {"start": SECRET[0], "end": SECRET[1], "reason": "Datos personales"}
    r = client.post(f"{V1}/sessions/{sid}/redactions", json=body, headers=world.headers("admin"))
    assert 400 <= r.status_code < 500, r.text
    assert client.get(f"{url}/video.mp4").status_code == 404  # never the unredacted copy
    assert "García" not in public_texts(client, url)["vtt"]


def test_the_list_filters_by_date_and_type_and_says_a_bad_date(
    client: TestClient, world: World
) -> None:
    may = make_session(world, None)
    job_id = world.job("a", "done")
    with world.db.transaction() as s:
        june = civic.create_plenary_session(
            s,
            world.councils["a"],
            {"date": "2024-06-20", "session_type": "extraordinaria", "agenda": AGENDA},
        )
        save_version(s, june, None, transcript(), None, job_id=job_id)
        june_id = june.id
    publish(client, world, may)
    publish(client, world, june_id)
    client.cookies.clear()

    def listed(**params: str) -> str:
        r = client.get("/p/villa-a/", params=params)
        assert r.status_code == 200, r.text
        return r.text

    both = listed()
    assert f"/p/villa-a/{may}" in both and f"/p/villa-a/{june_id}" in both
    assert 'type="date"' in both and 'href="/p/villa-a/feed.atom"' in both
    june_only = listed(desde="2024-06-01")
    assert f"/p/villa-a/{june_id}" in june_only and f"/p/villa-a/{may}" not in june_only
    may_only = listed(hasta="2024-05-31", tipo="ordinaria")
    assert f"/p/villa-a/{may}" in may_only and f"/p/villa-a/{june_id}" not in may_only
    none = listed(tipo="extraordinaria", hasta="2024-06-01")
    assert "Ninguna sesión publicada cumple el filtro." in none
    bad = listed(desde="30/05/2024")
    assert "La fecha «30/05/2024» no es válida: escríbala como AAAA-MM-DD." in bad
    assert f"/p/villa-a/{may}" in bad and f"/p/villa-a/{june_id}" in bad  # nothing lost
    assert "La data «ayer» no és vàlida" in listed(desde="ayer", lang="ca")


def test_the_feed_and_the_sitemap_list_what_is_public_and_no_words(
    client: TestClient, world: World, proxy_bytes: bytes
) -> None:
    sid = make_session(world, proxy_bytes)
    hidden = make_session(world, None)  # never published
    url = publish(client, world, sid)
    body = {"start": SECRET[0], "end": SECRET[1], "reason": "Datos personales de un vecino"}
    r = client.post(f"{V1}/sessions/{sid}/redactions", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    client.cookies.clear()

    feed = client.get("/p/villa-a/feed.atom")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(feed.content)
    entries = root.findall(f"{atom}entry")
    links = [e.find(f"{atom}link").get("href") for e in entries]  # type: ignore[union-attr]
    assert links == [f"http://testserver{url}"]
    assert root.findtext(f"{atom}title") == "Plenos de Villa A"
    assert "Sesión ordinaria del Pleno, 2024-05-30" in feed.text
    assert "Juan" not in feed.text and "García" not in feed.text and hidden not in feed.text

    site = client.get("/p/villa-a/sitemap.xml")
    assert site.status_code == 200
    locs = [e.text for e in ET.fromstring(site.content).iter() if e.tag.endswith("loc")]
    assert locs == ["http://testserver/p/villa-a/", f"http://testserver{url}"]

    r = client.delete(f"{V1}/sessions/{sid}/publish", headers=world.headers("secretary"))
    assert r.status_code == 204
    client.cookies.clear()
    assert url not in client.get("/p/villa-a/feed.atom").text  # withdrawn: gone
    assert client.get("/p/nadie/feed.atom").status_code == 404


def test_an_intervention_or_an_item_is_its_own_clip(
    client: TestClient, world: World, proxy_bytes: bytes, settings: Any, tmp_path: Path
) -> None:
    from plenaria.media.probe import probe

    sid = make_session(world, proxy_bytes)
    url = publish(client, world, sid)
    client.cookies.clear()
    page = client.get(url).text
    assert f'href="{url}/fragmentos/i1.mp4" download' in page
    assert f'href="{url}/fragmentos/punto-1.mp4" download' in page
    assert 'data-m="200" data-end="1950"' in page  # i1 alone: its first word to its last

    def duration(body: bytes, name: str) -> float:
        path = tmp_path / name
        path.write_bytes(body)
        _fmt, seconds, streams = probe(path)
        assert {s.kind for s in streams} >= {"audio", "video"}
        return seconds

    one = client.get(f"{url}/fragmentos/i1.mp4")
    assert one.status_code == 200 and one.headers["content-type"] == "video/mp4"
    assert one.content[4:8] == b"ftyp"
    assert abs(duration(one.content, "i1.mp4") - 1.75) < 0.3  # 0.2 s to 1.95 s
    assert client.get(f"{url}/fragmentos/i1.mp4").content == one.content  # kept, not cut again
    item = client.get(f"{url}/fragmentos/punto-1.mp4")
    assert item.status_code == 200 and abs(duration(item.content, "p1.mp4") - 1.75) < 0.3

    for bad in ("i9", "punto-7", "..%2Fv1", "x1"):
        r = client.get(f"{url}/fragmentos/{bad}.mp4")
        assert r.status_code == 404, bad
    assert "ninguna intervención ni punto «i9»" in client.get(f"{url}/fragmentos/i9.mp4").text

    clips = Path(settings.storage_path, "public", sid, "clips")
    before = sorted(p.name for p in clips.iterdir())
    body = {"start": 0.5, "end": 1.0, "reason": "Datos personales"}
    r = client.post(f"{V1}/sessions/{sid}/redactions", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    assert not clips.exists() or not set(before) & {p.name for p in clips.iterdir()}
    client.cookies.clear()
    again = client.get(f"{url}/fragmentos/i1.mp4")
    assert again.status_code == 200 and again.content != one.content  # cut from the new copy
    r = client.delete(f"{V1}/sessions/{sid}/publish", headers=world.headers("secretary"))
    assert r.status_code == 204
    client.cookies.clear()
    assert client.get(f"{url}/fragmentos/i1.mp4").status_code == 404


def long_transcript(turns: int = 9, words: int = 40) -> Any:
    """``turns`` interventions of ``words`` numbered words ("t3w12"), one second apart."""
    items = []
    for k in range(turns):
        ws = tuple(
            Word(f"t{k}w{j}", k * 60 + j, k * 60 + j + 0.5, 0.9, f"w{j}") for j in range(words)
        )
        span = Segment(ws[0].start, ws[-1].end)
        items.append(Intervention(f"SPEAKER_0{k % 2}", span, ws, "es", 1, f"i{k}"))
    speakers = (Speaker("SPEAKER_00"), Speaker("SPEAKER_01"))
    rec = Recording("pleno.mp4", "cd" * 32, 5, turns * 60.0, "mov,mp4")
    return Transcript(rec, SessionInfo(id="s"), speakers, (), tuple(items), ("es",)).to_dict()


def test_a_long_transcript_comes_in_pieces(settings: Any, world: World, tmp_path: Path) -> None:
    from plenaria.api.app import create_app

    app = create_app(settings.model_copy(update={"portal_piece_words": 100}))
    with TestClient(app) as c:
        job_id = world.job("a", "done")
        with world.db.transaction() as s:
            plenary = civic.create_plenary_session(s, world.councils["a"], {"date": "2024-05-30"})
            save_version(s, plenary, None, long_transcript(), None, job_id=job_id)
            sid = plenary.id
        url = publish(c, world, sid)
        c.cookies.clear()
        page = c.get(url).text
        assert page.count('class="piece"') == 5  # 9 turns of 40 words: 2 a piece, 100 max
        assert ">t0w0<" in page and ">t1w39<" in page and ">t2w0<" not in page
        assert f'data-src="{url}/trozos/1.html?lang=es"' in page  # the page's language
        assert "Transcripción de 00:02:00 a 00:03:39" in page  # the placeholder's own link
        second = c.get(f"{url}/trozos/1.html")
        assert second.status_code == 200
        assert ">t2w0<" in second.text and ">t3w39<" in second.text and "t4w0" not in second.text
        late = c.get(url, params={"t": 250}).text  # opens where the video opens: piece 2
        assert ">t4w5<" in late and ">t0w0<" not in late
        assert c.get(f"{url}/trozos/5.html").status_code == 404
        assert c.get(f"{url}/trozos/-1.html").status_code == 404
        r = c.post(
            f"{V1}/sessions/{sid}/redactions",
            json={"start": 180, "end": 200, "reason": "Datos personales"},
            headers=world.headers("admin"),
        )
        assert r.status_code == 201, r.text
        c.cookies.clear()
        again = c.get(f"{url}/trozos/1.html").text
        assert ">t3w0<" not in again and ">t3w19<" not in again and ">t3w25<" in again


def test_the_embed_is_the_player_alone_and_may_be_framed(
    client: TestClient, world: World, proxy_bytes: bytes
) -> None:
    sid = make_session(world, proxy_bytes)
    url = publish(client, world, sid)
    client.cookies.clear()
    page = client.get(url)
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    code = f'&lt;iframe src="http://testserver/embed/villa-a/{sid}"'
    assert code in page.text and 'id="embed-code"' in page.text

    embed = client.get(f"/embed/villa-a/{sid}", params={"t": 2})
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    html = embed.text
    assert '<html lang="es">' in html and f'src="{url}/video.mp4#t=2.0"' in html
    assert '<track kind="captions"' in html and f'href="{url}" target="_top"' in html
    assert "Juan" not in html  # the player alone: no transcript in it
    assert client.get(f"/embed/villa-a/{make_session(world, None)}").status_code == 404
    r = client.delete(f"{V1}/sessions/{sid}/publish", headers=world.headers("secretary"))
    assert r.status_code == 204
    client.cookies.clear()
    assert client.get(f"/embed/villa-a/{sid}").status_code == 404


def test_a_shared_moment_has_its_card_with_the_speaker_the_words_and_the_still(
    client: TestClient, world: World, proxy_bytes: bytes
) -> None:
    sid = make_session(world, proxy_bytes)
    url = publish(client, world, sid)
    client.cookies.clear()
    plain = client.get(url).text
    assert '<meta property="og:title" content="Sesión ordinaria del Pleno, 2024-05-30">' in plain
    assert "og:image" not in plain and "og:description" not in plain
    shared = client.get(url, params={"t": 3}).text
    assert 'content="Sesión ordinaria del Pleno, 2024-05-30 · 00:00:03"' in shared
    said = "Interviniente 2: «García vive en la calle Mayor»"  # from the word at 3 s
    assert f'<meta property="og:description" content="{said}">' in shared
    assert f'<meta property="og:url" content="http://testserver{url}?t=3">' in shared
    image = f"http://testserver{url}/fotograma/3.jpg"
    assert f'<meta property="og:image" content="{image}">' in shared
    still = client.get(f"{url}/fotograma/3.jpg")
    assert still.status_code == 200 and still.headers["content-type"] == "image/jpeg"
    assert still.content[:3] == b"\xff\xd8\xff" and len(still.content) > 500
    assert client.get(f"{url}/fotograma/3.jpg").content == still.content  # kept
    assert client.get(f"{url}/fotograma/99.jpg").status_code == 404  # past the end
    assert client.get(f"{url}/fotograma/abc.jpg").status_code in (404, 422)

    body = {"start": SECRET[0], "end": SECRET[1], "reason": "Datos personales"}
    r = client.post(f"{V1}/sessions/{sid}/redactions", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    client.cookies.clear()
    redacted = client.get(url, params={"t": 3}).text
    assert "García" not in redacted and "vive en la calle Mayor" in redacted
    dark = client.get(f"{url}/fotograma/3.jpg").content  # 2.6-3.2 s is black now
    assert dark != still.content and dark[:3] == b"\xff\xd8\xff"


def test_open_data_csv_and_the_dcat_catalogue(
    client: TestClient, world: World, proxy_bytes: bytes
) -> None:
    import csv
    import io
    from dataclasses import replace

    from plenaria.domain_acta import Acta, ActaItem, Vote

    sid = make_session(world, proxy_bytes)
    with world.db.transaction() as s:
        plenary = civic.get_plenary_session_for_council(s, world.councils["a"], sid)
        base = Transcript.from_dict(transcript())
        vote = Vote(for_=3, against=1, abstentions=0, result="approved", checked=True)
        acta = Acta(items=(ActaItem(1, "Aprobación del acta anterior", 0.2, 1.9, vote),
                           ActaItem(2, "Ruegos y preguntas", 2.0, 4.6, None)))  # fmt: skip
        save_version(s, plenary, None, replace(base, acta=acta).to_dict(), 1)
    url = publish(client, world, sid)
    body = {"start": SECRET[0], "end": SECRET[1], "reason": "Datos personales"}
    r = client.post(f"{V1}/sessions/{sid}/redactions", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    client.cookies.clear()
    assert f'href="{url}/intervenciones.csv" download' in client.get(url).text

    got = client.get(f"{url}/intervenciones.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == ["id", "inicio_s", "fin_s", "interviniente", "punto", "idioma", "texto"]
    assert rows[1][:5] == ["i1", "0.20", "1.95", "Alcaldesa Ana Ruiz", "1"]
    assert rows[2][3] == "Interviniente 2" and "Juan" not in got.text and "calle" in rows[2][6]
    votes = list(csv.reader(io.StringIO(client.get(f"{url}/votaciones.csv").text.lstrip("\ufeff"))))
    assert votes[1] == ["1", "Aprobación del acta anterior", "3", "1", "0", "aprobada", "no", "sí"]
    assert votes[2] == ["2", "Ruegos y preguntas", "", "", "", "", "", ""]  # no vote said

    rdf = client.get("/p/villa-a/catalogo.rdf")
    assert rdf.status_code == 200 and rdf.headers["content-type"].startswith("application/rdf+xml")
    root = ET.fromstring(rdf.content)
    dcat = "{http://www.w3.org/ns/dcat#}"
    rdf_ns = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
    datasets = root.iter(f"{dcat}Dataset")
    assert [d.get(f"{rdf_ns}about") for d in datasets] == [f"http://testserver{url}"]
    urls = {e.get(f"{rdf_ns}resource") for e in root.iter(f"{dcat}accessURL")}
    assert f"http://testserver{url}/votaciones.csv" in urls and len(urls) == 5
    assert "creativecommons.org/licenses/by/4.0" in rdf.text
    assert "Datos abiertos de los plenos de Villa A" in rdf.text
    assert client.get(f"/p/villa-a/{make_session(world, None)}/votaciones.csv").status_code == 404


def test_member_pages_and_the_accessibility_statement(client: TestClient, world: World) -> None:
    from dataclasses import replace

    from plenaria.domain_acta import Acta, ActaItem, Vote

    with world.db.transaction() as s:
        ana = civic.create_person(
            s,
            world.councils["a"],
            {"name": "Ana Ruiz", "group": "Grupo Verde", "role": "alcaldesa"},
        )
        ana_id = ana.id
    sid = make_session(world, None)
    with world.db.transaction() as s:
        plenary = civic.get_plenary_session_for_council(s, world.councils["a"], sid)
        base = Transcript.from_dict(transcript())
        speakers = (replace(base.speakers[0], person_id=ana_id), base.speakers[1])
        votes = (
            ActaItem(1, "Aprobación del acta anterior", 0.2, 1.9, Vote(for_=3, against=1,
                     abstentions=0, result="approved", by_group=(("Grupo Verde", "against"),))),
            ActaItem(2, "Ruegos y preguntas", 2.0, 4.6, None),
        )  # fmt: skip
        t = replace(base, speakers=speakers, acta=Acta(items=votes))
        save_version(s, plenary, None, t.to_dict(), 1)
    url = publish(client, world, sid)
    client.cookies.clear()
    listing = client.get("/p/villa-a/miembros")
    assert (
        listing.status_code == 200
        and f'href="/p/villa-a/miembros/{ana_id}">Ana Ruiz</a>' in listing.text
    )
    page = client.get(f"/p/villa-a/miembros/{ana_id}").text
    assert "<h1>Ana Ruiz</h1>" in page and "alcaldesa · Grupo Verde" in page
    assert f'<a href="{url}?t=0">00:00:00</a>' in page and "Buenos días" in page
    assert "1. Aprobación del acta anterior: <strong>en contra</strong> (voto de su grupo)" in page
    assert "calle Mayor" not in page  # the other voice's words are not hers
    assert client.get("/p/villa-a/miembros/nadie").status_code == 404
    assert client.get(f"/p/villa-b/miembros/{ana_id}").status_code == 404  # another council
    statement = client.get("/p/villa-a/accesibilidad", params={"lang": "ca"})
    assert statement.status_code == 200 and "Declaració d&#39;accessibilitat" in statement.text
    assert "Real Decreto" not in statement.text and "Reial decret 1112/2018" in statement.text
    assert 'href="/p/villa-a/accesibilidad"' in client.get(url).text  # on every public page


def test_no_signed_acta_no_acta_link(client: TestClient, world: World) -> None:
    sid = make_session(world, None)
    url = publish(client, world, sid)
    client.cookies.clear()
    assert "/acta.pdf" not in client.get(url).text
    assert client.get(f"{url}/acta.pdf").status_code == 404
