"""`GET /metrics`: Prometheus text format, outside `/api/v1` and the OpenAPI schema."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from ade_api.metrics.dependencies import MetricsDep, MetricsTokenDep
from ade_api.routing import StrictJsonRoute

router = APIRouter(route_class=StrictJsonRoute, tags=["metrics"], include_in_schema=False)


@router.get("/metrics", dependencies=[MetricsTokenDep])
def metrics(metrics: MetricsDep) -> Response:
    """Expose HTTP, job, queue and worker metrics in the Prometheus text format."""
    return Response(content=metrics.render(), media_type=CONTENT_TYPE_LATEST)
