"""The settings pages: council, roster, users, tokens, a session's data and its deletion.

Each form is posted as a browser does (the page's CSRF token in ``csrf_token``);
what it changes is read back from the database, and a refused value shows the
form again with one line in Spanish (or Catalan), never a traceback.
"""

from __future__ import annotations

import html as html_text
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_no_english import english_in, visible_text
from test_transcripts import processed_session
from test_web_pages import HTML, login

from conftest import World
from plenaria.api import i18n
from plenaria.db import civic, jobs
from plenaria.db.models import (
    ApiToken,
    AuditEntry,
    Council,
    Job,
    Output,
    PlenarySession,
    Recording,
    RosterMember,
    TranscriptVersion,
    Upload,
    User,
)

PAGES = (
    "/settings",
    "/settings/council",
    "/settings/roster",
    "/settings/users",
    "/settings/tokens",
)
ALLOWED = {
    "admin": set(PAGES),
    "secretary": set(PAGES) - {"/settings/users"},
    "clerk": set(),
}


def csrf(client: TestClient, path: str = "/settings") -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', client.get(path, headers=HTML).text)
    assert found is not None
    return found.group(1)


def post(client: TestClient, path: str, data: dict[str, str], token: str | None = None) -> object:
    fields = {**data, "csrf_token": token if token is not None else csrf(client)}
    return client.post(path, data=fields, headers=HTML, follow_redirects=False)


def alert(html: str) -> str:
    found = re.search(r'<p class="error" role="alert" id="form-error">([^<]*)</p>', html)
    assert found is not None, html
    return html_text.unescape(found.group(1))


def actions(world: World) -> list[str]:
    with world.db.session() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.at)))


def test_each_role_sees_only_its_settings_pages(client: TestClient, world: World) -> None:
    for who, allowed in ALLOWED.items():
        client.cookies.clear()
        login(client, world, who)
        home = client.get("/", headers=HTML).text
        assert ('href="/settings"' in home) == bool(allowed), who
        for path in PAGES:
            r = client.get(path, headers=HTML)
            if path in allowed:
                assert r.status_code == 200 and 'aria-current="page"' in r.text, (who, path)
            else:
                assert r.status_code == 403, (who, path)
                assert "Acceso denegado" in r.text
                assert ('href="/settings"' in r.text) == bool(allowed)  # the menu as before
                assert "Salir" in r.text  # the 403 page keeps the navigation
    client.cookies.clear()
    r = client.get("/settings/roster", headers=HTML, follow_redirects=False)
    assert r.headers["location"] == "/login?next=/settings/roster"


def test_council_settings_form(client: TestClient, world: World) -> None:
    login(client, world, "admin")
    page = client.get("/settings/council", headers=HTML).text
    assert 'name="video_url_template"' in page and "Castellano" in page
    template = "https://sede.example.es/plenos/{session}?t={seconds}"
    data = {
        "video_url_template": template,
        "acta_lang": "ca",
        "vocabulary": "Villanueva\n\n Guadalquivir \n",
    }
    r = post(client, "/settings/council", data)
    assert r.status_code == 303 and r.headers["location"] == "/settings/council?ok=saved"
    with world.db.session() as s:
        council = s.get(Council, world.councils["a"])
        assert council is not None
        assert (council.video_url_template, council.acta_lang) == (template, "ca")
        assert council.vocabulary == ["Villanueva", "Guadalquivir"]
    page = client.get("/settings/council?ok=saved", headers=HTML).text
    assert "Cambios guardados." in page and "Villanueva\nGuadalquivir</textarea>" in page
    assert "council.update" in actions(world)
    # Refused values: the form again, one Spanish line, nothing saved.
    r = post(client, "/settings/council", {**data, "video_url_template": "https://x/{sesion}"})
    assert r.status_code == 422 and "plantilla del enlace al vídeo no es válida" in alert(r.text)
    assert 'value="https://x/{sesion}"' in r.text  # what was typed stays in the form
    r = post(client, "/settings/council", {**data, "acta_lang": "fr"})
    assert alert(r.text) == "Idioma del acta: elija una de las opciones de la lista."
    client.cookies.set("plenaria_lang", "ca")
    r = post(client, "/settings/council", {**data, "video_url_template": "https://x/{sesion}"})
    assert "plantilla de l'enllaç al vídeo no és vàlida" in alert(r.text)
    client.cookies.set("plenaria_lang", "es")
    # Without the CSRF token nothing changes; a secretary reads but cannot save.
    r = post(client, "/settings/council", {**data, "acta_lang": "es"}, token="")
    assert r.status_code == 403 and "Acceso denegado" in r.text
    client.cookies.clear()
    login(client, world, "secretary")
    page = client.get("/settings/council", headers=HTML).text
    assert "<fieldset disabled>" in page and "Solo administración" in page
    assert post(client, "/settings/council", {**data, "acta_lang": "es"}).status_code == 403
    with world.db.session() as s:
        council = s.get(Council, world.councils["a"])
        assert council is not None and council.acta_lang == "ca"


