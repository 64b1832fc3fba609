"""The optional bearer token that protects `GET /metrics` (`ADE_METRICS_TOKEN`)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from ade_api.dependencies import SettingsDep
from ade_api.errors import AuthenticationRequiredError
from ade_api.metrics.service import ApiMetrics


async def require_metrics_token(request: Request, settings: SettingsDep) -> None:
    """Without a configured token the metrics are public; with one, require it (else 401)."""
    if settings.metrics_token is None:
        return
    expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
    given = request.headers.get("authorization", "").encode("latin-1", errors="replace")
    if not hmac.compare_digest(given, expected):
        raise AuthenticationRequiredError("a valid metrics token is required")


async def get_metrics(request: Request) -> ApiMetrics:
    metrics: ApiMetrics = request.app.state.metrics
    return metrics


MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]
MetricsTokenDep = Depends(require_metrics_token)
