"""Readiness rules: the database answers, its schema is at the newest migration, the
queue's Redis answers, and config code has its sandbox jail (or the jail is switched off)."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from ade_api.health.schemas import Check, Readiness
from ade_db import migrate
from ade_worker.jail import JailProvider
from redis import Redis

logger = logging.getLogger(__name__)


def check_database(engine: Engine) -> dict[str, Check]:
    """Check the database connection and the migration state. Never raises."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        # The message may include the host; the URL (with its password) is never logged.
        logger.warning("readiness: database unreachable: %s", type(exc).__name__)
        return {
            "database": Check(ok=False, detail="unreachable"),
            "migrations": Check(ok=False, detail="unknown"),
        }
    current = migrate.current_revision(engine)
    head = migrate.head_revision()
    migrations = (
        Check(ok=True, detail=f"at head {head}")
        if current == head
        else Check(
            ok=False, detail=f"at {current or 'nothing'}, head is {head}: run `ade db migrate`"
        )
    )
    return {"database": Check(ok=True, detail="reachable"), "migrations": migrations}


def check_redis(redis: Redis) -> Check:
    """Ping the queue's Redis. Never raises, and never reports the URL."""
    try:
        redis.ping()
    except (RedisError, OSError) as exc:
        logger.warning("readiness: redis unreachable: %s", type(exc).__name__)
        return Check(ok=False, detail="unreachable")
    return Check(ok=True, detail="reachable")


def check_sandbox(jail: JailProvider) -> Check:
    """Whether config code can run in its jail. The reason it cannot goes to the log only:
    this answer is public, and the reason names folders and users of the host."""
    if not jail.enabled:
        return Check(
            ok=True,
            detail="off (ADE_SANDBOX=none): config code runs unjailed, for one trusted user only",
        )
    problem = jail.problem()
    if problem is not None:
        logger.error("readiness: the sandbox jail is unavailable: %s", problem)
        return Check(ok=False, detail="unavailable: see the API's log or `ade sandbox check`")
    return Check(ok=True, detail="jail available")


def readiness(engine: Engine, redis: Redis, jail: JailProvider) -> Readiness:
    """Every check, and ready only when all pass."""
    checks = {
        **check_database(engine),
        "redis": check_redis(redis),
        "sandbox": check_sandbox(jail),
    }
    ready = all(check.ok for check in checks.values())
    return Readiness(status="ready" if ready else "not_ready", checks=checks)