def test_roster_add_edit_and_deactivate(client: TestClient, world: World) -> None:
    login(client, world, "secretary")
    r = post(
        client,
        "/settings/roster",
        {"name": "Ana <b>Pérez</b>", "role": "Alcaldesa", "group": "PSOE"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/settings/roster?ok=added"
    page = client.get("/settings/roster?ok=added", headers=HTML).text
    assert "Ana &lt;b&gt;Pérez&lt;/b&gt;" in page and "Añadido." in page
    r = post(client, "/settings/roster", {"name": "  ", "role": "x"})
    assert r.status_code == 422
    assert alert(r.text) == "Nombre y apellidos: no puede quedar vacío."
    with world.db.session() as s:
        person = s.scalars(select(RosterMember)).one()
    r = client.get(f"/settings/roster/{person.id}", headers=HTML)
    assert r.status_code == 200 and 'value="Alcaldesa"' in r.text
    data = {"name": "Ana Pérez", "role": "Alcaldesa", "group": "IU", "active": "1"}
    assert post(client, f"/settings/roster/{person.id}", data).status_code == 303
    r = post(client, f"/settings/roster/{person.id}/active", {"active": "0"})
    assert r.status_code == 303
    with world.db.session() as s:
        found = s.get(RosterMember, person.id)
        assert found is not None and (found.name, found.group, found.active) == (
            "Ana Pérez",
            "IU",
            False,
        )
    assert "Reactivar" in client.get("/settings/roster", headers=HTML).text
    assert [a for a in actions(world) if a.startswith("roster")] == ["roster.create"] + [
        "roster.update"
    ] * 2
    client.cookies.clear()
    login(client, world, "other")  # another council's admin: not found
    assert client.get(f"/settings/roster/{person.id}", headers=HTML).status_code == 404


def test_users_and_roles(client: TestClient, world: World) -> None:
    login(client, world, "admin")
    data = {"email": "Nueva@a.example.org", "password": "una frase bastante larga", "role": "clerk"}
    r = post(client, "/settings/users", data)
    assert r.status_code == 303, r.text
    r = post(
        client, "/settings/users", {**data, "email": "otra@a.example.org", "password": "corta"}
    )
    assert r.status_code == 422 and alert(r.text).startswith("La contraseña tiene menos de 12")
    assert 'value="otra@a.example.org"' in r.text and "corta" not in r.text  # no password echoed
    r = post(client, "/settings/users", data)
    assert r.status_code == 409 and "No se puede crear una cuenta" in alert(r.text)
    with world.db.session() as s:
        new = s.scalars(select(User).where(User.email == "nueva@a.example.org")).one()
    assert post(client, f"/settings/users/{new.id}", {"role": "secretary"}).status_code == 303
    assert post(client, f"/settings/users/{new.id}", {"active": "0"}).status_code == 303
    with world.db.session() as s:
        found = s.get(User, new.id)
        assert found is not None and (found.role, found.active) == ("secretary", False)
    r = post(client, f"/settings/users/{world.users['admin']}", {"role": "clerk"})
    assert r.status_code == 409 and alert(r.text).startswith("No puede quitarse la función")
    client.cookies.set("plenaria_lang", "ca")
    r = post(client, f"/settings/users/{world.users['admin']}", {"role": "clerk"})
    assert alert(r.text).startswith("No us podeu treure la funció")
    assert "user.create" in actions(world) and actions(world).count("user.update") == 2
    client.cookies.clear()
    login(client, world, "secretary")
    assert post(client, f"/settings/users/{new.id}", {"role": "admin"}).status_code == 403
    with world.db.session() as s:
        found = s.get(User, new.id)
        assert found is not None and found.role == "secretary"


def test_tokens_created_once_and_revoked(client: TestClient, world: World) -> None:
    login(client, world, "secretary")
    r = post(client, "/settings/tokens", {"name": "Sede electrónica", "expires_in_days": "30"})
    assert r.status_code == 201 and "no se volverá a mostrar" in r.text
    found = re.search(r'id="new-token" class="mono" readonly size="60" value="(pln_[^"]+)"', r.text)
    assert found is not None
    clear = found.group(1)
    bearer = {"Authorization": f"Bearer {clear}"}
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    page = client.get("/settings/tokens", headers=HTML).text
    assert "Sede electrónica" in page and clear not in page  # shown once only
    r = post(client, "/settings/tokens", {"name": "x", "expires_in_days": "mil"})
    assert r.status_code == 422
    assert alert(r.text).startswith("Caduca a los (días; vacío: no caduca): escriba un número")
    r = post(client, "/settings/tokens", {"name": ""})
    assert alert(r.text) == "Nombre (la integración que lo usará): no puede quedar vacío."
    with world.db.session() as s:
        token = s.scalars(select(ApiToken).where(ApiToken.name == "Sede electrónica")).one()
    r = post(client, f"/settings/tokens/{token.id}/revoke", {})
    assert r.status_code == 303 and r.headers["location"] == "/settings/tokens?ok=revoked"
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert "Revocado" in client.get("/settings/tokens", headers=HTML).text
    assert {"token.create", "token.revoke"} <= set(actions(world))


def test_session_data_edited_from_its_page(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    login(client, world, "clerk")
    page = client.get(f"/sessions/{sid}", headers=HTML).text
    assert "<fieldset disabled>" in page and 'id="delete-link"' not in page
    assert 'href="/sessions/' + sid + '/editor"' in page
    assert post(client, f"/sessions/{sid}", {"place": "x"}).status_code == 403
    client.cookies.clear()
    login(client, world, "secretary")
    assert f'href="/sessions/{sid}"' in client.get("/", headers=HTML).text
    data = {
        "slug": "2026-11-24-ordinaria",
        "date": "2026-11-25",
        "session_type": "extraordinaria",
        "place": "Salón de plenos",
        "start_time": "19:30",
        "president": "Ana Pérez",
        "secretary": "Joan Puig",
        "call": "segunda",
    }
    assert '<select id="s-call" name="call">' in client.get(f"/sessions/{sid}", headers=HTML).text
    r = post(client, f"/sessions/{sid}", data)
    assert r.status_code == 303 and r.headers["location"] == f"/sessions/{sid}?ok=saved"
    assert "Datos de la sesión guardados." in client.get(r.headers["location"], headers=HTML).text
    with world.db.session() as s:
        plenary = s.get(PlenarySession, sid)
        assert plenary is not None
        got = {k: getattr(plenary, k) for k in data}
        assert got == data
    assert (
        '<option value="segunda" selected>Segunda convocatoria</option>'
        in client.get(f"/sessions/{sid}", headers=HTML).text
    )
    r = post(client, f"/sessions/{sid}", {**data, "call": "tercera"})
    assert r.status_code == 422 and alert(r.text).startswith("Convocatoria:")
    r = post(client, f"/sessions/{sid}", {**data, "date": "25/11/2026"})
    assert r.status_code == 422 and alert(r.text) == "Fecha: formato no válido; corríjalo."
    client.cookies.set("plenaria_lang", "ca")
    r = post(client, f"/sessions/{sid}", {**data, "date": "25/11/2026"})
    assert alert(r.text) == "Data: format no vàlid; corregiu-lo."
    assert "25 de novembre de 2026" in client.get("/", headers=HTML).text  # dates in Catalan
    assert "session.update" in actions(world)


def _session_with_files(world: World) -> tuple[str, list[Path], Path]:
    """A processed session with a finished job, its original, work folder, outputs,
    step pointers, certified acta and published video; and a file another council's
    recording of the same original still names (which must stay)."""
    sid = processed_session(world)
    root = world.storage
    sha = "ef" * 32
    council = world.councils["a"]
    files = {
        "original": f"originals/{council}/{sha}",
        "work": f"recordings/{sha[:24]}/audio.wav",
        "output": "outputs/0123456789abcdef0123/pleno.docx",
        "pointer": "runs/JOB/probe.json",
        "source": "sources/probe0123456789.json",
        "acta": f"actas/{sid}/v1.docx",
        "public": f"public/{sid}/v1-abc.mp4",
        "upload": "uploads/UPLOAD/info.json",
    }
    with world.db.transaction() as s:
        upload = jobs.create_upload(s, council, "UPLOAD", "pleno.mp4", sha, 5)
        jobs.set_upload_state(upload, "complete", storage_key=files["original"])
        rec = jobs.create_recording(s, council, files["original"], "pleno.mp4", 5, sha, "UPLOAD")
        job = jobs.create_job(s, council, rec.id, {}, sid, world.users["admin"])
        jobs.set_job_state(job, "done")
        jobs.add_output(s, job, "docx", files["output"], 4)
        files["pointer"] = f"runs/{job.id}/probe.json"
        # The same recording in council B: its own original file, the same work folder.
        other = jobs.create_recording(s, world.councils["b"], "originals/b/x", "p.mp4", 5, sha)
        other_job = jobs.create_job(s, world.councils["b"], other.id, {}, None, None)
        jobs.set_job_state(other_job, "done")
    paths = {k: root / v for k, v in files.items()}
    for name, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"key": files["source"]}) if name == "pointer" else "data"
        path.write_text(text)
    kept = paths.pop("work")
    return sid, list(paths.values()), kept


def test_session_deleted_with_its_files_by_an_admin_after_confirming(
    client: TestClient, world: World
) -> None:
    sid, files, shared = _session_with_files(world)
    login(client, world, "secretary")
    assert client.get(f"/sessions/{sid}/delete", headers=HTML).status_code == 403
    assert post(client, f"/sessions/{sid}/delete", {"confirm": "yes"}).status_code == 403
    client.cookies.clear()
    login(client, world, "admin")
    page = client.get(f"/sessions/{sid}", headers=HTML).text
    assert f'href="/sessions/{sid}/delete"' in page
    page = client.get(f"/sessions/{sid}/delete", headers=HTML).text
    assert "No se puede deshacer" in page and "1 procesos y 1 versiones" in page
    r = post(client, f"/sessions/{sid}/delete", {})  # not confirmed: nothing happens
    assert r.status_code == 422 and alert(r.text).startswith("Marque la casilla")
    assert post(client, f"/sessions/{sid}/delete", {"confirm": "yes"}, token="").status_code == 403
    assert all(f.is_file() for f in files) and shared.is_file()
    r = post(client, f"/sessions/{sid}/delete", {"confirm": "yes"})
    assert r.status_code == 200 and "se han borrado" in r.text, r.text
    assert [f for f in files if f.exists()] == []
    assert shared.is_file()  # council B's recording of the same original still uses it
    with world.db.session() as s:
        for model in (PlenarySession, TranscriptVersion, Output, Upload):
            count = s.scalar(select(func.count()).select_from(model))
            assert count == 0, model
        assert s.scalar(select(func.count()).select_from(Job)) == 1  # council B's
        assert s.scalar(select(func.count()).select_from(Recording)) == 1
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "session.delete")).one()
        assert entry.object_id == sid and entry.user_id == world.users["admin"]
        assert entry.detail["jobs"] == 1 and entry.detail["transcript_versions"] == 1
    assert client.get(f"/sessions/{sid}", headers=HTML).status_code == 404


