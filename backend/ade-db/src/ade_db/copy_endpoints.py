"""The two databases of `ade db copy`: their URLs (shown without the password), their files,
a read-only engine on the source, and the migration each is at. (The copy itself is
:mod:`ade_db.copy`, which re-exports `CopyError` and `display_url`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, StatementError

from ade_db import migrate
from ade_db.engine import create_db_engine, normalize_url

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
URL_FORMS = "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB"


class CopyError(Exception):
    """Why a copy was refused or failed, in one line that holds no password."""


@dataclass(frozen=True)
class Endpoint:
    """One side of the copy: its role, its URL (normalized) and how it may be shown."""

    role: str  # "source" or "target"
    url: URL
    display: str


def display_url(url: str | URL) -> str:
    """A database URL as it may be printed: the password replaced by `***`."""
    return make_url(url).render_as_string(hide_password=True)


def parse_endpoint(role: str, url: str) -> Endpoint:
    """`url` as the `role` side of a copy, refused unless it is SQLite or PostgreSQL."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # The parser's message repeats the URL, password included: say nothing of it.
        raise CopyError(f"the {role} is not a database URL (expected {URL_FORMS})") from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in SUPPORTED_BACKENDS:
        raise CopyError(
            f"the {role} database {display_url(parsed)} is not supported: ADE runs on SQLite "
            f"and PostgreSQL ({URL_FORMS})"
        )
    return Endpoint(role, normalize_url(parsed), display_url(parsed))


def _sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory or `file:` URI database."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database).resolve()


def identity(endpoint: Endpoint) -> str:
    """Where the database is (a file, or a server and database name), to tell two apart."""
    path = _sqlite_path(endpoint.url)
    if path is not None:
        return f"sqlite:{path}"
    url = endpoint.url  # who connects does not matter, where does
    return f"{url.get_backend_name()}://{url.host}:{url.port or 5432}/{url.database}"


def check_file(endpoint: Endpoint) -> None:
    """Refuse a SQLite side whose file does not exist (SQLite would create an empty one)."""
    path = _sqlite_path(endpoint.url)
    if path is not None and not path.is_file():
        hint = "" if endpoint.role == "source" else ": create it with `ade db migrate` first"
        raise CopyError(f"the {endpoint.role} database file {path} does not exist{hint}")


def source_engine(endpoint: Endpoint) -> Engine:
    """An engine that only reads, each connection in one consistent snapshot."""
    if endpoint.url.get_backend_name() != "sqlite":
        engine = create_db_engine(endpoint.url)
        return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    engine = create_engine(endpoint.url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling never BEGINs before a SELECT: do it ourselves,
        # so every read of one connection sees the same snapshot; and refuse any write.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA query_only = ON")
        dbapi_connection.execute("PRAGMA busy_timeout = 15000")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def read_revision(engine: Engine, endpoint: Endpoint) -> str | None:
    """The migration the database is at (None: not migrated), or why it cannot be read."""
    try:
        return migrate.current_revision(engine)
    except StatementError as exc:
        verb = "reach" if isinstance(exc, OperationalError) else "read"
        raise CopyError(
            f"cannot {verb} the {endpoint.role} database {endpoint.display}: {first_line(exc)}"
        ) from None


def check_revisions(source: str | None, target: str | None) -> str:
    """The head revision, when both sides are at it; else why the copy is refused."""
    head = migrate.head_revision()
    if target != head:
        raise CopyError(
            f"the target database is at revision {target or 'none'}, not head {head}: run "
            "`ade db migrate` with ADE_DATABASE_URL set to the target first"
        )
    if source is not None and source not in {r.revision for r in migrate.history()}:
        raise CopyError(
            f"the source database is at revision {source}, which this ADE does not know (the "
            f"target is at {head}): copy with the ADE version that made the source"
        )
    if source != head:
        raise CopyError(
            f"the source database is at revision {source or 'none'} and the target at {head}: "
            "both must be at head; run `ade db migrate` with ADE_DATABASE_URL set to the "
            "source first (with the ADE version that will use the target)"
        )
    return head


def first_line(exc: BaseException) -> str:
    """The driver's message (never the URL), first line only."""
    cause = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    message = str(cause).strip()
    return message.splitlines()[0] if message else type(cause).__name__
