"""Sign in and out, and manage the caller's API keys. HTTP only: the rules are in `service`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from ade_api.auth import service
from ade_api.auth.dependencies import LoginThrottleDep
from ade_api.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, LoginRequest, TokenResponse
from ade_api.auth.throttle import client_bucket
from ade_api.dependencies import CurrentPrincipal, CurrentUser, SessionDep, SettingsDep
from ade_api.pagination import Page, PageParamsDep
from ade_api.problems import problem_responses
from ade_api.routing import StrictJsonRoute

router = APIRouter(
    route_class=StrictJsonRoute,
    tags=["auth"],
    responses=problem_responses(400, 404, 409, 413, 422, 429),
)

_UNAUTHENTICATED: dict[int | str, dict[str, Any]] = problem_responses(401)


@router.post("/auth/login", responses=_UNAUTHENTICATED)
def login(
    request: Request,
    response: Response,
    body: LoginRequest,
    session: SessionDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
) -> TokenResponse:
    """Exchange an email and password for a short-lived bearer token."""
    # The peer address, which uvicorn takes from X-Forwarded-For only for a trusted proxy.
    client = client_bucket(request.client.host if request.client else None)
    issued = service.login(
        session, settings, throttle, email=body.email, password=body.password, client=client
    )
    request.state.user_id = issued.user_id  # for the access log line
    response.headers["Cache-Control"] = "no-store"  # a credential: no cache keeps it
    return TokenResponse(access_token=issued.token, expires_in=issued.expires_in)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_UNAUTHENTICATED)
def logout(session: SessionDep, principal: CurrentPrincipal) -> Response:
    """Revoke the bearer token this request was made with."""
    service.logout(session, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/api-keys", status_code=status.HTTP_201_CREATED, responses=_UNAUTHENTICATED)
def create_api_key(
    response: Response, body: ApiKeyCreate, session: SessionDep, user: CurrentUser
) -> ApiKeyCreated:
    """Create an API key; its secret is shown in this answer only."""
    response.headers["Cache-Control"] = "no-store"
    return service.create_api_key(session, user, body)


@router.get("/me/api-keys", responses=_UNAUTHENTICATED)
def list_api_keys(session: SessionDep, user: CurrentUser, page: PageParamsDep) -> Page[ApiKeyOut]:
    """List the caller's API keys that are not revoked (never their secrets)."""
    return service.list_api_keys(session, user, page)


@router.delete(
    "/me/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_UNAUTHENTICATED
)
def revoke_api_key(key_id: str, session: SessionDep, user: CurrentUser) -> Response:
    """Revoke one of the caller's API keys; it stops working at once."""
    service.revoke_api_key(session, user, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
