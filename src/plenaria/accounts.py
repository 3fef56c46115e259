"""Credentials: argon2 password hashes, API tokens, signed session cookies, CSRF tokens.

Pure functions of their inputs and the secret key; no database, no web framework.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TOKEN_PREFIX = "pln_"
TOKEN_SHOWN_CHARS = 12  # "pln_" and 8 characters, kept in clear to recognise a token


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# A hash to verify against when the account does not exist, so timing tells nothing.
@lru_cache(maxsize=1)
def dummy_password_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_api_token() -> str:
    """A bearer token: ``pln_`` and 43 URL-safe characters (256 random bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_prefix(token: str) -> str:
    return token[:TOKEN_SHOWN_CHARS]


def new_session_secret() -> str:
    return secrets.token_urlsafe(32)


def _mac(secret_key: str, purpose: str, value: str) -> str:
    digest = hmac.new(secret_key.encode("utf-8"), f"{purpose}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()


def sign_cookie(secret_key: str, session_secret: str) -> str:
    """The cookie's value: the session secret and its HMAC."""
    return f"{session_secret}.{_mac(secret_key, 'cookie', session_secret)}"


def unsign_cookie(secret_key: str, cookie: str) -> str | None:
    """The session secret of a well-signed cookie, else None."""
    secret, _, mac = cookie.rpartition(".")
    if not secret or not _same(mac, _mac(secret_key, "cookie", secret)):
        return None
    return secret


def csrf_token(secret_key: str, session_secret: str) -> str:
    """The CSRF token of one browser session (HMAC of its secret)."""
    return _mac(secret_key, "csrf", session_secret)


def csrf_valid(secret_key: str, session_secret: str, token: str | None) -> bool:
    return bool(token) and _same(str(token), csrf_token(secret_key, session_secret))


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
