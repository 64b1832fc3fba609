from ade_worker.testing import real_redis  # noqa: F401  (a real redis-server for the session)
