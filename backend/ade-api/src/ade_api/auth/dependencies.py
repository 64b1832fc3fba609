"""Who is calling: `Authorization: Bearer <token>` or `X-API-Key: <key>`, resolved once per
request. Routers use `CurrentUser` (re-exported by `ade_api.dependencies`).

Two steps. `get_credentials` checks what can be checked without the database, on the event
loop: a credential is present, and a login token's signature, expiry and lifetime (CPU only,
tens of microseconds). So a missing, forged or expired credential is a 401 before the body is
validated. `resolve_principal` then looks the caller up (the user, the token's revocation, the
API key's digest) in the request's session, once: the principal is kept in the request's state,
so the workspace check (`ade_api.workspaces.dependencies`) can resolve the caller and the
workspace in the same thread hop, and a route that asks for both never looks twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from ade_api.auth import security, service
from ade_api.auth.service import Principal
from ade_api.auth.throttle import LoginThrottle
from ade_api.dependencies import SessionDep, SettingsDep
from ade_api.errors import AuthenticationRequiredError
from ade_db.models import User

# auto_error=False: a missing credential is answered by our own 401 problem, not FastAPI's.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A login token from `POST /api/v1/auth/login`.",
)
api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="api_key",
    description="An API key from `POST /api/v1/me/api-keys`.",
)
_PRINCIPAL = "principal"


@dataclass(frozen=True)
class Credentials:
    """What the request presented: a login token's verified claims, or an API key (checked
    against its stored digest by `resolve_principal`, with the database)."""

    claims: security.TokenClaims | None = None
    api_key: str | None = None


async def get_credentials(
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Credentials:
    """The request's credential (a Bearer token wins over an API key); 401 when there is
    none, or when the token's signature, expiry or lifetime is wrong."""
    if bearer is not None and bearer.credentials:
        claims = security.decode_access_token(
            bearer.credentials,
            secret_key=settings.secret_key.get_secret_value(),
            max_ttl_seconds=settings.access_token_ttl_seconds,
        )
        return Credentials(claims=claims)
    if api_key:
        return Credentials(api_key=api_key)
    raise AuthenticationRequiredError(
        "sign in: send `Authorization: Bearer <token>` (POST /api/v1/auth/login) "
        "or `X-API-Key: <key>`"
    )


def resolve_principal(request: Request, session: Session, credentials: Credentials) -> Principal:
    """The caller (401 when the token is revoked, the key unknown, revoked or expired, or the
    user inactive), looked up at most once per request. Database work: call it in the
    threadpool, as the dependencies below do.

    The user id goes into the request state, where the access log picks it up.
    """
    state = request.scope.setdefault("state", {})
    known: Principal | None = state.get(_PRINCIPAL)
    if known is not None:
        return known
    if credentials.claims is not None:
        principal = service.authenticate_token(session, credentials.claims)
    else:
        principal = service.authenticate_api_key(session, credentials.api_key or "")
    state[_PRINCIPAL] = principal
    state["user_id"] = principal.user.id
    return principal


def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[Credentials, Depends(get_credentials)],
) -> Principal:
    """The signed-in caller (one hop to the threadpool: it reads the database)."""
    return resolve_principal(request, session, credentials)


async def get_login_throttle(request: Request, settings: SettingsDep) -> LoginThrottle:
    """The login attempt counter, on the Redis the app holds (tests swap that Redis in)."""
    return LoginThrottle(
        redis=request.app.state.redis,
        namespace=request.app.state.queue_name,
        max_attempts=settings.login_ip_max_attempts,
        window_seconds=settings.login_ip_window_seconds,
    )


async def get_current_user(principal: Annotated[Principal, Depends(get_principal)]) -> User:
    """The signed-in user."""
    return principal.user


CredentialsDep = Annotated[Credentials, Depends(get_credentials)]
LoginThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
CurrentUser = Annotated[User, Depends(get_current_user)]
