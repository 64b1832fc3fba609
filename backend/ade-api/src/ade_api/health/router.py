"""`/health` (the process is up) and `/ready` (it can serve: database and schema ready, Redis
answers, the sandbox jail available)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from ade_api import __version__
from ade_api.configs.dependencies import SandboxDep
from ade_api.dependencies import DbEngineDep, RedisDep
from ade_api.health import service
from ade_api.health.schemas import Health, Readiness
from ade_api.routing import StrictJsonRoute

router = APIRouter(route_class=StrictJsonRoute, tags=["health"])


@router.get("/health")
def health() -> Health:
    """Report that the API process is up."""
    return Health(version=__version__)


@router.get(
    "/ready",
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Readiness}},
)
def ready(
    engine: DbEngineDep, redis: RedisDep, sandbox: SandboxDep, response: Response
) -> Readiness:
    """Report whether the database is reachable and migrated to head, Redis answers, and config
    code has its sandbox jail."""
    result = service.readiness(engine, redis, sandbox.jail)
    if result.status != "ready":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return result
