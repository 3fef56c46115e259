"""The acta's workflow (plenaria.api.routes.acta): states, the check list, approval,
immutability, corrections (diligencias), the certificate and the public verification page.
Runs on SQLite and PostgreSQL (the ``db_url`` fixture)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from fastapi.testclient import TestClient
from test_transcripts import processed_session

from conftest import World
from plenaria.db import civic
from plenaria.db.transcripts import save_version

V1 = "/api/v1"
MISSING = ("end_time", "attendance", "quorum", "item_vote:1", "item_vote:2", "item_start:3")


def acta(session_id: str, tail: str = "") -> str:
    return f"{V1}/sessions/{session_id}/acta{tail}"


def mark_all(client: TestClient, world: World, session_id: str) -> None:
    for key in MISSING:
        r = client.post(
            acta(session_id, "/not-applicable"),
            json={"field": key, "reason": "No se trató en esta sesión"},
            headers=world.headers("secretary"),
        )
        assert r.status_code == 200, r.text


def approved(client: TestClient, world: World) -> tuple[str, dict]:
    """A processed session taken through review to approval by the secretary."""
    sid = processed_session(world)
    assert client.post(acta(sid, "/submit"), headers=world.headers("clerk")).status_code == 200
    mark_all(client, world, sid)
    r = client.post(acta(sid, "/approve"), headers=world.headers("secretary"))
    assert r.status_code == 200, r.text
    return sid, r.json()


def test_a_new_acta_is_a_draft_with_its_missing_fields_in_spanish(
    client: TestClient, world: World
) -> None:
    sid = processed_session(world)
    body = client.get(acta(sid), headers=world.headers("clerk")).json()
    assert body["state"] == "draft" and body["state_name"] == "borrador"
    assert body["version"] == 1 and body["approved_version"] is None
    described = {m["key"]: m["description"] for m in body["missing"]}
    assert tuple(described) == MISSING
    assert described["end_time"] == "la hora en que se levanta la sesión"
    assert described["item_vote:2"].startswith("la votación del punto 2")
    assert "N" not in described["item_start:3"].split() and "(" not in described["item_start:3"]
    assert body["outstanding"] == list(MISSING)


def test_a_clerk_submits_but_cannot_approve(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    r = client.post(acta(sid, "/approve"), headers=world.headers("secretary"))
    assert r.status_code == 409 and "borrador" in r.json()["detail"]  # not submitted yet
    assert client.post(acta(sid, "/submit"), headers=world.headers("clerk")).status_code == 200
    r = client.post(acta(sid, "/approve"), headers=world.headers("clerk"))
    assert r.status_code == 403 and "auxiliar" in r.json()["detail"]
    r = client.post(acta(sid, "/submit"), headers=world.headers("clerk"))
    assert r.status_code == 409  # already in review


def test_approval_is_refused_until_each_missing_field_is_filled_or_marked(
    client: TestClient, world: World
) -> None:
    sid = processed_session(world)
    client.post(acta(sid, "/submit"), headers=world.headers("secretary"))
    r = client.post(acta(sid, "/approve"), headers=world.headers("secretary"))
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert detail.startswith("No se puede aprobar el acta")
    for key in MISSING:
        assert f"({key})" in detail
    mark_all(client, world, sid)
    # one more field missing in a newer version (as a job leaves it): refused, naming only it
    r = client.get(f"{V1}/sessions/{sid}/transcript", headers=world.headers("clerk")).json()
    content = r["transcript"]
    content["acta"]["missing"] = [*MISSING, "place"]
    with world.db.transaction() as s:
        save_version(s, civic.get_plenary_session_for_council(s, world.councils["a"], sid),
                     None, content, 1)  # fmt: skip
    r = client.post(acta(sid, "/approve"), headers=world.headers("secretary"))
    assert r.status_code == 409 and "(place)" in r.json()["detail"]
    assert "(end_time)" not in r.json()["detail"]


def test_not_applicable_needs_a_missing_key_a_reason_and_a_manager(
    client: TestClient, world: World
) -> None:
    sid = processed_session(world)
    post = lambda body, who="secretary": client.post(  # noqa: E731
        acta(sid, "/not-applicable"), json=body, headers=world.headers(who)
    )
    assert post({"field": "end_time", "reason": "x" * 5}, "clerk").status_code == 403
    assert post({"field": "end_time"}).status_code == 422
    r = post({"field": "colour", "reason": "motivo"})
    assert r.status_code == 422 and "no es un campo del acta" in r.json()["detail"]
    r = post({"field": "place", "reason": "motivo"})  # not missing
    assert r.status_code == 409 and "No falta el lugar de la sesión" in r.json()["detail"]
    r = post({"field": "item_vote:1", "reason": "Punto informativo, sin votación"})
    assert r.status_code == 200
    body = r.json()
    mark = body["not_applicable"]["item_vote:1"]
    assert (
        mark["reason"] == "Punto informativo, sin votación"
        and mark["by"] == world.emails["secretary"]
    )
    assert "item_vote:1" not in body["outstanding"]
    assert body["history"][-1]["action"] == "acta.not_applicable"


def test_return_to_draft_and_every_transition_in_the_audit_log(
    client: TestClient, world: World
) -> None:
    sid = processed_session(world)
    r = client.post(acta(sid, "/return"), headers=world.headers("secretary"))
    assert r.status_code == 409  # a draft is not in review
    client.post(acta(sid, "/submit"), headers=world.headers("clerk"))
    assert client.post(acta(sid, "/return"), headers=world.headers("clerk")).status_code == 403
    r = client.post(acta(sid, "/return"), headers=world.headers("secretary"))
    assert r.status_code == 200 and r.json()["state"] == "draft"
    moves = [
        (e["detail"]["from"], e["detail"]["to"], e["by"])
        for e in r.json()["history"]
        if e["action"] == "acta.transition"
    ]
    assert moves == [
        ("draft", "in_review", world.emails["clerk"]),
        ("in_review", "draft", world.emails["secretary"]),
    ]
    assert all(e["at"] for e in r.json()["history"])


def test_an_approved_acta_is_immutable_and_corrected_by_a_new_version(
    client: TestClient, world: World
) -> None:
    sid, body = approved(client, world)
    assert body["state"] == "approved" and body["approved_version"] == 1
    [certificate] = body["certificates"]
    transcript = client.get(f"{V1}/sessions/{sid}/transcript", headers=world.headers("clerk"))
    content = transcript.json()["transcript"]
    for method, payload in (
        ("PUT", {"parent": 1, "transcript": content}),
        ("PATCH", {"parent": 1}),
    ):
        r = client.request(
            method, f"{V1}/sessions/{sid}/transcript", json=payload, headers=world.headers("admin")
        )
        assert r.status_code == 409, (method, r.text)
        assert "aprobada" in r.json()["detail"] and "diligencia" in r.json()["detail"]
    r = client.post(
        f"{V1}/sessions/{sid}/transcript/versions/1/restore",
        json={},
        headers=world.headers("admin"),
    )
    assert r.status_code == 409
    assert client.post(acta(sid, "/approve"), headers=world.headers("admin")).status_code == 409

    r = client.post(acta(sid, "/corrections"), json={"reason": "x"}, headers=world.headers("admin"))
    assert r.status_code == 422  # a reason of a few words
    r = client.post(
        acta(sid, "/corrections"),
        json={"reason": "Errata en el nombre de un concejal"},
        headers=world.headers("clerk"),
    )
    assert r.status_code == 403
    r = client.post(
        acta(sid, "/corrections"),
        json={"reason": "Errata en el nombre de un concejal"},
        headers=world.headers("secretary"),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["state"] == "draft" and body["version"] == 2 and body["approved_version"] == 1
    [note] = body["corrections"]
    assert note["number"] == 2 and note["corrects"] == 1
    assert note["sha256"] == certificate["sha256"] and note["csv"] == certificate["csv"]
    assert body["history"][-2]["action"] == "acta.correction"
    # the new version is editable (a change saved: a patch of nothing makes no version);
    # the approved one stays, with its file and certificate
    path = f"{V1}/sessions/{sid}/transcript"
    speaker = client.get(path, headers=world.headers("clerk")).json()["transcript"]["speakers"][-1]
    renamed = {**speaker, "name": "Interviniente corregido"}
    r = client.patch(
        path, json={"parent": 2, "speakers": [renamed]}, headers=world.headers("clerk")
    )
    assert r.status_code == 201, r.text
    old = client.get(f"{V1}/sessions/{sid}/transcript/versions/1", headers=world.headers("clerk"))
    assert old.status_code == 200
    docx = client.get(acta(sid, "/docx?version=1"), headers=world.headers("clerk"))
    assert hashlib.sha256(docx.content).hexdigest() == certificate["sha256"]
    # the correction goes through review again and its DOCX carries the diligencia
    client.post(acta(sid, "/submit"), headers=world.headers("clerk"))
    mark_all(client, world, sid)
    r = client.post(acta(sid, "/approve"), headers=world.headers("secretary"))
    assert r.status_code == 200, r.text
    assert [c["version"] for c in r.json()["certificates"]] == [1, 3]
    new = client.get(acta(sid, "/docx"), headers=world.headers("clerk")).content
    with zipfile.ZipFile(io.BytesIO(new)) as z:
        xml = z.read("word/document.xml").decode()
    assert "Diligencia" in xml and certificate["sha256"] in xml and "versión 1" in xml


def test_the_certificate_states_both_hashes_and_the_code(client: TestClient, world: World) -> None:
    sid, body = approved(client, world)
    r = client.get(acta(sid, "/certificate"), headers=world.headers("clerk"))
    assert r.status_code == 200
    data = r.json()
    docx = client.get(acta(sid, "/docx"), headers=world.headers("clerk")).content
    assert data["acta"]["sha256"] == hashlib.sha256(docx).hexdigest()
    assert data["acta"]["version"] == 1 and data["acta"]["approved_by"] == world.emails["secretary"]
    assert data["recording"]["sha256"] == "ab" * 32 or len(data["recording"]["sha256"]) == 64
    assert data["recording"]["live"] is False and data["recording"]["duration_s"] > 0
    code = data["csv"]
    assert len(code) == 23 and code.count("-") == 3 and code == body["certificates"][0]["csv"]
    assert data["verify_path"] == f"/verificar/{code}"
    text = client.get(acta(sid, "/certificate?format=txt"), headers=world.headers("clerk")).text
    assert "CERTIFICADO DE AUTENTICIDAD E INTEGRIDAD" in text and "Ley 40/2015" in text
    assert data["acta"]["sha256"] in text and code in text
    cert_docx = client.get(acta(sid, "/certificate?format=docx"), headers=world.headers("clerk"))
    with zipfile.ZipFile(io.BytesIO(cert_docx.content)) as z:
        assert code in z.read("word/document.xml").decode()
    again = client.get(acta(sid, "/certificate?format=docx"), headers=world.headers("clerk"))
    assert again.content == cert_docx.content  # deterministic
    r = client.get(acta(sid, "/certificate?version=7"), headers=world.headers("clerk"))
    assert r.status_code == 404 and "versión 7" in r.json()["detail"]
    r = client.get(acta(sid, "/certificate"), headers=world.headers("other"))
    assert r.status_code == 404


def test_a_live_recording_is_certified_from_its_live_certificate(
    client: TestClient, world: World
) -> None:
    live_cert = {
        "sha256": "fe" * 32,
        "duration_s": 3600.5,
        "gaps": [{"start_s": 120.0, "length_s": 4.5, "at": "00:02:00"}],
        "started_at": "2026-11-24T10:00:00+00:00",
        "ended_at": "2026-11-24T11:00:00+00:00",
    }
    job_id = world.job("a", "done", live={"mode": "pull", "certificate": live_cert})
    content = client.get(
        f"{V1}/sessions/{processed_session(world)}/transcript", headers=world.headers("clerk")
    ).json()["transcript"]
    content["acta"]["missing"] = []
    with world.db.transaction() as s:
        plenary = civic.create_plenary_session(s, world.councils["a"], {"date": "2026-11-25"})
        save_version(s, plenary, None, content, None, job_id=job_id)
        sid = plenary.id
    client.post(acta(sid, "/submit"), headers=world.headers("clerk"))
    assert client.post(acta(sid, "/approve"), headers=world.headers("admin")).status_code == 200
    rec = client.get(acta(sid, "/certificate"), headers=world.headers("clerk")).json()["recording"]
    assert rec["live"] is True and rec["sha256"] == "fe" * 32 and rec["duration_s"] == 3600.5
    assert rec["gaps"] == [{"at": "00:02:00", "duration_s": 4.5}]
    text = client.get(acta(sid, "/certificate?format=txt"), headers=world.headers("clerk")).text
    assert "emisión en directo" in text and "00:02:00 (4.5 s)" in text


def test_the_public_page_verifies_a_code_and_a_file(client: TestClient, world: World) -> None:
    sid, body = approved(client, world)
    code = body["certificates"][0]["csv"]
    docx = client.get(acta(sid, "/docx"), headers=world.headers("clerk")).content
    client.cookies.clear()

    page = client.get("/verificar")
    assert page.status_code == 200 and "Verificar un acta certificada" in page.text
    assert "<script" not in page.text and "style=" not in page.text and "<style" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "Verifiqueu una acta certificada" in client.get("/verificar?lang=ca").text
    r = client.get(f"/verificar?csv={code}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/verificar/{code}"

    for typed in (code, code.replace("-", "").lower(), code.replace("-", " ")):
        r = client.get(f"/verificar/{typed}")
        assert r.status_code == 200 and 'data-result="ok"' in r.text
        assert "El código es válido" in r.text and "Villa A" in r.text and "2026-11-24" in r.text
    r = client.get("/verificar/AAAAA-AAAAA-AAAAA-AAAAA")
    assert r.status_code == 404 and "No hay ningún acta certificada" in r.text
    r = client.get("/verificar/hola")
    assert r.status_code == 422 and "no es un código seguro" in r.text

    files = {"file": ("acta.docx", docx, "application/octet-stream")}
    r = client.post("/verificar", files=files)
    assert r.status_code == 200 and 'data-result="ok"' in r.text
    assert "exactamente el acta certificada" in r.text and code in r.text
    r = client.post("/verificar", files=files, data={"csv": code})
    assert 'data-result="ok"' in r.text
    changed = bytearray(docx)
    changed[len(changed) // 2] ^= 0x01
    tampered = {"file": ("acta.docx", bytes(changed), "application/octet-stream")}
    r = client.post("/verificar", files=tampered)
    assert r.status_code == 200 and 'data-result="fail"' in r.text
    assert "no coincide con ningún acta certificada" in r.text
    r = client.post("/verificar", files=tampered, data={"csv": code})
    assert 'data-result="fail"' in r.text and "NO es el acta certificada" in r.text
    r = client.post("/verificar?lang=ca", files=tampered)
    assert "no coincideix amb cap acta certificada" in r.text
    r = client.post("/verificar", files={"file": ("buit.docx", b"", "application/octet-stream")})
    assert r.status_code == 422 and "Elija un fichero" in r.text


def test_the_public_page_refuses_a_file_over_the_limit(client: TestClient, world: World) -> None:
    settings = client.app.state.settings
    client.app.state.settings = settings.model_copy(update={"verify_max_bytes": 2048})
    try:
        r = client.post("/verificar", files={"file": ("a.docx", b"x" * 4096, "text/plain")})
    finally:
        client.app.state.settings = settings
    assert r.status_code == 413 and "pasa de 2 KB" in r.text


@pytest.mark.parametrize("lang", ("es", "ca"))
def test_the_verification_pages_hold_no_english_and_no_inline_code(
    client: TestClient, world: World, lang: str
) -> None:
    from test_no_english import english_in, visible_text
    from test_web_security import _Inline

    _sid, body = approved(client, world)
    code = body["certificates"][0]["csv"]
    client.cookies.clear()
    bad = {"file": ("a.docx", b"PK otro", "application/octet-stream")}
    answers = {
        "form": client.get(f"/verificar?lang={lang}"),
        "code": client.get(f"/verificar/{code}?lang={lang}"),
        "unknown": client.get(f"/verificar/AAAAA-AAAAA-AAAAA-AAAAA?lang={lang}"),
        "file": client.post(f"/verificar?lang={lang}", files=bad),
    }
    for name, r in answers.items():
        assert f'<html lang="{lang}">' in r.text, name
        assert not english_in(visible_text(r.text)), (name, english_in(visible_text(r.text)))
        parser = _Inline()
        parser.feed(r.text)
        assert not parser.blocked and not parser.scripts, (name, parser.blocked)


def test_the_sessions_data_reach_its_acta_and_are_locked_once_approved(
    client: TestClient, world: World
) -> None:
    sid = processed_session(world)
    h = world.headers("secretary")
    start = client.get(acta(sid), headers=h).json()
    assert "place" not in [m["key"] for m in start["missing"]]
    r = client.patch(f"{V1}/sessions/{sid}", json={"place": ""}, headers=h)
    assert r.status_code == 200, r.text
    before = client.get(acta(sid), headers=h).json()
    assert before["version"] == start["version"] + 1
    assert "place" in [m["key"] for m in before["missing"]]  # the check list follows the page
    r = client.patch(f"{V1}/sessions/{sid}", json={"place": "Salón de plenos"}, headers=h)
    assert r.status_code == 200, r.text
    after = client.get(acta(sid), headers=h).json()
    assert after["version"] == before["version"] + 1  # the transcript took the new data
    assert "place" not in [m["key"] for m in after["missing"]]
    content = client.get(f"{V1}/sessions/{sid}/transcript", headers=h).json()["transcript"]
    assert content["session"]["place"] == "Salón de plenos"
    same = client.patch(f"{V1}/sessions/{sid}", json={"place": "Salón de plenos"}, headers=h)
    assert same.status_code == 200
    assert client.get(acta(sid), headers=h).json()["version"] == after["version"]  # no change

    assert client.post(acta(sid, "/submit"), headers=world.headers("clerk")).status_code == 200
    for key in client.get(acta(sid), headers=h).json()["outstanding"]:
        body = {"field": key, "reason": "No se trató en esta sesión"}
        assert client.post(acta(sid, "/not-applicable"), json=body, headers=h).status_code == 200
    assert client.post(acta(sid, "/approve"), headers=h).status_code == 200
    r = client.patch(f"{V1}/sessions/{sid}", json={"place": "Otro salón"}, headers=h)
    assert r.status_code == 409 and "diligencia" in r.json()["detail"]
    r = client.patch(f"{V1}/sessions/{sid}", json={"slug": "pleno-aprobado"}, headers=h)
    assert r.status_code == 200, r.text
