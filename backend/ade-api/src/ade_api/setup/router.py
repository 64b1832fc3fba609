"""First-run setup: `GET /setup` (is it needed) and `POST /setup` (create the first admin).
No authentication: the one-time setup token guards it. HTTP only: the rules are in `service`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from ade_api.auth.dependencies import LoginThrottleDep
from ade_api.auth.throttle import client_bucket
from ade_api.dependencies import SessionDep, SettingsDep
from ade_api.problems import problem_responses
from ade_api.routing import StrictJsonRoute
from ade_api.setup import service
from ade_api.setup.schemas import SetupDone, SetupRequest, SetupStatus
from ade_api.users.schemas import UserOut

router = APIRouter(route_class=StrictJsonRoute, prefix="/setup", tags=["setup"])


@router.get("")
def setup_status(session: SessionDep) -> SetupStatus:
    """Whether first-run setup is needed (no user exists yet)."""
    return SetupStatus(needed=service.needed(session))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 403, 409, 413, 422, 429, 503),
)
def complete_setup(
    request: Request,
    response: Response,
    body: SetupRequest,
    session: SessionDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
) -> SetupDone:
    """Create the first admin with the server's setup token, and sign them in.

    Only while no user exists (then `409 setup-complete` for good). A wrong token answers
    `403 setup-token-invalid`; a server started without one `503 setup-token-not-configured`.
    """
    client = client_bucket(request.client.host if request.client else None)
    user, issued = service.complete_setup(
        session,
        settings,
        throttle,
        token=body.token,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        client=client,
    )
    request.state.user_id = user.id  # for the access log line
    response.headers["Cache-Control"] = "no-store"  # a credential: no cache keeps it
    return SetupDone(
        access_token=issued.token,
        expires_in=issued.expires_in,
        user=UserOut.model_validate(user),
    )
