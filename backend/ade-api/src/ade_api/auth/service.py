"""Sign-in rules: login with throttling and lockout, token and API key checks, logout, API
key lifecycle.

Knows nothing of HTTP; raises `ade_api.errors` classes. Every credential failure of one kind
answers with the same words, so callers learn nothing about which accounts exist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ade_api.auth import security
from ade_api.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from ade_api.auth.throttle import LoginThrottle
from ade_api.errors import (
    AuthenticationRequiredError,
    FieldProblem,
    InvalidInputError,
    NotFoundError,
)
from ade_api.pagination import Page, PageParams, paginate
from ade_api.settings import ApiSettings
from ade_db.models import ApiKey, RevokedToken, User
from ade_db.types import utcnow

logger = logging.getLogger(__name__)

BAD_LOGIN = "incorrect email or password"
BAD_API_KEY = "the API key is invalid, expired or revoked"
# `last_used_at` is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling, and with which credential (a login token or an API key)."""

    user: User
    token_jti: str | None = None
    token_expires_at: datetime | None = None
    api_key_id: str | None = None


# --- login -----------------------------------------------------------------------------------


def login(
    session: Session,
    settings: ApiSettings,
    throttle: LoginThrottle,
    *,
    email: str,
    password: str,
    client: str,
) -> security.IssuedToken:
    """Check the password and issue a login token.

    First the attempt counts against `client` (its address): past `login_ip_max_attempts` in
    a window, 429 before any account is looked up, so it tells nothing about accounts.
    Unknown email, wrong password, inactive or locked account: the same 401, after the same
    amount of hashing. `login_max_failures` wrong passwords in a row lock the account for
    `login_lockout_seconds`; while locked even the right password is refused. Success resets
    the count. A failure is committed here, before raising, so the rollback of the failed
    request does not undo it.
    """
    throttle.hit(client)
    now = utcnow()
    user = session.scalar(select(User).where(User.email == security.normalize_email(email)))
    if user is None or user.password_hash is None or not user.is_active:
        security.spend_password_check(password)
        raise AuthenticationRequiredError(BAD_LOGIN)
    if user.locked_until is not None and user.locked_until > now:
        security.spend_password_check(password)
        logger.info("login refused: account locked", extra={"user_id": user.id})
        raise AuthenticationRequiredError(BAD_LOGIN)
    if not security.verify_password(user.password_hash, password):
        _record_failure(session, settings, user.id, now)
        session.commit()
        raise AuthenticationRequiredError(BAD_LOGIN)
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    issued = sign_in(settings, user, now=now)
    logger.info("login succeeded", extra={"user_id": user.id})
    return issued


def sign_in(
    settings: ApiSettings, user: User, *, now: datetime | None = None
) -> security.IssuedToken:
    """A login token for `user`, whose credentials the caller has checked."""
    now = now or utcnow()
    user.last_login_at = now
    return security.issue_access_token(
        user.id,
        secret_key=settings.secret_key.get_secret_value(),
        ttl_seconds=settings.access_token_ttl_seconds,
        now=now,
    )


def _record_failure(session: Session, settings: ApiSettings, user_id: str, now: datetime) -> None:
    # One atomic increment, so concurrent guesses are all counted.
    count = session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_login_count=User.failed_login_count + 1)
        .returning(User.failed_login_count)
    ).scalar_one()
    if count >= settings.login_max_failures:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(
                failed_login_count=0,
                locked_until=now + timedelta(seconds=settings.login_lockout_seconds),
            )
        )
        logger.warning(
            "account locked after repeated failed logins",
            extra={"user_id": user_id, "lockout_seconds": settings.login_lockout_seconds},
        )
    else:
        logger.info("login failed: wrong password", extra={"user_id": user_id})


# --- who is calling --------------------------------------------------------------------------


def _active_user(session: Session, user_id: str, detail: str) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise AuthenticationRequiredError(detail)
    return user


# One query for the user and the revocation (a revoked token's row goes with its user). Built
# once, as the other look-ups of every request are: a statement object reused with new values
# is neither built nor given a cache key again, which costs more than running it on SQLite.
_TOKEN_CALLER = select(
    User, select(RevokedToken.jti).where(RevokedToken.jti == bindparam("jti")).exists()
).where(User.id == bindparam("user_id"))


