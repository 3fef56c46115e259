"""The approved acta's PDF/A and its PAdES signature by API (plenaria.api.routes.acta_sign)
and on the public page /verificar: approve → sign → download → valid; one changed byte →
altered; a clerk cannot sign; a wrong PKCS#12 password signs nothing; a PDF signed outside
is accepted only when it is valid and signs the approved acta's PDF/A."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from test_acta import acta, approved
from test_no_english import english_in, visible_text

from conftest import World
from needs import tool
from pki import PASSWORD, SIGNER_NAME, Pki, make_pki
from plenaria.acts import signing


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture
def signing_client(client: TestClient, pki: Pki, tmp_path: Path) -> Iterator[TestClient]:
    """The client, its app trusting the test CA and time-stamping with the test TSA."""
    tool("soffice", "libreoffice-writer-nogui")
    (tmp_path / "firma.p12").write_bytes(pki.pkcs12)
    settings = client.app.state.settings  # type: ignore[attr-defined]
    client.app.state.settings = settings.model_copy(  # type: ignore[attr-defined]
        update={
            "sign_trust_roots": str(pki.write_root(tmp_path)),
            "sign_crls": str(pki.write_crl(tmp_path)),
            "sign_pkcs12": tmp_path / "firma.p12",
            "sign_pkcs12_password": SecretStr(PASSWORD),
        }
    )
    client.app.state.sign_timestamper = pki.timestamper()  # type: ignore[attr-defined]
    yield client
    client.app.state.settings = settings  # type: ignore[attr-defined]
    del client.app.state.sign_timestamper  # type: ignore[attr-defined]


def _verify(client: TestClient, pdf: bytes, lang: str = "es") -> str:
    r = client.post(f"/verificar?lang={lang}", files={"file": ("acta.pdf", pdf, "application/pdf")})
    assert r.status_code == 200, r.text
    return html.unescape(r.text)


def test_sign_download_and_verify_then_one_changed_byte_is_altered(
    signing_client: TestClient, world: World, pki: Pki, tmp_path: Path
) -> None:
    client = signing_client
    sid, _body = approved(client, world)
    r = client.post(acta(sid, "/sign"), headers=world.headers("secretary"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "signed" and body["state_name"] == "firmada"
    event = body["history"][-1]
    assert event["action"] == "acta.transition" and event["detail"]["to"] == "signed"
    assert event["detail"]["signer"] == SIGNER_NAME and event["detail"]["level"] == "PAdES-B-LT"
    assert event["by"] == world.emails["secretary"]

    r = client.get(acta(sid, "/pdf"), headers=world.headers("clerk"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "firmada.pdf" in r.headers["content-disposition"]
    pdf = r.content
    check = signing.verify_pdf(pdf, signing.load_roots([pki.write_root(tmp_path)]))
    assert check.valid and check.level == "PAdES-B-LT" and check.signer == SIGNER_NAME

    client.cookies.clear()
    page = _verify(client, pdf)
    assert 'data-result="ok"' in page and "La firma electrónica es válida" in page
    assert SIGNER_NAME in page and "Villa A" in page  # the signer and the certificate's facts
    assert "sellado de tiempo (RFC 3161)" in page
    assert "PAdES-B-LT" in page and english_in(visible_text(page)) == []
    page = _verify(client, pdf, "ca")
    assert "La signatura electrònica és vàlida" in page and english_in(visible_text(page)) == []

    changed = bytearray(pdf)
    changed[len(changed) // 3] ^= 0x01  # one byte inside the signed part
    page = _verify(client, bytes(changed))
    assert 'data-result="fail"' in page and "se ha ALTERADO después de firmarse" in page
    assert english_in(visible_text(page)) == []
    page = _verify(client, bytes(changed), "ca")
    assert "s'ha ALTERAT després de signar-se" in page and english_in(visible_text(page)) == []


def test_a_clerk_cannot_sign_and_a_wrong_password_signs_nothing(
    signing_client: TestClient, world: World, pki: Pki
) -> None:
    client = signing_client
    sid, _body = approved(client, world)
    r = client.post(acta(sid, "/sign"), headers=world.headers("clerk"))
    assert r.status_code == 403
    p12 = {"pkcs12": ("firma.p12", pki.pkcs12, "application/x-pkcs12")}
    r = client.post(
        acta(sid, "/sign"), files=p12, data={"password": "otra"}, headers=world.headers("secretary")
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("La contraseña del certificado PKCS#12 no es correcta")
    state = client.get(acta(sid), headers=world.headers("clerk")).json()
    assert state["state"] == "approved"
    assert not list(world.storage.rglob("*.signed.pdf"))  # nothing signed, nothing stored

    # signed outside: a PDF signed by a stranger, or signing other bytes, is refused
    unsigned = client.get(acta(sid, "/pdf"), headers=world.headers("clerk")).content
    stranger = signing.load_signer(pki.other_pkcs12, PASSWORD)
    upload = lambda data: client.post(  # noqa: E731
        acta(sid, "/signed-pdf"),
        files={"file": ("firmada.pdf", data, "application/pdf")},
        headers=world.headers("secretary"),
    )
    r = upload(signing.sign_pdf(unsigned, stranger))
    assert r.status_code == 422 and "autoridad de confianza" in r.json()["detail"]
    r = upload(unsigned)
    assert r.status_code == 422 and "no lleva firma" in r.json()["detail"]
    mine = signing.load_signer(pki.pkcs12, PASSWORD)
    r = upload(signing.sign_pdf(unsigned, mine))  # the approved PDF/A, signed outside
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "signed" and r.json()["history"][-1]["detail"]["how"] == "upload"
