"""Login attempts per client address, counted in Redis.

The per-account lockout (in `service.login`) stops guessing one account's password; this
stops one address from guessing across many accounts. The API may run as several processes
(and hosts), so the count lives in the Redis they already share for the job queue, in fixed
windows: one key per address and window, incremented atomically, expiring on its own.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.exceptions import RedisError

from ade_api.errors import RateLimitedError
from redis import Redis

logger = logging.getLogger(__name__)

TOO_MANY_ATTEMPTS = "too many login attempts from this address; try again later"
# One IPv6 subscriber usually holds a whole /64: count it as one address.
_IPV6_PREFIX = 64


def client_bucket(host: str | None) -> str:
    """Whose attempts `host` counts as: the IPv4 address, the IPv6 /64, else the name as is."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]  # not an address (a test client, a unix socket): keyed as it is
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{_IPV6_PREFIX}", strict=False))
    return str(address)


@dataclass(frozen=True)
class LoginThrottle:
    """At most `max_attempts` logins per client per `window_seconds` window.

    Every attempt counts, right password or not, so the answer never depends on whether an
    account exists. `clock` gives the time in seconds (injectable for tests).
    """

    redis: Redis
    namespace: str
    max_attempts: int
    window_seconds: int
    clock: Callable[[], float] = time.time

    def hit(self, client: str) -> None:
        """Count one attempt by `client` (see `client_bucket`); past the limit raise a 429
        error saying when the window ends. When Redis cannot be reached the attempt is let
        through (logged): the per-account lockout, kept in the database, still holds."""
        now = self.clock()
        window = int(now // self.window_seconds)
        key = f"ade:{self.namespace}:login-attempts:{window}:{client}"
        try:
            pipeline = self.redis.pipeline(transaction=True)
            pipeline.incr(key)
            # The window's number is in the key, so the expiry only clears it away later.
            pipeline.expire(key, self.window_seconds)
            count = int(pipeline.execute()[0])
        except RedisError as exc:
            logger.warning(
                "login throttle unavailable; attempt not counted",
                extra={"error": type(exc).__name__},
            )
            return
        if count > self.max_attempts:
            retry_after = math.ceil((window + 1) * self.window_seconds - now)
            logger.warning("login refused: too many attempts", extra={"client": client})
            raise RateLimitedError(TOO_MANY_ATTEMPTS, retry_after=max(1, retry_after))
