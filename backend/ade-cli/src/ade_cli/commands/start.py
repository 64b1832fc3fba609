"""`ade start`: the whole of ADE on one machine (API plus one worker) with no setup."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ade_cli.commands.db import run_migrations
from ade_cli.context import SHOWN_ENV, prepare_data_dir
from ade_cli.errors import CliError
from ade_cli.first_run import prepare_setup_token, web_address, web_lines
from ade_cli.supervisor import Supervisor

if TYPE_CHECKING:
    from ade_worker.embedded_redis import EmbeddedRedis
    from ade_worker.settings import WorkerSettings


@contextlib.contextmanager
def _redis(settings: WorkerSettings, redis_dir: Path) -> Iterator[EmbeddedRedis]:
    from ade_worker.embedded_redis import EmbeddedRedis, embedded_redis

    if settings.redis_url is not None:
        yield EmbeddedRedis(url=settings.redis_url.get_secret_value(), kind="configured")
        return
    with embedded_redis(redis_dir) as redis:
        yield redis


def _port_in_use(host: str, port: int) -> bool:
    """Whether another process listens on (host, port): bound the way uvicorn binds
    (SO_REUSEADDR, so a closed connection's TIME_WAIT is not "in use"). Any other failure to
    bind (an address not on this machine...) is left for the API to report."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        return exc.errno == errno.EADDRINUSE
    return False


def start_command(
    host: str | None = typer.Option(None, help="Interface for the API (default: ADE_API_HOST)."),
    port: int | None = typer.Option(None, help="Port for the API (default: ADE_API_PORT)."),
) -> None:
    """Run the API and one worker together until Ctrl-C, on the embedded defaults.

    Uses SQLite and local files in the data dir, and Redis from ADE_REDIS_URL, else a local
    redis-server, else an in-process Redis-protocol server. A worker that dies is started
    again after a back-off (1 s, doubling up to 30 s); if the API or the embedded Redis dies,
    everything stops and the exit code is 1.
    """
    from ade_api.settings import ApiSettings
    from ade_worker.settings import WorkerSettings

    api = ApiSettings()
    host = host or api.api_host
    port = port or api.api_port
    # Before anything is made or started: else the data dir, a setup token and a worker came
    # first, then the API's bind error among the JSON log lines.
    if _port_in_use(host, port):
        raise CliError(
            f"port {port} on {host} is already in use (another `ade start`?): stop what holds "
            f"it, or start on another port: `ade start --port {port + 1}` "
            f"(`./scripts/start --port {port + 1}`)"
        )
    layout = prepare_data_dir()
    head = run_migrations()
    with _redis(WorkerSettings(), layout.redis_dir) as redis:
        if redis.kind == "in-process":
            typer.secho(
                "warning: no redis-server found; using an in-process Redis that keeps nothing "
                "across restarts and has no password (any local user can reach its queue). "
                "Install Redis or set ADE_REDIS_URL for real use.",
                err=True,
                fg=typer.colors.YELLOW,
            )
        env = {
            **os.environ,
            "ADE_REDIS_URL": redis.url,
            "ADE_API_HOST": host,
            "ADE_API_PORT": str(port),
            "ADE_STORAGE_DATA_DIR": str(layout.data_dir),
            SHOWN_ENV: "1",  # the children need not name the database again
        }
        # Children inherit it: the API checks POST /api/v1/setup against it.
        token = prepare_setup_token(env, configured=api.setup_token is not None)
        supervisor = Supervisor(env=env)
        if redis.poll is not None:
            supervisor.watch("redis", redis.poll)
        supervisor.spawn("api", ["api", "serve", "--no-migrate"])
        # Config code runs under the worker: if it dies, it is started again (with a
        # back-off) while the API keeps serving and queued jobs wait for it.
        supervisor.spawn("worker", ["worker", "start"], restart=True)
        address = web_address(host, port)
        typer.echo(
            f"ADE is starting: web app and API {address} (API docs /docs), one worker, "
            f"database at {head}, data in {layout.data_dir}, Redis: {redis.kind}. "
            "Press Ctrl-C to stop."
        )
        for line in web_lines(address, token):
            typer.echo(line)
        code = supervisor.run()
    typer.echo("ADE stopped.")
    if code:
        sys.exit(code)
