"""The API's shared dependencies, as `Annotated` aliases used by every router.

A dependency that does no I/O (reads `app.state`, builds a value) is `async def`: FastAPI
runs a plain `def` dependency in the threadpool, one thread hop per request each, which under
a burst costs the API process CPU and GIL hand-offs for nothing. Those that touch the database
stay `def`, off the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from ade_api.persistence import run_after_commit
from ade_api.settings import ApiSettings
from ade_api.storage import Storage
from redis import Redis

T = TypeVar("T")


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
    A hot write route takes no session from here: `run_in_session` makes and ends its own.
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


async def get_session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


async def get_submit_limiter(request: Request) -> anyio.CapacityLimiter:
    limiter: anyio.CapacityLimiter = request.app.state.submit_limiter
    return limiter


async def run_in_session(
    sessions: sessionmaker[Session],
    work: Callable[[Session], T],
    *,
    limiter: anyio.CapacityLimiter,
) -> T:
    """Run a route's database `work` in a session of its own, made and ended in one threadpool
    hop: committed (then the after-commit actions) if `work` returns, rolled back if it raises,
    closed either way. For the hot write paths (a job's submit), in place of `SessionDep`.

    One hop for all of it, and no session until the hop: the session dependency costs a
    generator, an exit stack and a hop of its own to end, and a SQLite write transaction
    (with the process's write gate, `ade_db.engine`) must not stay open while the request
    waits for the event loop. The thread always runs to its end, so a cancelled request still
    ends its transaction.

    `limiter` bounds how many of these hops run at once (`ADE_SUBMIT_MAX_CONCURRENT`); the
    rest wait for a turn in the order they came. Measured under a burst of submits, with the
    default 40 threads every waiting request's thread contended for the GIL and for SQLite's
    one writer (the write gate), neither of which hands over in order: the holder of the
    write gate waited for the GIL behind threads that would then wait for the gate, and some
    requests lost many rounds in a row (the p95 and p99 of a submit).
    """

    def hop() -> T:
        session = sessions()
        try:
            result = work(session)
        except BaseException:
            _end_session(session, commit=False)
            raise
        _end_session(session, commit=True)
        return result

    return await anyio.to_thread.run_sync(hop, limiter=limiter)


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
SubmitLimiterDep = Annotated[anyio.CapacityLimiter, Depends(get_submit_limiter)]
DbEngineDep = Annotated[Engine, Depends(get_engine)]
RedisDep = Annotated[Redis, Depends(get_redis)]
StorageDep = Annotated[Storage, Depends(get_storage)]
# scope="function": commit before the response is sent, so a client never sees a success
# whose writes are not yet (or never) saved.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]

# The signed-in user (Bearer token or X-API-Key; else 401). Defined with the auth rules and
# imported last, because the resolver itself needs `SessionDep` and `SettingsDep` above.
from ade_api.auth.dependencies import CurrentPrincipal as CurrentPrincipal  # noqa: E402
from ade_api.auth.dependencies import CurrentUser as CurrentUser  # noqa: E402
