"""Run the API with uvicorn (what `ade api serve` calls)."""

from __future__ import annotations

import uvicorn

from ade_api.settings import ApiSettings


def serve(settings: ApiSettings, *, workers: int = 1, reload: bool = False) -> None:
    """Serve the app until interrupted. SIGINT/SIGTERM finish in-flight requests first."""
    uvicorn.run(
        "ade_api.app:create_served_app",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        workers=workers,
        reload=reload,
        log_level=settings.log_level,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=30,
    )
