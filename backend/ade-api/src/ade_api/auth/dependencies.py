"""Who is calling: `Authorization: Bearer <token>` or `X-API-Key: <key>`, resolved once per
request. Routers use `CurrentUser` (re-exported by `ade_api.dependencies`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ade_api.auth import service
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


def get_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """Authenticate the request (a Bearer token wins over an API key); 401 when neither works.

    The user id goes into the request state, where the access log picks it up.
    """
    if bearer is not None and bearer.credentials:
        principal = service.authenticate_token(session, settings, bearer.credentials)
    elif api_key:
        principal = service.authenticate_api_key(session, api_key)
    else:
        raise AuthenticationRequiredError(
            "sign in: send `Authorization: Bearer <token>` (POST /api/v1/auth/login) "
            "or `X-API-Key: <key>`"
        )
    # request.state wraps scope["state"]; set both explicitly in case a wrapper copied one.
    request.state.user_id = principal.user.id
    request.scope.setdefault("state", {})["user_id"] = principal.user.id
    return principal


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


LoginThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
CurrentUser = Annotated[User, Depends(get_current_user)]
