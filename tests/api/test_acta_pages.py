"""The acta's page (plenaria.api.web.acta_pages), posted as a browser posts its forms: a
clerk sends to review but sees no approval or signature and is refused them (403); a
secretary's approval is refused naming each missing ROF 109 field until it is marked
not applicable; then approve, sign (PKCS#12 uploaded with its password), publish, with
the history, the downloads and the links from the job's and the session's pages."""

from __future__ import annotations

import html as html_text
import re

from fastapi.testclient import TestClient
from sqlalchemy import update
from test_acta import MISSING
from test_acta_sign import pki, signing_client  # noqa: F401 (fixtures)
from test_no_english import english_in, visible_text
from test_transcripts import processed_session
from test_web_pages import HTML, login

from conftest import World
from pki import PASSWORD, Pki
from plenaria.db import acta as workflow
from plenaria.db.models import Job, TranscriptVersion

FIELD_ES = {k: workflow.describe(k) for k in MISSING}


def page(client: TestClient, sid: str, lang: str = "es") -> str:
    r = client.get(f"/sessions/{sid}/acta?lang={lang}", headers=HTML)
    assert r.status_code == 200, r.text
    return html_text.unescape(r.text)


def token(client: TestClient, sid: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page(client, sid))
    assert found is not None
    return found.group(1)


