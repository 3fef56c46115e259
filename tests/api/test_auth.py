"""Accounts: login and logout, cookie flags, CSRF, passwords, bearer tokens (throttling:
test_login_throttle.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import plenaria
from conftest import PASSWORD, World
from plenaria.api.app import create_app
from plenaria.api.deps import SESSION_COOKIE
from plenaria.api.login_guard import SECURE_SESSION_COOKIE
from plenaria.config import Settings
from plenaria.db.base import utcnow
from plenaria.db.models import ApiToken, AuditEntry
from plenaria.errors import ConfigError


def _login(client: TestClient, email: str, password: str = PASSWORD, form: bool = False):  # type: ignore[no-untyped-def]
    body = {"email": email, "password": password}
    if form:
        return client.post("/api/v1/auth/login", data=body)
    return client.post("/api/v1/auth/login", json=body)


def _actions(world: World) -> list[str]:
    with world.db.session() as s:
        return [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.at))]


def test_login_sets_a_hardened_cookie_and_returns_the_csrf_token(
    client: TestClient, world: World
) -> None:
    r = _login(client, world.emails["secretary"].upper())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["email"] == world.emails["secretary"]
    assert body["user"]["role"] == "secretary"
    assert "password_hash" not in body["user"] and len(body["csrf_token"]) == 64
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["council_slug"] == "villa-a"
    assert me.json()["csrf_token"] == body["csrf_token"]
    assert "auth.login" in _actions(world)


def test_secure_cookie_in_production_settings(settings: Settings, world: World) -> None:
    app = create_app(settings.model_copy(update={"cookie_secure": True}))
    with TestClient(app, base_url="https://testserver") as client:
        r = _login(client, world.emails["clerk"], form=True)
        assert r.status_code == 200, r.text
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"{SECURE_SESSION_COOKIE}=")
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert client.get("/api/v1/auth/me").status_code == 200
        value = client.cookies.get(SECURE_SESSION_COOKIE)
        assert value is not None
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, value)  # the plain name is not read
        assert client.get("/api/v1/auth/me").status_code == 401


def test_production_refuses_to_start_without_secure_cookies(tmp_path: Path) -> None:
    unsafe = Settings(env="production", secret_key="k" * 40, cookie_secure=False)
    with pytest.raises(ConfigError, match="PLENARIA_COOKIE_SECURE"):
        unsafe.check_safe()
    unsafe.model_copy(update={"cookie_secure": True}).check_safe()
    env = {
        **os.environ,
        "PLENARIA_ENV": "production",
        "PLENARIA_SECRET_KEY": "k" * 40,
        "PLENARIA_COOKIE_SECURE": "false",
        "PLENARIA_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(Path(plenaria.__file__).parents[1]),
        "COLUMNS": "300",  # the error console wraps at the terminal's width
    }
    done = subprocess.run(
        [sys.executable, "-m", "plenaria", "api", "--port", "9"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "PLENARIA_COOKIE_SECURE no está activado en producción" in lines[0]


def test_wrong_credentials_are_one_line_401(client: TestClient, world: World) -> None:
    for email, password in ((world.emails["clerk"], "wrong password"), ("nobody@x.org", PASSWORD)):
        r = _login(client, email, password)
        assert r.status_code == 401
        assert r.json() == {"detail": "Correo o contraseña incorrectos."}
        assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    r = client.post("/api/v1/auth/login", json={"email": "a@b.org"})
    assert r.status_code == 422
    assert "password" in r.json()["detail"] and "\n" not in r.json()["detail"]
    r = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and "no es JSON" in r.json()["detail"]
    assert "auth.login_failed" in _actions(world)


def test_cookie_requests_that_change_things_need_the_csrf_header(
    client: TestClient, world: World
) -> None:
    csrf = _login(client, world.emails["admin"]).json()["csrf_token"]
    r = client.post("/api/v1/tokens", json={"name": "portal"})
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"]
    r = client.post("/api/v1/tokens", json={"name": "portal"}, headers={"X-CSRF-Token": "0" * 64})
    assert r.status_code == 403
    r = client.post("/api/v1/tokens", json={"name": "portal"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    assert client.get("/api/v1/tokens").status_code == 200  # safe methods need none


def test_logout_ends_the_session_and_a_forged_cookie_is_refused(
    client: TestClient, world: World
) -> None:
    csrf = _login(client, world.emails["clerk"]).json()["csrf_token"]
    stolen = client.cookies.get(SESSION_COOKIE)
    assert stolen is not None
    assert client.post("/api/v1/auth/logout").status_code == 403  # no CSRF header
    r = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    client.cookies.set(SESSION_COOKIE, stolen)  # the old cookie no longer opens anything
    assert client.get("/api/v1/auth/me").status_code == 401
    secret, _, mac = stolen.rpartition(".")
    client.cookies.set(SESSION_COOKIE, f"{secret}x.{mac}")
    r = client.get("/api/v1/auth/me")
    assert r.status_code == 401 and r.json()["detail"].startswith("Su sesión ha terminado")
    assert "auth.logout" in _actions(world)


def test_bearer_tokens_work_without_csrf_and_can_be_revoked(
    client: TestClient, world: World
) -> None:
    headers = world.headers("secretary")
    r = client.post("/api/v1/tokens", json={"name": "sede electrónica"}, headers=headers)
    assert r.status_code == 201, r.text
    created = r.json()
    token = created["token"]
    assert token.startswith("pln_") and created["prefix"] == token[:12]
    assert "token_hash" not in created
    bearer = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/auth/me", headers=bearer)
    assert me.status_code == 200 and me.json()["csrf_token"] is None
    listed = client.get("/api/v1/tokens", headers=bearer).json()
    assert {t["name"] for t in listed} == {"secretary token", "sede electrónica"}
    assert all("token" not in t for t in listed)
    with world.db.session() as s:
        row = s.get(ApiToken, created["id"])
        assert row is not None and row.token_hash != token and row.last_used_at is not None
    # Another user cannot revoke it; its owner can.
    r = client.delete(f"/api/v1/tokens/{created['id']}", headers=world.headers("admin"))
    assert r.status_code == 404
    r = client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer)
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    r = client.get("/api/v1/auth/me", headers=bearer)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {
        "detail": "Token de API no válido, caducado o revocado. Cree un token nuevo."
    }
    r = client.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and "Bearer" in r.json()["detail"]
    assert {"token.create", "token.revoke"} <= set(_actions(world))


def test_an_oversized_login_body_is_refused_unread(client: TestClient) -> None:
    r = client.post("/api/v1/auth/login", content=b"{" + b" " * 100_000 + b"}")
    assert r.status_code == 422 and "demasiado grande" in r.json()["detail"]


SHORT = "once chars."  # 11 characters
SHORT_DETAIL = "La contraseña tiene menos de 12 caracteres."


def test_passwords_shorter_than_12_are_422_in_spanish(client: TestClient, world: World) -> None:
    h = world.headers("admin")
    body = {"email": "nueva@a.example.org", "password": SHORT, "role": "clerk"}
    r = client.post("/api/v1/users", json=body, headers=h)
    assert r.status_code == 422 and r.json()["detail"].startswith(SHORT_DETAIL)
    r = client.patch(f"/api/v1/users/{world.users['clerk']}", json={"password": SHORT}, headers=h)
    assert r.status_code == 422 and r.json()["detail"].startswith(SHORT_DETAIL)
    change = {"current_password": PASSWORD, "new_password": SHORT}
    r = client.post("/api/v1/auth/password", json=change, headers=world.headers("clerk"))
    assert r.status_code == 422 and r.json()["detail"].startswith(SHORT_DETAIL)
    r = client.post("/api/v1/users", json={**body, "password": SHORT + "x"}, headers=h)
    assert r.status_code == 201, r.text


def _csrf_login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    r = _login(client, email, password)
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}


def test_changing_ones_password_ends_the_other_sessions_and_every_token(
    app: object, client: TestClient, world: World
) -> None:
    email = world.emails["clerk"]
    new = "una frase nueva y larga"
    with TestClient(app) as elsewhere:  # type: ignore[arg-type]
        _csrf_login(elsewhere, email)
        csrf = _csrf_login(client, email)
        change = {"current_password": PASSWORD, "new_password": new}
        r = client.post("/api/v1/auth/password", json=change)
        assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"]
        wrong = {"current_password": "not my password", "new_password": new}
        r = client.post("/api/v1/auth/password", json=wrong, headers=csrf)
        assert r.status_code == 403
        assert r.json()["detail"].startswith("La contraseña actual no es correcta.")
        r = client.post("/api/v1/auth/password", json=change, headers=csrf)
        assert r.status_code == 200, r.text
        assert r.json() == {"sessions_closed": 1, "tokens_revoked": 1}
        assert client.get("/api/v1/auth/me").status_code == 200  # this session stays
        assert elsewhere.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers=world.headers("clerk")).status_code == 401
    client.cookies.clear()
    assert _login(client, email).status_code == 401
    assert _login(client, email, new).status_code == 200
    assert "auth.password_change" in _actions(world)


def test_a_password_changed_with_a_token_revokes_that_token_too(
    client: TestClient, world: World
) -> None:
    h = world.headers("secretary")
    change = {"current_password": PASSWORD, "new_password": "otra frase larga y nueva"}
    r = client.post("/api/v1/auth/password", json=change, headers=h)
    assert r.status_code == 200 and r.json()["tokens_revoked"] == 1
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401


def test_a_password_set_by_an_admin_revokes_the_users_sessions_and_tokens(
    client: TestClient, world: World
) -> None:
    _login(client, world.emails["clerk"])
    stolen = client.cookies.get(SESSION_COOKIE)
    client.cookies.clear()
    h = world.headers("admin")
    r = client.patch(
        f"/api/v1/users/{world.users['clerk']}",
        json={"password": "una clave que puso el admin"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/auth/me", headers=world.headers("clerk")).status_code == 401
    client.cookies.set(SESSION_COOKIE, stolen or "")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_tokens_can_expire(client: TestClient, world: World) -> None:
    h = world.headers("secretary")
    r = client.post("/api/v1/tokens", json={"name": "sede", "expires_in_days": 30}, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["expires_at"] is not None
    bearer = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    with world.db.transaction() as s:
        row = s.get(ApiToken, created["id"])
        assert row is not None and row.expires_at is not None
        assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
        row.expires_at = utcnow() - timedelta(seconds=1)
    r = client.get("/api/v1/auth/me", headers=bearer)
    assert r.status_code == 401 and "caducado" in r.json()["detail"]
    listed = {t["id"]: t for t in client.get("/api/v1/tokens", headers=h).json()}
    assert listed[created["id"]]["expires_at"] is not None
    r = client.post("/api/v1/tokens", json={"name": "x", "expires_in_days": 0}, headers=h)
    assert r.status_code == 422
    r = client.post("/api/v1/tokens", json={"name": "forever"}, headers=h)
    assert r.status_code == 201 and r.json()["expires_at"] is None


def test_an_email_taken_in_another_council_gets_the_generic_answer(
    client: TestClient, world: World
) -> None:
    h = world.headers("admin")
    details = []
    for email in (world.emails["other"], world.emails["clerk"]):  # council B, council A
        body = {"email": email, "password": "una clave bastante larga", "role": "clerk"}
        r = client.post("/api/v1/users", json=body, headers=h)
        assert r.status_code == 409
        details.append(r.json()["detail"].replace(email, "EMAIL"))
    assert details[0] == details[1]  # the same answer: nothing says where it exists
    assert details[0].startswith("No se puede crear una cuenta con el correo EMAIL.")
    assert "villa-b" not in details[0].lower() and "existe" not in details[0]


def _form_token(client: TestClient) -> str:
    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_the_login_form_needs_its_token_and_the_same_origin(
    client: TestClient, world: World
) -> None:
    fields = {"email": world.emails["clerk"], "password": PASSWORD, "next": "/"}
    r = client.post("/login", data=fields, follow_redirects=False)  # no token
    assert r.status_code == 403 and "caducado" in r.json()["detail"]
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    page = client.post("/login", data=fields, headers={"Accept": "text/html"})
    assert page.status_code == 403 and "El formulario ha caducado" in page.text
    token = _form_token(client)
    r = client.post("/login", data={**fields, "csrf_token": "0" * 64}, follow_redirects=False)
    assert r.status_code == 403
    token = _form_token(client)
    foreign = {"Origin": "https://evil.example"}
    r = client.post(
        "/login", data={**fields, "csrf_token": token}, headers=foreign, follow_redirects=False
    )
    assert r.status_code == 403 and "otro sitio" in r.json()["detail"]
    token = _form_token(client)
    r = client.post(
        "/login",
        data={**fields, "csrf_token": token},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert client.cookies.get(SESSION_COOKIE)


def test_the_login_api_refuses_another_sites_page(client: TestClient, world: World) -> None:
    body = {"email": world.emails["clerk"], "password": PASSWORD}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://testserver.evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        r = client.post("/api/v1/auth/login", data=body, headers=headers)
        assert r.status_code == 403, headers
        assert r.json()["detail"].startswith("Entrada refusada: el formulario viene de otro sitio")
        assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    for headers in ({"Origin": "http://testserver"}, {"Sec-Fetch-Site": "same-origin"}, {}):
        r = client.post("/api/v1/auth/login", json=body, headers=headers)
        assert r.status_code == 200, (headers, r.text)
