"""A council's acta in Galician or Basque: the setting takes gl and eu, the public pages
stay in Spanish (they speak es and ca only)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from test_web_pages import HTML, login

from conftest import World

V1 = "/api/v1"


def test_the_acta_language_takes_galician_and_basque(client: TestClient, world: World) -> None:
    h = world.headers("admin")
    for lang in ("gl", "eu", "es"):
        r = client.put(f"{V1}/council", json={"acta_lang": lang}, headers=h)
        assert r.status_code == 200 and r.json()["acta_lang"] == lang, r.text
    # The settings page offers them, named in the page's language.
    login(client, world, "admin")
    page = client.get("/settings/council", headers=HTML).text
    assert '<option value="gl" >Gallego</option>' in page
    assert '<option value="eu" >Euskera</option>' in page


def test_a_basque_acta_keeps_the_public_pages_in_spanish(client: TestClient, world: World) -> None:
    assert (
        client.put(
            f"{V1}/council", json={"acta_lang": "eu"}, headers=world.headers("admin")
        ).status_code
        == 200
    )
    listing = client.get("/p/villa-a/")
    assert listing.status_code == 200 and '<html lang="es">' in listing.text
    assert '<html lang="ca">' in client.get("/p/villa-a/", params={"lang": "ca"}).text
