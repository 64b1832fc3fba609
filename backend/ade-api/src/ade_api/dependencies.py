"""The API's shared dependencies, as `Annotated` aliases used by every router.

A dependency that does no I/O (reads `app.state`, builds a value) is `async def`: FastAPI
runs a plain `def` dependency in the threadpool, one thread hop per request each, which under
a burst costs the API process CPU and GIL hand-offs for nothing. Those that touch the database
stay `def`, off the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ade_api.persistence import run_after_commit
from ade_api.settings import ApiSettings
from ade_api.storage import Storage
from redis import Redis


async def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.db_engine
    return engine


async def get_redis(request: Request) -> Redis:
    redis: Redis = request.app.state.redis
    return redis


async def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: the only place that commits (on success) or rolls back.

    Work registered with `persistence.after_commit` (enqueueing a job, removing a blob) runs
    once the commit has succeeded, never for a request that rolled back. Making a session does
    no I/O, so it happens on the event loop; its end (commit or rollback, then close) is one
    hop to the threadpool, shielded so that a cancelled request still ends its transaction.
    """
    session: Session = request.app.state.session_factory()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_end_session, session, commit=False)
        raise
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(_end_session, session, commit=True)


def _end_session(session: Session, *, commit: bool) -> None:
    try:
        if not commit:
            session.rollback()
            return
        try:
            session.commit()
        except BaseException:
            session.rollback()
            raise
        run_after_commit(session)
    finally:
        session.close()


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
DbEngineDep = Annotated[Engine, Depends(get_engine)]
RedisDep = Annotated[Redis, Depends(get_redis)]
StorageDep = Annotated[Storage, Depends(get_storage)]
# scope="function": commit before the response is sent, so a client never sees a success
# whose writes are not yet (or never) saved.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

# The signed-in user (Bearer token or X-API-Key; else 401). Defined with the auth rules and
# imported last, because the resolver itself needs `SessionDep` and `SettingsDep` above.
from ade_api.auth.dependencies import CurrentPrincipal as CurrentPrincipal  # noqa: E402
from ade_api.auth.dependencies import CurrentUser as CurrentUser  # noqa: E402
