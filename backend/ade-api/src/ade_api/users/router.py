"""`GET /me`: the signed-in user."""

from __future__ import annotations

from fastapi import APIRouter

from ade_api.dependencies import CurrentUser
from ade_api.problems import problem_responses
from ade_api.routing import StrictJsonRoute
from ade_api.users.schemas import UserOut

router = APIRouter(route_class=StrictJsonRoute, tags=["users"], responses=problem_responses(401))


@router.get("/me")
def read_me(user: CurrentUser) -> UserOut:
    """Return the signed-in user."""
    return UserOut.model_validate(user)
