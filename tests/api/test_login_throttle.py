"""Login throttling: per-account back-off, per-address limit, trusted proxies, the hash cap.

Every test runs the real app (``create_app``) on SQLite and PostgreSQL with real
argon2 hashes; the client's address is set by a trusted proxy's X-Forwarded-For
(or by the TestClient's peer address).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from conftest import PASSWORD, World
from plenaria.api.app import create_app
from plenaria.api.login_guard import client_address
from plenaria.cli.service import proxy_options
from plenaria.config import Settings
from plenaria.db.models import AuditEntry, User

PROXY = "10.9.0.1"
LOGIN = "/api/v1/auth/login"


@contextmanager
def app_client(
    settings: Settings, peer: str = PROXY, **updates: Any
) -> Iterator[tuple[TestClient, Any]]:
    """The app with ``updates`` to the settings, called from ``peer``."""
    app = create_app(settings.model_copy(update={"trusted_proxies": "10.9.0.0/24", **updates}))
    with TestClient(app, client=(peer, 40000)) as client:
        yield client, app


def attempt(
    client: TestClient, email: str, password: str, address: str | None = None
) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    response = client.post(LOGIN, json={"email": email, "password": password}, headers=headers)
    client.cookies.clear()
    return response


def test_an_account_backs_off_after_failures_from_many_addresses_while_others_log_in(
    settings: Settings, world: World
) -> None:
    victim, other = world.emails["secretary"], world.emails["clerk"]
    with app_client(settings, login_free_failures=3, login_attempts_per_minute=100) as (c, _):
        for n in range(3):  # three addresses, one failure each: no per-address limit helps
            assert attempt(c, victim, "wrong password", f"198.51.100.{n}").status_code == 401
        r = attempt(c, victim, PASSWORD, "198.51.100.9")  # even the right password waits
        assert r.status_code == 429
        assert r.headers["retry-after"] == "1"
        assert r.json()["detail"].startswith("Demasiados intentos de entrada. Espere 1 segundos")
        assert attempt(c, other, PASSWORD, "198.51.100.9").status_code == 200
        time.sleep(1.1)  # the wait ends by itself: no lockout an attacker can hold
        assert attempt(c, victim, "wrong password", "198.51.100.20").status_code == 401
        r = attempt(c, victim, PASSWORD, "198.51.100.21")
        assert r.status_code == 429 and r.headers["retry-after"] == "2"  # doubled
        time.sleep(2.1)
        assert attempt(c, victim, PASSWORD, "198.51.100.22").status_code == 200
        # A success forgets the failures: the next ones are free again.
        for n in range(2):
            assert attempt(c, victim, "wrong password", f"198.51.100.3{n}").status_code == 401
        assert attempt(c, victim, PASSWORD, "198.51.100.40").status_code == 200


def test_the_back_off_is_capped(settings: Settings, world: World) -> None:
    victim = world.emails["secretary"]
    with app_client(settings, login_free_failures=1, login_backoff_max_s=1) as (c, _):
        for n in range(4):
            assert attempt(c, victim, "wrong password", f"198.51.100.{n}").status_code == 401
            r = attempt(c, victim, "wrong password", f"198.51.100.{n}")
            assert r.status_code == 429 and r.headers["retry-after"] == "1"
            time.sleep(1.05)


def test_one_address_has_a_limit_over_every_account(settings: Settings, world: World) -> None:
    with app_client(settings, login_attempts_per_minute=4) as (c, _):
        for n in range(4):
            r = attempt(c, f"nobody{n}@x.org", "wrong password", "203.0.113.7")
            assert r.status_code == 401
        r = attempt(c, world.emails["clerk"], PASSWORD, "203.0.113.7")
        assert r.status_code == 429
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert "Demasiados intentos" in r.json()["detail"]
        assert attempt(c, "nobody9@x.org", "wrong password", "203.0.113.8").status_code == 401
        # Successful logins give their attempt back: a shared office address is not limited.
        for _ in range(6):
            assert attempt(c, world.emails["clerk"], PASSWORD, "203.0.113.9").status_code == 200


def _last_login_ip(world: World, action: str) -> str:
    with world.db.session() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.at.desc())
        ).first()
        assert entry is not None
        return str(entry.detail["ip"])


def test_forwarded_for_is_ignored_from_an_untrusted_peer(settings: Settings, world: World) -> None:
    with app_client(settings, peer="203.0.113.50", login_attempts_per_minute=2) as (c, _):
        for n in range(2):
            r = attempt(c, f"nobody{n}@x.org", "wrong password", f"198.51.100.{n}")
            assert r.status_code == 401
        # Another forged address does not reset the peer's count.
        r = attempt(c, world.emails["clerk"], PASSWORD, "198.51.100.77")
        assert r.status_code == 429
    with app_client(settings, peer="203.0.113.51") as (c, _):
        r = attempt(c, world.emails["clerk"], PASSWORD, "198.51.100.77")
        assert r.status_code == 200
        assert _last_login_ip(world, "auth.login") == "203.0.113.51"


def test_forwarded_for_is_believed_from_a_trusted_proxy(settings: Settings, world: World) -> None:
    with app_client(settings, login_attempts_per_minute=2) as (c, _):
        for n in range(5):  # five clients behind the proxy: each has its own count
            r = attempt(c, f"nobody{n}@x.org", "wrong password", f"198.51.100.{n}")
            assert r.status_code == 401
        # The proxy appends what it saw; what the client wrote left of it is not believed.
        r = attempt(c, world.emails["clerk"], PASSWORD, "6.6.6.6, 198.51.100.60, 10.9.0.2")
        assert r.status_code == 200
        assert _last_login_ip(world, "auth.login") == "198.51.100.60"


def test_client_address_reads_forwarded_for_from_the_right() -> None:
    trusted = Settings(trusted_proxies="10.9.0.0/24, ::1").trusted_networks
    assert client_address("10.9.0.1", "1.2.3.4, 10.9.0.3", trusted) == "1.2.3.4"
    assert client_address("10.9.0.1", "6.6.6.6, 1.2.3.4", trusted) == "1.2.3.4"
    assert client_address("192.0.2.1", "1.2.3.4", trusted) == "192.0.2.1"
    assert client_address("::1", "10.9.0.4", trusted) == "10.9.0.4"  # all trusted: leftmost
    assert client_address("10.9.0.1", None, trusted) == "10.9.0.1"
    assert client_address(None, "1.2.3.4", trusted) == "unknown"


def test_uvicorn_believes_the_same_proxies_as_the_app(settings: Settings, world: World) -> None:
    """Behind uvicorn's proxy middleware (as `plenaria api` runs it) the address is the same."""
    configured = settings.model_copy(update={"trusted_proxies": "10.9.0.0/24"})
    options = proxy_options(configured)
    assert options == {"proxy_headers": True, "forwarded_allow_ips": "10.9.0.0/24"}
    assert proxy_options(configured.model_copy(update={"trusted_proxies": ""})) == {
        "proxy_headers": False,
        "forwarded_allow_ips": None,
    }
    app = ProxyHeadersMiddleware(create_app(configured), options["forwarded_allow_ips"])
    for peer, expected in (("10.9.0.1", "198.51.100.5"), ("203.0.113.5", "203.0.113.5")):
        with TestClient(app, client=(peer, 40000)) as c:  # type: ignore[arg-type]
            r = attempt(c, world.emails["clerk"], PASSWORD, "6.6.6.6, 198.51.100.5")
            assert r.status_code == 200
            assert _last_login_ip(world, "auth.login") == expected
    with pytest.raises(Exception, match="PLENARIA_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.9.0.0/33").check_safe()


def test_password_checks_beyond_the_cap_are_refused_at_once(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real, costly argon2id hash for the account (about what production pays per login).
    costly = PasswordHasher(time_cost=8, memory_cost=64 * 1024, parallelism=1).hash(PASSWORD)
    with world.db.transaction() as s:
        user = s.get(User, world.users["clerk"])
        assert user is not None
        user.password_hash = costly
    with app_client(settings, login_max_concurrent_hashes=1) as (c, _):
        start = threading.Barrier(4)
        answers: list[httpx.Response] = []

        def one(n: int) -> None:
            start.wait()
            answers.append(
                c.post(
                    LOGIN,
                    json={"email": world.emails["clerk"], "password": f"wrong password {n}"},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                )
            )

        threads = [threading.Thread(target=one, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        codes = sorted(r.status_code for r in answers)
        assert codes.count(401) >= 1 and codes.count(503) >= 1, codes
        busy = next(r for r in answers if r.status_code == 503)
        assert busy.headers["retry-after"] == "2"
        assert busy.json()["detail"].startswith("El servidor está comprobando demasiadas")
        # The slot is given back: one at a time goes through.
        assert attempt(c, world.emails["clerk"], PASSWORD, "198.51.100.9").status_code == 200
