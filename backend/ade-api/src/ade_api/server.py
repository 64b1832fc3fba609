"""Run the API with uvicorn (what `ade api serve` calls)."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import uvicorn

from ade_api.settings import ApiSettings


def serve(settings: ApiSettings, *, workers: int = 1, reload: bool = False) -> None:
    """Serve the app until interrupted. SIGINT/SIGTERM finish in-flight requests first."""
    # uvicorn handles SIGTERM itself, then re-raises it once the graceful shutdown is done.
    # That stop was clean (every in-flight request answered), so exit 0 as process managers
    # expect, instead of dying by the signal.
    signal.signal(signal.SIGTERM, _exit_cleanly)
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
        forwarded_allow_ips=settings.api_forwarded_allow_ips,
        server_header=False,
        timeout_graceful_shutdown=30,
    )


def _exit_cleanly(_signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)
