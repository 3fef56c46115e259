"""What guards a password check: the client's address, login CSRF, a cap on Argon2 hashes.

- :func:`client_address`: the peer, or when the peer is one of
  ``PLENARIA_TRUSTED_PROXIES`` the rightmost ``X-Forwarded-For`` address that is
  not (uvicorn is started with the same list, so ``request.client`` agrees).
- :func:`check_origin`: a login posted from another site (``Origin`` or
  ``Sec-Fetch-Site``) is refused, so no page can log a browser into the
  attacker's account. The web form also carries a token bound to a cookie
  (:func:`login_form_token`).
- :class:`HashSlots`: at most ``login_max_concurrent_hashes`` password checks (64 MiB
  of Argon2 each) at once per process; one more is answered 503 with Retry-After at
  once instead of waiting in an unbounded queue.
"""

from __future__ import annotations

import secrets
import threading
from ipaddress import IPv4Network, IPv6Network, ip_address
from urllib.parse import urlsplit

from fastapi import Request, Response

from plenaria import accounts
from plenaria.api.errors import ServiceUnavailableError
from plenaria.config import Settings
from plenaria.db import accounts as repo
from plenaria.errors import PermissionDeniedError

SESSION_COOKIE = "plenaria_session"
SECURE_SESSION_COOKIE = "__Host-plenaria_session"  # HTTPS only, this host only, path /
LOGIN_COOKIE = "plenaria_login"
SECURE_LOGIN_COOKIE = "__Host-plenaria_login"
BUSY_RETRY_S = 2

Networks = tuple[IPv4Network | IPv6Network, ...]


def session_cookie_name(settings: Settings) -> str:
    return SECURE_SESSION_COOKIE if settings.cookie_secure else SESSION_COOKIE


def login_cookie_name(settings: Settings) -> str:
    return SECURE_LOGIN_COOKIE if settings.cookie_secure else LOGIN_COOKIE


def set_session_cookie(response: Response, settings: Settings, secret: str) -> None:
    response.set_cookie(
        session_cookie_name(settings),
        accounts.sign_cookie(settings.secret_key.get_secret_value(), secret),
        max_age=int(repo.SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


def _trusted(address: str, networks: Networks) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str | None, forwarded_for: str | None, networks: Networks) -> str:
    """The client's address: ``X-Forwarded-For`` is believed only from a trusted peer.

    Read from the right (each proxy appends the address it saw): the first address
    that is not a trusted proxy is the client; the ones left of it are the client's
    own claims. When every address is trusted, the leftmost one.
    """
    if not peer:
        return "unknown"
    if not forwarded_for or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def request_address(request: Request) -> str:
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), settings.trusted_networks)


def _host(netloc: str, scheme: str) -> str:
    netloc = netloc.strip().lower()
    for default in ({"http": ":80", "https": ":443"}.get(scheme, ""), ""):
        if default and netloc.endswith(default):
            return netloc[: -len(default)]
    return netloc


def check_origin(request: Request) -> None:
    """Refuse a login posted by a page of another site (login CSRF).

    A browser says where a POST comes from (``Origin``; ``Sec-Fetch-Site``); a client
    that is not a browser sends neither and is not refused. Own hosts: ``Host``, and
    ``X-Forwarded-Host`` from a trusted proxy.
    """
    site = request.headers.get("sec-fetch-site", "").lower()
    origin = request.headers.get("origin")
    if site == "cross-site":
        refused = origin or "otro sitio"
    elif origin is None:
        return
    else:
        parts = urlsplit(origin)
        own = {_host(request.headers.get("host", ""), request.url.scheme)}
        settings: Settings = request.app.state.settings
        peer = request.client.host if request.client else ""
        forwarded = request.headers.get("x-forwarded-host")
        if forwarded and _trusted(peer, settings.trusted_networks):
            own.add(_host(forwarded.split(",")[0], parts.scheme))
        if origin != "null" and parts.netloc and _host(parts.netloc, parts.scheme) in own:
            return
        refused = origin
    raise PermissionDeniedError(
        f"Entrada refusada: el formulario viene de otro sitio ({refused[:100]}).",
        "Entre desde la página de entrada de Plenaria.",
    )


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def login_form_token(settings: Settings, nonce: str) -> str:
    """The login form's CSRF token, bound to the nonce in the login cookie."""
    return accounts.csrf_token(settings.secret_key.get_secret_value(), "login:" + nonce)


def login_form_token_valid(settings: Settings, nonce: str | None, token: str | None) -> bool:
    key = settings.secret_key.get_secret_value()
    return bool(nonce) and accounts.csrf_valid(key, "login:" + str(nonce), token)


class HashesBusyError(ServiceUnavailableError):
    """Every password-check slot is taken (503 with Retry-After)."""

    retry_after_s = BUSY_RETRY_S


class HashSlots:
    """A non-blocking cap on concurrent Argon2 hashes (one per process, per app)."""

    def __init__(self, size: int) -> None:
        self._slots = threading.BoundedSemaphore(size)

    def __enter__(self) -> HashSlots:
        if not self._slots.acquire(blocking=False):
            raise HashesBusyError(
                "El servidor está comprobando demasiadas contraseñas a la vez.",
                f"Vuelva a intentarlo en {BUSY_RETRY_S} segundos.",
            )
        return self

    def __exit__(self, *_: object) -> None:
        self._slots.release()


_slots_lock = threading.Lock()


def hash_slots(request: Request) -> HashSlots:
    """The app's slots, made on first use with ``login_max_concurrent_hashes``."""
    state = request.app.state
    with _slots_lock:
        slots: HashSlots | None = getattr(state, "hash_slots", None)
        if slots is None:
            settings: Settings = state.settings
            slots = HashSlots(settings.login_max_concurrent_hashes)
            state.hash_slots = slots
        return slots