def authenticate_token(session: Session, claims: security.TokenClaims) -> Principal:
    """The caller of a login token whose signature, expiry and lifetime
    `security.decode_access_token` has checked: not revoked, active user."""
    found = session.execute(
        _TOKEN_CALLER, {"user_id": claims.user_id, "jti": claims.jti}
    ).one_or_none()
    if found is not None and found[1]:
        raise AuthenticationRequiredError("the token has been revoked; sign in again")
    user = found[0] if found is not None else None
    if user is None or not user.is_active:
        raise AuthenticationRequiredError("the token is invalid")
    return Principal(user=user, token_jti=claims.jti, token_expires_at=claims.expires_at)


def authenticate_api_key(session: Session, key: str) -> Principal:
    """The caller of an API key: known digest, not revoked, unexpired, active user."""
    now = utcnow()
    prefix = security.api_key_prefix(key)
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix)) if prefix else None
    # Always compare, even without a row, so timing does not tell prefixes apart.
    if not security.api_key_matches(key, row.secret_hash if row else None) or row is None:
        raise AuthenticationRequiredError(BAD_API_KEY)
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise AuthenticationRequiredError(BAD_API_KEY)
    user = _active_user(session, row.user_id, BAD_API_KEY)
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return Principal(user=user, api_key_id=row.id)


def logout(session: Session, principal: Principal) -> None:
    """Revoke the login token the caller presented; it answers 401 from now on.

    Revocations of tokens that have expired anyway are pruned on the way.
    """
    if principal.token_jti is None or principal.token_expires_at is None:
        raise InvalidInputError(
            "logout ends a login token; an API key is revoked with DELETE /api/v1/me/api-keys/{id}"
        )
    now = utcnow()
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at <= now))
    try:
        with session.begin_nested():
            session.add(
                RevokedToken(
                    jti=principal.token_jti,
                    user_id=principal.user.id,
                    expires_at=principal.token_expires_at,
                    revoked_at=now,
                )
            )
    except IntegrityError:
        pass  # a concurrent logout with the same token already revoked it
    logger.info("logout", extra={"user_id": principal.user.id})


# --- API keys --------------------------------------------------------------------------------


def create_api_key(session: Session, user: User, data: ApiKeyCreate) -> ApiKeyCreated:
    """A new key for `user`; its secret is in the answer and nowhere else."""
    now = utcnow()
    if data.expires_at is not None and data.expires_at <= now:
        raise InvalidInputError(
            "the key would already be expired",
            errors=[FieldProblem(("body", "expires_at"), "must be in the future")],
        )
    generated = security.generate_api_key()
    row = ApiKey(
        user_id=user.id,
        name=data.name,
        prefix=generated.prefix,
        secret_hash=generated.digest,
        expires_at=data.expires_at,
    )
    session.add(row)
    session.flush()
    logger.info("api key created", extra={"user_id": user.id, "api_key_id": row.id})
    return ApiKeyCreated(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        secret=generated.key,
        expires_at=row.expires_at,
        created_at=row.created_at,
    )


def list_api_keys(session: Session, user: User, params: PageParams) -> Page[ApiKeyOut]:
    """The caller's keys that are not revoked (expired ones included, to see and delete)."""
    statement = select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
    return paginate(
        session,
        statement,
        params,
        sortable={
            "created_at": ApiKey.created_at,
            "name": ApiKey.name,
            "expires_at": ApiKey.expires_at,
            "last_used_at": ApiKey.last_used_at,
        },
        default_sort=["-created_at"],
        tiebreak=ApiKey.id,
        to_item=lambda row: ApiKeyOut.model_validate(row[0]),
    )


def revoke_api_key(session: Session, user: User, key_id: str) -> None:
    """Revoke one of the caller's keys; it stops working at once. Another user's key: 404."""
    row = session.get(ApiKey, key_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFoundError("no such API key")
    row.revoked_at = utcnow()
    logger.info("api key revoked", extra={"user_id": user.id, "api_key_id": row.id})