def test_a_session_with_a_running_job_is_not_deleted(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    with world.db.transaction() as s:
        rec = jobs.create_recording(s, world.councils["a"], "originals/a/y", "p.mp4", 5, "12" * 32)
        jobs.set_job_state(
            jobs.create_job(s, world.councils["a"], rec.id, {}, sid, None), "running"
        )
    login(client, world, "admin")
    r = post(client, f"/sessions/{sid}/delete", {"confirm": "yes"})
    assert r.status_code == 409 and alert(r.text).startswith("La sesión tiene un proceso en curso")
    r = client.delete(f"/api/v1/sessions/{sid}", headers=world.headers("admin"))
    assert r.status_code == 409
    with world.db.session() as s:
        assert s.get(PlenarySession, sid) is not None


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_settings_pages_speak_the_page_language(
    client: TestClient, world: World, lang: str
) -> None:
    """No English word or catalogue key on any settings page, refused forms included
    (the video template's own markers, {session} and {seconds}, are what one types)."""
    sid = processed_session(world)
    with world.db.transaction() as s:
        person = civic.create_person(s, world.councils["a"], {"name": "Ana", "role": "Alcaldesa"})
        person_id = person.id
    login(client, world, "admin")
    client.get(f"/?lang={lang}", headers=HTML)
    post(client, "/settings/tokens", {"name": "Sede"})
    texts = {}
    for path in (
        *PAGES,
        f"/settings/roster/{person_id}",
        f"/sessions/{sid}",
        f"/sessions/{sid}/delete",
    ):
        r = client.get(path, headers=HTML)
        assert r.status_code == 200 and f'<html lang="{lang}">' in r.text, path
        texts[path] = r.text
    refused = {
        "/settings/council": {"acta_lang": "fr"},
        "/settings/roster": {"name": ""},
        "/settings/users": {"email": "x@a.example.org", "password": "corta", "role": "clerk"},
        "/settings/tokens": {"name": "x", "expires_in_days": "0"},
        f"/sessions/{sid}": {"date": "ayer"},
        f"/sessions/{sid}/delete": {},
    }
    for path, data in refused.items():
        r = post(client, path, data)
        assert r.status_code == 422, (path, r.text)
        texts[f"POST {path}"] = r.text
    texts["deleted"] = post(client, f"/sessions/{sid}/delete", {"confirm": "yes"}).text
    markers = ("{session}", "{seconds}")
    problems = {}
    for where, html in texts.items():
        text = visible_text(html)
        for marker in markers:
            text = text.replace(marker, "")
        if english_in(text):
            problems[where] = english_in(text)
    assert problems == {}
    t = i18n.strings(lang)
    expected = t["set_err_number"].format(field=t["set_token_days"])
    assert alert(texts["POST /settings/tokens"]) == expected
