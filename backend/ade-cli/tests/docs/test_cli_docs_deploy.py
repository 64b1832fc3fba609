"""docs/how-to/deploy.md: the commands that need no Docker, run as written.

The secrets the page writes into `.env` must be what the production settings accept, and the
file must be private. The Docker commands are marked `not run` on the page (no Docker daemon
on the test machines); `tests/deploy/` checks the compose file against the settings and CLI.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from ade_api.settings import ApiSettings
from ade_cli.testing import ROOT, RunPage
from ade_worker.settings import WorkerSettings
from redis import Redis

#: The page has the operator write `.env` next to docker-compose.yml, where Compose reads it.
COMPOSE_ENV = frozenset({".env"})
PAGE = ROOT / "docs" / "how-to" / "deploy.md"


def read_env(path: Path) -> dict[str, str]:
    parts = (line.partition("=") for line in path.read_text().splitlines() if line)
    return {key: value for key, _, value in parts}


def test_deploy_secrets_are_what_production_accepts(tmp_path: Path, run_page: RunPage) -> None:
    work = tmp_path / "checkout"
    done = run_page(PAGE, cwd=work, timeout=60, creates=COMPOSE_ENV)
    assert done.returncode == 0, done.output
    env_file = work / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600  # the umask of the page
    values = read_env(env_file)
    assert set(values) == {
        "ADE_SECRET_KEY",
        "POSTGRES_PASSWORD",
        "REDIS_PASSWORD",
        "ADE_METRICS_TOKEN",
    }
    assert len(values["ADE_SECRET_KEY"]) >= 32
    assert len(values["POSTGRES_PASSWORD"]) >= 24
    redis_password = values["REDIS_PASSWORD"]
    assert len(redis_password) >= 32
    # It goes into a URL and a redis.conf line as it is (docker-compose.yml).
    assert re.fullmatch(r"[A-Za-z0-9_-]+", redis_password)
    url = f"redis://:{redis_password}@redis:6379/0"
    worker = WorkerSettings(_env_file=None, redis_url=url)
    parsed = Redis.from_url(worker.redis_dsn).get_connection_kwargs()
    assert parsed["password"] == redis_password
    assert redis_password not in repr(worker)
    settings = ApiSettings(_env_file=None, env="production", secret_key=values["ADE_SECRET_KEY"])
    assert settings.secret_key.get_secret_value() == values["ADE_SECRET_KEY"]
    # What the page's secret replaces is refused (pydantic's ValidationError is a ValueError).
    with pytest.raises(ValueError, match="ADE_SECRET_KEY"):
        ApiSettings(_env_file=None, env="production")


def test_running_the_page_twice_gives_new_secrets(tmp_path: Path, run_page: RunPage) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for work in (first, second):
        assert run_page(PAGE, cwd=work, timeout=60, creates=COMPOSE_ENV).returncode == 0
    for secret in ("ADE_SECRET_KEY", "REDIS_PASSWORD"):
        assert read_env(first / ".env")[secret] != read_env(second / ".env")[secret]
