"""Accounts: login and logout, cookie flags, CSRF, rate limiting, bearer tokens."""

from __future__ import annotations

from conftest import PASSWORD, World
from fastapi.testclient import TestClient
from sqlalchemy import select

from plenaria.api.app import create_app
from plenaria.api.deps import SESSION_COOKIE
from plenaria.config import Settings
from plenaria.db.models import ApiToken, AuditEntry


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
        assert "Secure" in r.headers["set-cookie"]


def test_wrong_credentials_are_one_line_401(client: TestClient, world: World) -> None:
    for email, password in ((world.emails["clerk"], "wrong password"), ("nobody@x.org", PASSWORD)):
        r = _login(client, email, password)
        assert r.status_code == 401
        assert r.json() == {"detail": "Wrong email or password."}
        assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    r = client.post("/api/v1/auth/login", json={"email": "a@b.org"})
    assert r.status_code == 422
    assert "password" in r.json()["detail"] and "\n" not in r.json()["detail"]
    r = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and "JSON" in r.json()["detail"]
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
    assert r.status_code == 401 and r.json()["detail"].startswith("Your session has ended")
    assert "auth.logout" in _actions(world)


def test_failed_logins_are_rate_limited_per_account_and_address(
    client: TestClient, world: World
) -> None:
    email = world.emails["secretary"]
    for _ in range(3):  # settings.login_attempts_per_minute
        assert _login(client, email, "wrong password").status_code == 401
    r = _login(client, email)  # even the right password waits now
    assert r.status_code == 429
    assert r.headers["retry-after"] == "60"
    assert "Too many failed logins" in r.json()["detail"]
    assert _login(client, world.emails["clerk"]).status_code == 200  # other accounts unaffected


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
    assert r.json() == {"detail": "Invalid or revoked API token. Create a new token."}
    r = client.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and "Bearer" in r.json()["detail"]
    assert {"token.create", "token.revoke"} <= set(_actions(world))


def test_an_oversized_login_body_is_refused_unread(client: TestClient) -> None:
    r = client.post("/api/v1/auth/login", content=b"{" + b" " * 100_000 + b"}")
    assert r.status_code == 422 and "too large" in r.json()["detail"]
