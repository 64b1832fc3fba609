"""pytest fixtures for tests that need a real Redis: `from ade_worker.testing import real_redis`.

Shipped with the package so every member's tests share one way of getting a redis-server.
Nothing here is imported by production code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ade_worker.embedded_redis import EmbeddedRedis, find_redis_server, redis_server_process


@pytest.fixture(scope="session")
def real_redis() -> Iterator[EmbeddedRedis]:
    """A real redis-server for the session. Required (not skipped) when ADE_TEST_REQUIRE_REDIS=1."""
    binary = find_redis_server()
    if binary is None:
        if os.environ.get("ADE_TEST_REQUIRE_REDIS", "") in {"1", "true", "yes"}:
            pytest.fail("redis-server is required (ADE_TEST_REQUIRE_REDIS=1) but not found")
        pytest.skip("redis-server not installed")
    with redis_server_process(binary) as redis:
        yield redis
