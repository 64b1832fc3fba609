"""The FastAPI application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from ade_api import __version__
from ade_api.auth.router import router as auth_router
from ade_api.configs.router import router as configs_router
from ade_api.configs.sandbox import Sandbox
from ade_api.documents.router import router as documents_router
from ade_api.drafts.router import router as drafts_router
from ade_api.events.router import router as events_router
from ade_api.health.router import router as health_router
from ade_api.jobs.router import router as jobs_router
from ade_api.logging import configure_logging
from ade_api.metrics.middleware import MetricsMiddleware
from ade_api.metrics.router import router as metrics_router
from ade_api.metrics.service import ScrapeSources, build_metrics
from ade_api.middleware import JsonBodyLimitMiddleware, RequestContextMiddleware
from ade_api.previews.router import router as previews_router
from ade_api.previews.runner import ExtractLimits, Extracts
from ade_api.problems import install_problem_handlers
from ade_api.settings import ApiSettings
from ade_api.setup.router import router as setup_router
from ade_api.sse import Shutdown
from ade_api.storage import Storage
from ade_api.users.router import router as users_router
from ade_api.users.service import bootstrap_initial_admin
from ade_api.web.router import WebApp
from ade_api.web.service import web_dir
from ade_api.workspaces.router import router as workspaces_router
from ade_db import DatabaseSettings, create_db_engine, create_session_factory
from ade_storage import StorageSettings
from ade_worker.settings import SandboxSettings, WorkerSettings
from redis import Redis

API_PREFIX = "/api/v1"


def create_app(
    settings: ApiSettings | None = None,
    *,
    engine: Engine | None = None,
    storage_settings: StorageSettings | None = None,
    sandbox_settings: SandboxSettings | None = None,
    worker_settings: WorkerSettings | None = None,
) -> FastAPI:
    """Build the ADE API. Pass `engine` to share a database (tests); else one is made.

    Storage, sandbox and queue (worker) settings are read from the environment unless given:
    the API shares them with the workers, so both read one definition.
    """
    settings = settings or ApiSettings()
    storage = Storage.from_settings(storage_settings or StorageSettings())
    sandbox_config = sandbox_settings or SandboxSettings()
    queue_settings = worker_settings or WorkerSettings()
    owns_engine = engine is None
    db_engine = engine or create_db_engine(settings=DatabaseSettings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            # The first admin of an empty installation (ADE_INITIAL_ADMIN_EMAIL/PASSWORD).
            await run_in_threadpool(bootstrap_initial_admin, app.state.session_factory, settings)
            with app.state.shutdown.on_signals():
                yield
        finally:
            app.state.shutdown.set()  # whatever stream is still open ends now
            app.state.redis.close()
            if owns_engine:
                db_engine.dispose()

    app = FastAPI(
        title="ADE API",
        summary="Automatic Data Extractor: messy spreadsheets in, one clean workbook out.",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json" if settings.docs_enabled else None,
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.shutdown = Shutdown()  # ends live streams (SSE) when the server stops
    app.state.db_engine = db_engine
    app.state.session_factory = create_session_factory(db_engine)
    app.state.storage = storage
    app.state.sandbox = Sandbox(
        storage.layout,
        sandbox_config.limits(),
        jail=sandbox_config.jail_provider(warm=False),
        max_concurrent=settings.dry_run_max_concurrent,
        retention_seconds=settings.dry_run_retention_seconds,
        installer=queue_settings.installer,
    )
    app.state.previews = Extracts(ExtractLimits.from_settings(settings))
    # The job submits' database hops (`dependencies.run_in_session`); FIFO.
    app.state.submit_limiter = anyio.CapacityLimiter(settings.submit_max_concurrent)
    # Connects lazily; short timeouts so /ready answers fast when Redis is down.
    app.state.redis = Redis.from_url(
        queue_settings.redis_dsn, socket_connect_timeout=1, socket_timeout=2
    )
    app.state.queue_name = queue_settings.queue_name

    install_problem_handlers(app)
    app.add_middleware(JsonBodyLimitMiddleware, max_bytes=settings.max_json_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    if settings.metrics_enabled:
        app.state.metrics = build_metrics(ScrapeSources.of_state(app.state))
        app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
        app.include_router(metrics_router, include_in_schema=False)

    # A request is matched against the routes one by one, in this order (about 50 regular
    # expressions before the jobs' routes, a tenth of a submit's CPU under a burst): the jobs
    # first, as the hottest path. No two routes match the same request (a test checks), so
    # the order changes nothing else.
    app.include_router(jobs_router, prefix=API_PREFIX)
    app.include_router(health_router, prefix=API_PREFIX)
    app.include_router(setup_router, prefix=API_PREFIX)
    app.include_router(auth_router, prefix=API_PREFIX)
    app.include_router(users_router, prefix=API_PREFIX)
    app.include_router(workspaces_router, prefix=API_PREFIX)
    app.include_router(configs_router, prefix=API_PREFIX)
    app.include_router(drafts_router, prefix=API_PREFIX)
    app.include_router(documents_router, prefix=API_PREFIX)
    app.include_router(events_router, prefix=API_PREFIX)
    app.include_router(previews_router, prefix=API_PREFIX)
    # Load balancers and container health checks probe the bare paths.
    app.include_router(health_router, include_in_schema=False)
    # Every path no route matched: the web app's files, or its index.html for client routes.
    app.router.default = WebApp(web_dir(settings.web_dir), not_found=app.router.not_found)
    return app


def create_served_app() -> FastAPI:
    """The factory uvicorn runs (in every worker process): JSON logs, then the app."""
    settings = ApiSettings()
    configure_logging(settings.log_level)
    app = create_app(settings)
    # What is built by now (modules, the app, its routes and models) lives as long as the
    # process: out of the collector's sight, a full collection no longer walks it (one took
    # about 100 ms, a pause that lands on whichever requests are in flight).
    gc.collect()
    gc.freeze()
    return app