def post(
    client: TestClient,
    sid: str,
    action: str,
    data: dict[str, str] | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> object:
    fields = {**(data or {}), "csrf_token": token(client, sid)}
    return client.post(
        f"/sessions/{sid}/acta/{action}",
        data=fields,
        files=files,
        headers=HTML,
        follow_redirects=False,
    )


def state_of(html: str) -> str:
    found = re.search(r'id="acta-state" class="[^"]*" data-state="([a-z_]+)"', html)
    assert found is not None, html
    return found.group(1)


def alert(html: str) -> str:
    found = re.search(r'<p class="error" role="alert" id="form-error">([^<]*)</p>', html)
    assert found is not None, html
    return html_text.unescape(found.group(1))


def as_user(client: TestClient, world: World, who: str) -> None:
    client.cookies.clear()
    login(client, world, who)


def test_a_clerk_submits_but_sees_no_approval_and_is_refused_it(
    client: TestClient, world: World
) -> None:
    sid = processed_session(world)
    as_user(client, world, "clerk")
    shown = page(client, sid)
    assert state_of(shown) == "draft" and 'id="form-submit"' in shown
    for field in FIELD_ES.values():
        assert field in shown  # the check list, for the clerk too
    assert 'action="/sessions/' in shown and "/acta/not-applicable" not in shown
    r = post(client, sid, "submit")
    assert r.status_code == 303 and r.headers["location"] == f"/sessions/{sid}/acta?ok=1"
    shown = page(client, sid)
    assert state_of(shown) == "in_review" and "En revisión" in shown
    for form in ("form-approve", "form-return", "form-sign", "form-publish"):
        assert f'id="{form}"' not in shown, form
    for action in ("approve", "return", "sign", "publish", "not-applicable"):
        r = post(client, sid, action, {"field": "quorum", "reason": "No procede"})
        assert r.status_code == 403, (action, r.text)
        assert "auxiliar" in html_text.unescape(r.text)
    assert state_of(page(client, sid)) == "in_review"
    # a form without its CSRF token changes nothing
    r = client.post(f"/sessions/{sid}/acta/return", data={}, headers=HTML, follow_redirects=False)
    assert r.status_code in (303, 403) and state_of(page(client, sid)) == "in_review"


def test_approval_is_refused_naming_each_missing_field_in_the_page_language(
    client: TestClient, world: World
) -> None:
    sid = processed_session(world)
    as_user(client, world, "secretary")
    assert post(client, sid, "submit").status_code == 303
    shown = page(client, sid)
    assert 'id="form-approve"' in shown and shown.count('class="actions na-form"') == len(MISSING)
    r = post(client, sid, "approve")
    assert r.status_code == 409
    line = alert(r.text)
    assert line.startswith("No se puede aprobar el acta: falta ")
    for field in FIELD_ES.values():
        assert field in line
    assert "(end_time)" not in line and english_in(visible_text(r.text)) == []
    r = client.post(
        f"/sessions/{sid}/acta/approve?lang=ca",
        data={"csrf_token": token(client, sid)},
        headers=HTML,
        follow_redirects=False,
    )
    line = alert(r.text)
    assert r.status_code == 409 and line.startswith("No es pot aprovar l'acta: hi falta ")
    assert "la votació del punt 2" in line and "l'hora en què s'aixeca la sessió" in line
    # a reason too short is refused; each field marked, and approval goes through
    r = post(client, sid, "not-applicable", {"field": "quorum", "reason": "x"})
    assert r.status_code == 422 and alert(r.text).startswith("Escriba el motivo")
    for key in MISSING:
        r = post(client, sid, "not-applicable", {"field": key, "reason": "No se trató"})
        assert r.status_code == 303, r.text
    shown = page(client, sid)
    assert shown.count('data-marked="1"') == len(MISSING) and "No aplicable: No se trató" in shown
    assert post(client, sid, "approve").status_code == 303
    shown = page(client, sid)
    assert state_of(shown) == "approved" and "Aprobada" in shown
    assert f"/api/v1/sessions/{sid}/acta/pdf" in shown and "CSV " in shown
    # twice: the state's refusal as one line
    r = post(client, sid, "approve")
    assert r.status_code == 409
    assert alert(r.text) == "El acta está «Aprobada» y no puede pasar a «Aprobada»."


def test_draft_to_published_through_the_forms(
    signing_client: TestClient,  # noqa: F811 (the fixture)
    world: World,
    pki: Pki,  # noqa: F811 (the fixture)
) -> None:
    client = signing_client
    sid = processed_session(world)
    job_id = world.job(state="done")
    with world.db.transaction() as s:  # the session came from a job: its page links the acta
        s.execute(update(TranscriptVersion).values(job_id=job_id))
        s.execute(update(Job).where(Job.id == job_id).values(session_id=sid))
    as_user(client, world, "clerk")
    assert post(client, sid, "submit").status_code == 303
    as_user(client, world, "secretary")
    for key in MISSING:
        assert (
            post(client, sid, "not-applicable", {"field": key, "reason": "No se trató"}).status_code
            == 303
        )
    assert post(client, sid, "approve").status_code == 303
    shown = page(client, sid)
    assert 'id="form-sign"' in shown and 'id="form-signed-pdf"' in shown
    assert 'id="dl-package"' not in shown  # nothing to package before the signature
    assert 'id="form-publish"' not in shown  # nor to publish

    p12 = {"pkcs12": ("firma.p12", pki.pkcs12, "application/x-pkcs12")}
    r = post(client, sid, "sign", {"password": "otra"}, files=p12)
    assert r.status_code == 422 and alert(r.text) == "La contraseña del certificado no es correcta."
    r = post(client, sid, "signed-pdf", files={"file": ("a.pdf", b"%PDF-1.7\n", "application/pdf")})
    assert r.status_code == 422 and alert(r.text) == "El PDF subido no lleva firma electrónica."
    assert state_of(page(client, sid)) == "approved"
    r = post(client, sid, "sign", {"password": PASSWORD}, files=p12)
    assert r.status_code == 303, r.text
    shown = page(client, sid)
    assert state_of(shown) == "signed" and "Acta firmada (PDF/A)" in shown
    assert 'id="dl-package"' in shown and 'id="form-publish"' in shown

    assert post(client, sid, "publish").status_code == 303
    shown = page(client, sid)
    assert state_of(shown) == "published" and "Publicada en el portal" in shown
    history = shown[shown.index('id="acta-history"') :]
    for step in ("De «Borrador» a «En revisión»", "De «En revisión» a «Aprobada»",
                 "De «Aprobada» a «Firmada»", "De «Firmada» a «Publicada»"):  # fmt: skip
        assert step in history, step
    assert world.emails["clerk"] in history and world.emails["secretary"] in history
    assert english_in(visible_text(shown)) == []
    catalan = page(client, sid, "ca")
    assert "Publicada al portal" in catalan and english_in(visible_text(catalan)) == []

    assert post(client, sid, "withdraw").status_code == 303
    assert "No está en el portal" in page(client, sid)
    # linked from the job's page (with the acta's PDF) and from the session's
    job = html_text.unescape(client.get(f"/jobs/{job_id}", headers=HTML).text)
    assert f'href="/sessions/{sid}/acta"' in job and f"/api/v1/sessions/{sid}/acta/pdf" in job
    session = client.get(f"/sessions/{sid}", headers=HTML).text
    assert f'href="/sessions/{sid}/acta"' in session


def test_another_councils_acta_page_is_not_found(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    as_user(client, world, "other")
    assert client.get(f"/sessions/{sid}/acta", headers=HTML).status_code == 404
    client.cookies.clear()
    r = client.get(f"/sessions/{sid}/acta", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
