"""The primitives: password hashes, token signing and API key digests."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from ade_api.auth import security
from ade_api.errors import AuthenticationRequiredError

KEY = "k" * 48


def test_password_hash_round_trip() -> None:
    stored = security.hash_password("hunter2-hunter2")
    assert stored.startswith("$argon2id$")
    assert security.verify_password(stored, "hunter2-hunter2")
    assert not security.verify_password(stored, "hunter3-hunter3")
    assert not security.verify_password("not-a-hash", "hunter2-hunter2")
    assert not security.needs_rehash(stored)
    assert security.needs_rehash("not-a-hash")


def test_issued_tokens_verify_and_carry_the_claims() -> None:
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    old = security.issue_access_token("01USER", secret_key=KEY, ttl_seconds=60, now=long_ago)
    assert old.expires_in == 60
    with pytest.raises(AuthenticationRequiredError, match="expired"):
        security.decode_access_token(old.token, secret_key=KEY, max_ttl_seconds=60)
    fresh = security.issue_access_token("01USER", secret_key=KEY, ttl_seconds=60)
    claims = security.decode_access_token(fresh.token, secret_key=KEY, max_ttl_seconds=60)
    assert (claims.user_id, claims.jti, claims.expires_at) == (
        "01USER",
        fresh.jti,
        fresh.expires_at,
    )
    with pytest.raises(AuthenticationRequiredError, match="invalid"):
        security.decode_access_token(fresh.token, secret_key="x" * 48, max_ttl_seconds=60)


def test_a_token_is_verified_once_and_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    decode = jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    issued = security.issue_access_token("01CACHED", secret_key=KEY, ttl_seconds=600)
    for _ in range(3):
        claims = security.decode_access_token(issued.token, secret_key=KEY, max_ttl_seconds=600)
        assert claims.user_id == "01CACHED"
    assert len(calls) == 1
    # the cached token is still checked against the clock and the lifetime allowed now
    later = issued.expires_at + timedelta(seconds=1)
    with pytest.raises(AuthenticationRequiredError, match="expired"):
        security.decode_access_token(issued.token, secret_key=KEY, max_ttl_seconds=600, now=later)
    with pytest.raises(AuthenticationRequiredError, match="invalid"):
        security.decode_access_token(issued.token, secret_key=KEY, max_ttl_seconds=60)
    # ... and only with the key it was verified with
    with pytest.raises(AuthenticationRequiredError, match="invalid"):
        security.decode_access_token(issued.token, secret_key="y" * 48, max_ttl_seconds=600)


@pytest.mark.parametrize("bad", [{"exp": "soon"}, {"iat": "then"}, {"sub": 7}, {"jti": ""}])
def test_a_signed_token_with_malformed_claims_is_invalid_every_time(bad: dict[str, Any]) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": "01USER", "jti": "j1", "iat": now, "exp": now + 60, **bad}
    token = jwt.encode(claims, KEY, algorithm=security.TOKEN_ALGORITHM)
    for _ in range(2):  # a refusal is not cached
        with pytest.raises(AuthenticationRequiredError, match="invalid"):
            security.decode_access_token(token, secret_key=KEY, max_ttl_seconds=60)


def test_api_keys_are_random_and_parse_back_to_their_prefix() -> None:
    first, second = security.generate_api_key(), security.generate_api_key()
    assert first.key != second.key
    assert first.prefix != second.prefix
    assert len(first.prefix) == security.PREFIX_LENGTH <= 32
    assert security.api_key_prefix(first.key) == first.prefix
    assert security.api_key_matches(first.key, first.digest)
    assert not security.api_key_matches(first.key, second.digest)
    assert not security.api_key_matches(first.key, None)
    for bad in ["", "ade_", "ade_123", "xyz_0123456789ab_secret", "ade_0123456789abXsecret"]:
        assert security.api_key_prefix(bad) is None


MODULES = [
    "ade_api.auth.dependencies",
    "ade_api.auth.router",
    "ade_api.auth.security",
    "ade_api.auth.service",
    "ade_api.users.router",
    "ade_api.users.service",
    "ade_api.dependencies",
]


_IMPORT_EACH_FIRST = """
import importlib, sys
for module in sys.argv[1:]:
    for name in [n for n in sys.modules if n == "ade_api" or n.startswith("ade_api.")]:
        del sys.modules[name]
    importlib.import_module(module)
"""


def test_every_module_imports_first() -> None:
    # `ade_api.dependencies` and `ade_api.auth.dependencies` import each other: whichever is
    # imported first must work. One fresh process; ade_api is forgotten before each import.
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH_FIRST, *MODULES],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
