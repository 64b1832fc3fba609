"""Start a throwaway PostgreSQL cluster in a temp dir, for tests.

`initdb` refuses to run as root, so when the tests run as root the cluster is created and
run by the unprivileged `postgres` system user through `runuser`. The server listens on
127.0.0.1 on a free port with durability switched off (it is thrown away anyway).

Set `ADE_TEST_POSTGRES_URL` to use an existing server instead (an admin URL whose user can
create databases).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ade_db.engine import normalize_url

ENV_URL = "ADE_TEST_POSTGRES_URL"
_UNPRIVILEGED_USER = "postgres"


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server binaries (initdb, pg_ctl) were found on this machine."""


def find_bindir() -> Path:
    """The folder holding initdb and pg_ctl: from PATH, else the newest Debian install."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for bindir in reversed(candidates):
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    raise PostgresUnavailableError(
        f"PostgreSQL server binaries not found (install the `postgresql` package, or set {ENV_URL})"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _runner() -> tuple[list[str], int | None, int | None]:
    """The command prefix and uid/gid to run the server as (never root)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        entry = pwd.getpwnam(_UNPRIVILEGED_USER)
    except KeyError as exc:
        raise PostgresUnavailableError(
            f"running as root and there is no `{_UNPRIVILEGED_USER}` user to run initdb as"
        ) from exc
    runuser = shutil.which("runuser") or next(
        (str(p) for p in (Path("/usr/sbin/runuser"), Path("/sbin/runuser")) if p.exists()), None
    )
    if runuser is None:
        raise PostgresUnavailableError("running as root and `runuser` was not found")
    return [runuser, "-u", _UNPRIVILEGED_USER, "--"], entry.pw_uid, entry.pw_gid


def _run(cmd: list[str], prefix: list[str]) -> None:
    result = subprocess.run(prefix + cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(cmd[0]).name} failed ({result.returncode}): "
            f"{result.stderr.strip() or result.stdout.strip()}"
        )


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the admin URL of a running PostgreSQL server; stop and delete it afterwards."""
    external = os.environ.get(ENV_URL)
    if external:
        yield str(normalize_url(external).render_as_string(hide_password=False))
        return
    bindir = find_bindir()
    prefix, uid, gid = _runner()
    root = Path(tempfile.mkdtemp(prefix="ade-pg-"))
    data = root / "data"
    try:
        if uid is not None and gid is not None:
            os.chown(root, uid, gid)
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "ade",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            prefix,
        )
        port = _free_port()
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        _run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            prefix,
        )
        try:
            yield f"postgresql+psycopg://ade@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                check=False,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _admin(admin_url: str, statement: str) -> None:
    engine = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database `name` and return its URL."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name: {name!r}")
    _admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE template0')
    url = normalize_url(admin_url).set(database=name)
    return url.render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database `name`, disconnecting anyone still using it."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name: {name!r}")
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url_database(url: str) -> str | None:
    """The database name in a URL."""
    return make_url(url).database
