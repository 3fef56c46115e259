"""A council's own look on the portal: its colours (checked for contrast with white text)
and its logo (PNG, JPEG or SVG, served only as an image), set by its admin."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from fastapi.testclient import TestClient
from test_matrix import _published_session
from test_settings_pages import alert, csrf, post
from test_web_pages import HTML, login

from conftest import World
from plenaria.api.council_look import contrast_with_white
from plenaria.db.models import Council

V1 = "/api/v1"


def png(width: int = 2, height: int = 1) -> bytes:
    """A real, tiny PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(1)</script><rect width="10" height="10" fill="#036"/></svg>'
)


def council(world: World) -> Council:
    with world.db.session() as s:
        row = s.get(Council, world.councils["a"])
        assert row is not None
        return row


def logo_files(world: World) -> list[Path]:
    folder = world.storage / "logos"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_contrast_follows_wcag() -> None:
    assert round(contrast_with_white("#000000"), 1) == 21.0
    assert round(contrast_with_white("#ffffff"), 1) == 1.0
    assert round(contrast_with_white("#767676"), 2) == 4.54  # the lightest AA grey
    assert contrast_with_white("#777777") < 4.5


def test_colours_saved_and_served_as_the_councils_stylesheet(
    client: TestClient, world: World
) -> None:
    admin = world.headers("admin")
    r = client.put(
        f"{V1}/council", json={"accent_color": "#8A1538", "header_color": "#003366"}, headers=admin
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accent_color"], body["header_color"], body["has_logo"]) == (
        "#8a1538",
        "#003366",
        False,
    )
    css = client.get("/p/villa-a/estilo.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "--accent: #8a1538;" in css.text and "--header: #003366;" in css.text
    assert "--header-ink: #fff;" in css.text
    published = _published_session(world)
    for path in ("/p/villa-a/", f"/p/villa-a/{published}"):
        page = client.get(path).text
        assert '<link rel="stylesheet" href="/p/villa-a/estilo.css">' in page, path
        assert "style=" not in page.split("<main", 1)[0]  # no inline style (CSP)
    # Council B keeps the portal's own colours: no stylesheet of its own on its pages.
    assert "estilo.css" not in client.get("/p/villa-b/").text
    assert "--accent" not in client.get("/p/villa-b/estilo.css").text
    # An empty colour goes back to the portal's own; a colour left out keeps its value.
    r = client.put(f"{V1}/council", json={"accent_color": ""}, headers=admin)
    assert (r.json()["accent_color"], r.json()["header_color"]) == ("", "#003366")
    assert "--accent" not in client.get("/p/villa-a/estilo.css").text


def test_a_colour_too_light_for_white_text_is_refused(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    r = client.put(f"{V1}/council", json={"header_color": "#ffcc00"}, headers=admin)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("Color de la cabecera: #ffcc00 contrasta 1,5:1 con el texto blanco")
    assert "elija un color más oscuro" in detail and "\n" not in detail
    r = client.put(f"{V1}/council", json={"accent_color": "red"}, headers=admin)
    assert r.status_code == 422
    assert council(world).header_color == council(world).accent_color == ""
    # The settings form: the same refusal in the page's language, nothing saved.
    login(client, world, "admin")
    page = client.get("/settings/council", headers=HTML).text
    assert 'name="accent_color"' in page and 'name="header_color"' in page
    data = {"acta_lang": "es", "vocabulary": "", "video_url_template": ""}
    r = post(client, "/settings/council", {**data, "accent_color": "#aaaaaa", "header_color": ""})
    assert r.status_code == 422
    assert alert(r.text) == (
        "Color de los enlaces: #aaaaaa contrasta 2,3:1 con el texto blanco, menos del 4,5:1 "
        "que pide WCAG AA; elija un color más oscuro."
    )
    assert 'value="#aaaaaa"' in r.text
    r = post(client, "/settings/council", {**data, "accent_color": "0b5cad", "header_color": ""})
    assert alert(r.text) == "Color de los enlaces (#rrggbb): formato no válido; corríjalo."
    client.cookies.set("plenaria_lang", "ca")
    r = post(client, "/settings/council", {**data, "accent_color": "", "header_color": "#ffcc00"})
    assert alert(r.text) == (
        "Color de la capçalera: #ffcc00 contrasta 1,5:1 amb el text blanc, menys del 4,5:1 "
        "que demana WCAG AA; trieu un color més fosc."
    )
    client.cookies.set("plenaria_lang", "es")
    r = post(client, "/settings/council", {**data, "accent_color": "", "header_color": "#1A4D2E"})
    assert r.status_code == 303
    assert council(world).header_color == "#1a4d2e"


def test_logo_uploaded_served_shown_and_removed(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    assert client.get("/p/villa-a/logo").status_code == 404
    image = png()
    r = client.put(
        f"{V1}/council/logo", files={"file": ("escudo.png", image, "image/png")}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["has_logo"] is True
    served = client.get("/p/villa-a/logo")
    assert served.status_code == 200 and served.content == image
    assert served.headers["content-type"] == "image/png"
    page = client.get("/p/villa-a/").text
    assert '<img class="logo" src="/p/villa-a/logo" alt="Villa A">' in page
    assert client.get("/p/villa-b/logo").status_code == 404  # B has none
    # An SVG replaces it: served as an image under a policy that runs nothing in it.
    r = client.put(
        f"{V1}/council/logo", files={"file": ("escudo.svg", SVG, "image/svg+xml")}, headers=admin
    )
    assert r.status_code == 200, r.text
    served = client.get("/p/villa-a/logo")
    assert served.headers["content-type"] == "image/svg+xml"
    assert served.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'"
    )
    assert served.headers["x-content-type-options"] == "nosniff"
    assert b"<svg" not in client.get("/p/villa-a/").content  # never inlined
    assert [p.suffix for p in logo_files(world)] == [".svg"]  # the PNG's file is gone
    r = client.delete(f"{V1}/council/logo", headers=admin)
    assert r.status_code == 204
    assert client.get("/p/villa-a/logo").status_code == 404
    assert 'class="logo"' not in client.get("/p/villa-a/").text
    assert logo_files(world) == [] and council(world).logo_key == ""


def test_a_file_not_an_image_or_too_big_is_refused(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    refused = {
        "acta.pdf": b"%PDF-1.7 not a logo",
        "page.html": b"<html><body>hola</body></html>",
        "entity.svg": b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>',
        "big.png": png() + b"\x00" * (500 * 1024),
    }
    for name, content in refused.items():
        r = client.put(f"{V1}/council/logo", files={"file": (name, content)}, headers=admin)
        assert r.status_code == 422, name
        expected = "ocupa más de 500 kB" if name == "big.png" else "no es una imagen PNG"
        assert expected in r.json()["detail"], name
    assert logo_files(world) == [] and council(world).logo_key == ""
    # The settings form: the refusal in the page's language, then a good logo and its removal.
    login(client, world, "admin")
    token = csrf(client, "/settings/council")
    r = client.post(
        "/settings/council/logo",
        data={"csrf_token": token},
        files={"logo": ("acta.pdf", b"%PDF-1.7", "application/pdf")},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert alert(r.text).startswith("El logotipo no es una imagen PNG, JPEG o SVG")
    r = client.post(
        "/settings/council/logo",
        data={"csrf_token": token},
        files={"logo": ("escudo.jpg", b"\xff\xd8\xff\xe0 a jpeg", "image/jpeg")},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/settings/council?ok=logo"
    page = client.get("/settings/council?ok=logo", headers=HTML).text
    assert "Logotipo guardado." in page and 'src="/p/villa-a/logo"' in page
    assert client.get("/p/villa-a/logo").headers["content-type"] == "image/jpeg"
    r = post(client, "/settings/council/logo/remove", {}, token)
    assert r.status_code == 303 and r.headers["location"] == "/settings/council?ok=nologo"
    assert council(world).logo_key == "" and logo_files(world) == []


def test_only_the_admin_changes_the_look(client: TestClient, world: World) -> None:
    for who in ("secretary", "clerk"):
        headers = world.headers(who)
        r = client.put(f"{V1}/council", json={"accent_color": "#003366"}, headers=headers)
        assert r.status_code == 403, who
        files = {"file": ("escudo.png", png(), "image/png")}
        assert client.put(f"{V1}/council/logo", files=files, headers=headers).status_code == 403
        assert client.delete(f"{V1}/council/logo", headers=headers).status_code == 403
    client.cookies.clear()
    login(client, world, "secretary")
    page = client.get("/settings/council", headers=HTML).text
    assert 'id="logo-form"' not in page
    token = csrf(client, "/settings/council")
    r = client.post(
        "/settings/council/logo",
        data={"csrf_token": token},
        files={"logo": ("escudo.png", png(), "image/png")},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert council(world).logo_key == "" and council(world).accent_color == ""
    assert logo_files(world) == []
    page = re.sub(r"\s+", " ", page)
    assert "Aspecto del portal" in page
