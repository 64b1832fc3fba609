"""The cryptography of signing in: password hashes, login tokens and API key digests.

Pure functions over strings and bytes; no database, no HTTP. Secrets passed in here are never
logged or put into exception messages.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ade_api.errors import AuthenticationRequiredError

TOKEN_ALGORITHM = "HS256"  # noqa: S105  (an algorithm name, not a secret)
_REQUIRED_CLAIMS = ["sub", "jti", "iat", "exp"]

# argon2id with the library's current recommended parameters; stored hashes carry their own
# parameters, so raising these later rehashes each password at its owner's next login.
_hasher = PasswordHasher()


# --- passwords -------------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    """The stored form of an email: trimmed and lowercase (one account per address)."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (salted; includes its parameters)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash` (constant-time inside argon2)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's (rehash at login)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def spend_password_check(password: str) -> None:
    """Verify `password` against a throwaway hash, so a login for an unknown or locked
    account takes as long as one with a wrong password."""
    verify_password(_dummy_hash(), password)


# --- login tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """A freshly signed login token and what it says."""

    token: str
    user_id: str
    jti: str
    expires_at: datetime
    expires_in: int


@dataclass(frozen=True)
class TokenClaims:
    """The verified content of a login token."""

    user_id: str
    jti: str
    issued_at: datetime
    expires_at: datetime


def encode_token(claims: dict[str, object], secret_key: str) -> str:
    """Sign `claims` as a JWT (HS256). Tests use it to build expired or odd tokens."""
    return jwt.encode(claims, secret_key, algorithm=TOKEN_ALGORITHM)


def issue_access_token(
    user_id: str, *, secret_key: str, ttl_seconds: int, now: datetime | None = None
) -> IssuedToken:
    """A login token for `user_id`: claims sub, jti (random), iat and exp."""
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    expires = issued + timedelta(seconds=ttl_seconds)
    jti = secrets.token_urlsafe(18)
    claims: dict[str, object] = {
        "sub": user_id,
        "jti": jti,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return IssuedToken(
        token=encode_token(claims, secret_key),
        user_id=user_id,
        jti=jti,
        expires_at=expires,
        expires_in=ttl_seconds,
    )


# A token may claim at most this much more lifetime than `ttl_seconds` allows, for clocks of
# several API hosts that differ a little. Tokens ADE issues claim exactly `ttl_seconds`.
LIFETIME_LEEWAY_SECONDS = 60


def decode_access_token(
    token: str, *, secret_key: str, max_ttl_seconds: int, now: datetime | None = None
) -> TokenClaims:
    """Verify a login token's signature, expiry and lifetime; raise a 401 error if any fails.

    The lifetime is bounded even for a correctly signed token: `exp - iat` and `exp - now`
    may not exceed `max_ttl_seconds` (plus a small leeway). A token forged with a leaked key
    then lives no longer than a real one, and lowering the setting shortens every token.
    """
    user_id, jti, issued_at, expires_at = _signed_claims(token, secret_key)
    current = int((now or datetime.now(UTC)).timestamp())
    if expires_at <= current:  # (as PyJWT checks it, which _signed_claims leaves to here)
        raise AuthenticationRequiredError("the token has expired; sign in again")
    longest = max_ttl_seconds + LIFETIME_LEEWAY_SECONDS
    if expires_at - issued_at > longest or expires_at - current > longest:
        raise AuthenticationRequiredError("the token is invalid")
    return TokenClaims(
        user_id=user_id,
        jti=jti,
        issued_at=datetime.fromtimestamp(issued_at, UTC),
        expires_at=datetime.fromtimestamp(expires_at, UTC),
    )


@lru_cache(maxsize=4096)
def _signed_claims(token: str, secret_key: str) -> tuple[str, str, int, int]:
    """(subject, token id, issued at, expires at) of a token whose signature and claims are
    valid, whatever the time; what depends on the time is checked by the caller.

    Cached: a client sends the same token with every request, and checking its signature was
    about a twentieth of the API's CPU for a job submit. The key is the whole token, signature
    included, and the key it was checked with; a refusal raises, so it is never cached.
    """
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[TOKEN_ALGORITHM],
            options={"require": _REQUIRED_CLAIMS, "verify_exp": False},
        )
    except jwt.PyJWTError:
        raise AuthenticationRequiredError("the token is invalid") from None
    user_id, jti = claims.get("sub"), claims.get("jti")
    if not isinstance(user_id, str) or not isinstance(jti, str) or not 0 < len(jti) <= 64:
        raise AuthenticationRequiredError("the token is invalid")
    try:  # (PyJWT has checked `iat`: a number, not in the future, which it stays)
        return user_id, jti, int(claims["iat"]), int(claims["exp"])
    except (ValueError, TypeError, OverflowError):
        raise AuthenticationRequiredError("the token is invalid") from None


# --- API keys --------------------------------------------------------------------------------

API_KEY_MARK = "ade_"
_PREFIX_HEX_CHARS = 12
PREFIX_LENGTH = len(API_KEY_MARK) + _PREFIX_HEX_CHARS  # "ade_" + 12 hex = 16
_DIGEST_SCHEME = "sha256:"


@dataclass(frozen=True)
class NewApiKey:
    """A generated key: the whole `key` is shown once; `prefix` and `digest` are stored."""

    key: str
    prefix: str
    digest: str


def generate_api_key() -> NewApiKey:
    """A new key `ade_<12 hex>_<43 random url-safe chars>` (256 bits of secret)."""
    prefix = API_KEY_MARK + secrets.token_hex(_PREFIX_HEX_CHARS // 2)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(key=key, prefix=prefix, digest=api_key_digest(key))


def api_key_prefix(key: str) -> str | None:
    """The stored prefix a presented key claims, or None when it is not shaped like a key."""
    if (
        len(key) <= PREFIX_LENGTH + 1
        or len(key) > 200
        or not key.startswith(API_KEY_MARK)
        or key[PREFIX_LENGTH] != "_"
    ):
        return None
    return key[:PREFIX_LENGTH]


def api_key_digest(key: str) -> str:
    """What is stored for a key. The secret is random and long, so a plain SHA-256 suffices."""
    return _DIGEST_SCHEME + hashlib.sha256(key.encode("utf-8")).hexdigest()


# Compared against when no key has the presented prefix, so both paths do the same work.
_MISSING_DIGEST = api_key_digest("ade_000000000000_missing")


def api_key_matches(key: str, stored_digest: str | None) -> bool:
    """Whether `key` hashes to `stored_digest`, compared in constant time."""
    expected = stored_digest if stored_digest is not None else _MISSING_DIGEST
    matched = hmac.compare_digest(api_key_digest(key).encode(), expected.encode())
    return matched and stored_digest is not None
