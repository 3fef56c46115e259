"""A council's languages (those spoken in its plenos): set by its admin in the API and on
the settings page, checked, and frozen in the spec of a job that names none of its own."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from test_settings_pages import alert, post
from test_web_pages import HTML, login

from conftest import World
from plenaria.db.models import Council, Job

V1 = "/api/v1"


def stored_languages(world: World, council: str = "a") -> list[str]:
    with world.db.session() as s:
        row = s.get(Council, world.councils[council])
        assert row is not None
        return list(row.languages)


def spec_transcription(client: TestClient, world: World, options: dict[str, Any]) -> Any:
    body = {"upload_id": world.upload(), "options": options}
    r = client.post(f"{V1}/jobs", json=body, headers=world.headers("admin"))
    assert r.status_code == 202, r.text
    with world.db.session() as s:
        job = s.get(Job, r.json()["id"])
        assert job is not None and job.spec is not None
        return job.spec["options"]["transcription"]


def test_languages_are_read_by_all_and_set_by_the_admin(client: TestClient, world: World) -> None:
    assert client.get(f"{V1}/council", headers=world.headers("clerk")).json()["languages"] == []
    r = client.put(
        f"{V1}/council", json={"languages": [" CA", "es", "ca", ""]}, headers=world.headers("admin")
    )
    assert r.status_code == 200 and r.json()["languages"] == ["ca", "es"], r.text
    for who in ("secretary", "clerk"):
        seen = client.get(f"{V1}/council", headers=world.headers(who)).json()
        assert seen["languages"] == ["ca", "es"]
        refused = client.put(f"{V1}/council", json={"languages": []}, headers=world.headers(who))
        assert refused.status_code == 403
    assert stored_languages(world) == ["ca", "es"]
    assert stored_languages(world, "b") == []  # the other council's stay its own
    # Other settings saved alone leave them; [] is any language again.
    admin = world.headers("admin")
    assert client.put(f"{V1}/council", json={"acta_lang": "ca"}, headers=admin).status_code == 200
    assert stored_languages(world) == ["ca", "es"]
    r = client.put(f"{V1}/council", json={"languages": []}, headers=admin)
    assert r.status_code == 200 and r.json()["languages"] == []


def test_a_bad_code_is_refused_in_spanish_naming_it(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    client.put(f"{V1}/council", json={"languages": ["ca", "es"]}, headers=admin)
    for bad in ("català", "c4", "espanol"):
        r = client.put(f"{V1}/council", json={"languages": ["ca", bad]}, headers=admin)
        assert r.status_code == 422, r.text
        detail = str(r.json())
        assert f"«{bad}» no es un código de idioma" in detail, detail
        assert "p. ej. ca, es" in detail
    r = client.put(f"{V1}/council", json={"languages": ["x" * 51]}, headers=admin)
    assert r.status_code == 422
    assert stored_languages(world) == ["ca", "es"]


def test_a_job_takes_the_councils_languages_unless_it_names_its_own(
    client: TestClient, world: World
) -> None:
    assert spec_transcription(client, world, {})["detect_languages"] == []  # none set: any
    admin = world.headers("admin")
    assert client.put(f"{V1}/council", json={"languages": ["ca", "es"]}, headers=admin).is_success
    taken = spec_transcription(client, world, {"diarize": False})
    assert (taken["detect_languages"], taken["language"]) == (["ca", "es"], None)
    # An explicit option wins: a forced language, the job's own list, or [] (any language).
    forced = spec_transcription(client, world, {"transcription": {"language": "es"}})
    assert (forced["language"], forced["detect_languages"]) == ("es", [])
    own = {"transcription": {"detect_languages": ["es", "eu"]}}
    assert spec_transcription(client, world, own)["detect_languages"] == ["es", "eu"]
    anyone = {"transcription": {"detect_languages": []}}
    assert spec_transcription(client, world, anyone)["detect_languages"] == []
    # Frozen: a later change of the council's languages does not reach a job made before.
    r = client.post(f"{V1}/jobs", json={"upload_id": world.upload()}, headers=admin)
    client.put(f"{V1}/council", json={"languages": ["gl"]}, headers=admin)
    with world.db.session() as s:
        job = s.get(Job, r.json()["id"])
        assert job is not None and job.spec is not None
        assert job.spec["options"]["transcription"]["detect_languages"] == ["ca", "es"]


def test_the_settings_page_shows_and_saves_them(client: TestClient, world: World) -> None:
    login(client, world, "admin")
    page = client.get("/settings/council", headers=HTML).text
    assert '<label for="languages">Idiomas del pleno</label>' in page
    assert "cada intervención queda transcrita en su propio idioma entre estos" in page
    data = {"video_url_template": "", "acta_lang": "ca", "vocabulary": "", "languages": "CA, es"}
    r = post(client, "/settings/council", data)
    assert r.status_code == 303 and r.headers["location"] == "/settings/council?ok=saved"
    assert stored_languages(world) == ["ca", "es"]
    page = client.get("/settings/council", headers=HTML).text
    assert 'name="languages"' in page and 'value="ca, es"' in page
    # Refused: the form again with what was typed and one line, nothing saved.
    r = post(client, "/settings/council", {**data, "languages": "ca, castellano"})
    assert r.status_code == 422 and 'value="ca, castellano"' in r.text
    assert alert(r.text).startswith("Idiomas del pleno: «castellano» no es un código de idioma.")
    client.cookies.set("plenaria_lang", "ca")
    page = client.get("/settings/council", headers=HTML).text
    assert '<label for="languages">Idiomes del ple</label>' in page
    assert "cada intervenció es transcriu en el seu propi idioma entre aquests" in page
    r = post(client, "/settings/council", {**data, "languages": "ca castellano"})
    assert alert(r.text).startswith("Idiomes del ple: «castellano» no és un codi d'idioma.")
    # Emptied: any language again; a secretary sees them but cannot save.
    client.cookies.set("plenaria_lang", "es")
    assert post(client, "/settings/council", {**data, "languages": " "}).status_code == 303
    assert stored_languages(world) == []
    client.cookies.clear()
    login(client, world, "secretary")
    assert 'name="languages"' in client.get("/settings/council", headers=HTML).text
    assert post(client, "/settings/council", data).status_code == 403
    assert stored_languages(world) == []
