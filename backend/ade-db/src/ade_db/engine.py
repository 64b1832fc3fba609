"""Engine and session factories shared by the API, the worker and the CLI."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from ade_db.settings import DatabaseSettings


def normalize_url(url: str | URL) -> URL:
    """Pick ADE's drivers: psycopg 3 for PostgreSQL (whatever driver the URL names or omits)."""
    parsed = make_url(url)
    # `postgres://` (as many hosting platforms print it) means PostgreSQL too.
    if parsed.drivername.split("+")[0] in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_sqlite(url: str | URL) -> bool:
    """Whether a URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def _prepare_sqlite_file(url: URL) -> None:
    """Create the folder of a SQLite file, owner-only, so a fresh data dir just works."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)


def _install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int) -> None:
    """Foreign keys on (SQLite leaves them off), WAL so readers never block the writer,
    and a busy timeout so concurrent writers wait instead of failing at once.

    The sqlite3 module's own transaction handling also gets out of the way and ADE issues
    BEGIN itself (otherwise SAVEPOINTs and transactional DDL misbehave), in one particular way:
    a transaction starts with ``BEGIN IMMEDIATE`` at its first write (or savepoint), and
    statements before that read outside any transaction. In WAL mode a transaction that read
    first and writes later fails at once with "database is locked" when another connection
    committed in between (its snapshot is stale and waiting cannot help), so read-then-write
    requests would fail under concurrency; taking the write lock up front for every request
    would instead hold it through slow reads (an upload being streamed, a dry-run). Taking it
    at the first write makes writers queue on the busy timeout, and readers never block.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    gate = _WriteGate(busy_timeout_ms / 1000)
    gate.install(engine)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.info[_WRITE_TRANSACTION] = False  # BEGIN comes with the first write

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(
        connection: Connection,
        cursor: sqlite3.Cursor,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if connection.info.get(_WRITE_TRANSACTION) is False and _writes(statement):
            connection.info[_WRITE_TRANSACTION] = True
            gate.enter(cursor.connection)
            try:
                _begin_immediate(cursor, busy_timeout_ms)
            except BaseException:
                gate.leave(cursor.connection)
                raise


#: How often a writer retries SQLite's write lock while another process holds it.
_BUSY_RETRY_SECONDS = 0.001


def _begin_immediate(cursor: sqlite3.Cursor, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE, retried every millisecond while another process holds the write lock,
    for up to the busy timeout. SQLite's own busy handler retries in steps growing to 100 ms
    (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms), so a writer that waited 30 ms would
    next look only 20-100 ms later, however soon the lock was free."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() >= deadline:
                    raise
            time.sleep(_BUSY_RETRY_SECONDS)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")


class _WriteGate:
    """The writers of one process take turns at SQLite's write lock in the order they came.

    SQLite's busy handler does not queue waiters: each sleeps and retries, in steps growing to
    100 ms, so under a burst a writer that just missed the lock can wait several hundred ms
    after it was freed (measured: the API's submits waited 12 ms at the median and 480 ms at
    p95 during a burst of jobs). Writers of the same process therefore wait on this lock
    first, woken as soon as the transaction before theirs ends; only writers of other
    processes (the workers, a second API process) meet at SQLite's lock, which they retry
    every millisecond (`_begin_immediate`). A writer that waited the busy timeout here goes
    on to SQLite, which then decides, as it did before.
    """

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()  # not an RLock: a transaction may end on another thread
        self._timeout = timeout
        self._holder: int | None = None

    def enter(self, dbapi_connection: Any) -> None:
        if self._lock.acquire(timeout=self._timeout):
            self._holder = _raw_id(dbapi_connection)

    def leave(self, dbapi_connection: Any) -> None:
        if self._holder is not None and self._holder == _raw_id(dbapi_connection):
            self._holder = None
            self._lock.release()

    def install(self, engine: Engine) -> None:
        """Leave the gate once the transaction's COMMIT or ROLLBACK is done (not before: the
        next writer would only meet SQLite's lock), or when its connection is dropped."""
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                self.leave(dbapi_connection)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                self.leave(dbapi_connection)

        dialect.do_commit = do_commit  # type: ignore[method-assign]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]
        event.listen(engine, "invalidate", lambda conn, *_: self.leave(conn))
        event.listen(engine, "close", lambda conn, *_: self.leave(conn))


def _raw_id(connection: Any) -> int:
    """The identity of the sqlite3 connection behind `connection` (the pool's proxy or it)."""
    return id(getattr(connection, "dbapi_connection", connection))


_WRITE_TRANSACTION = "ade_sqlite_write_transaction"
_READ_ONLY_PREFIXES = ("SELECT", "PRAGMA", "EXPLAIN")


def _writes(statement: str) -> bool:
    """Whether a statement needs the write transaction (anything but a plain read)."""
    return not statement.lstrip()[:7].upper().startswith(_READ_ONLY_PREFIXES)


def create_db_engine(
    url: str | URL | None = None, *, settings: DatabaseSettings | None = None
) -> Engine:
    """Create the engine for `url` (default: the settings' URL) with ADE's connection setup."""
    settings = settings or DatabaseSettings()
    parsed = normalize_url(url if url is not None else settings.url)
    kwargs: dict[str, Any] = {"echo": settings.database_echo}
    if parsed.get_backend_name() == "sqlite":
        # No pre-ping: a connection to a local file cannot go stale the way a server's can,
        # and the ping is one more statement on every checkout (every request).
        _prepare_sqlite_file(parsed)
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs.update(
            pool_pre_ping=True,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pool_timeout=settings.database_pool_timeout,
        )
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _install_sqlite_pragmas(engine, settings.database_sqlite_busy_timeout_ms)
    _ENGINES.add(engine)
    return engine


# A forked child (any fork of a process that holds engines) must not reuse its parent's pooled
# connections: one hook drops them for every live engine, without keeping engines alive.
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def _dispose_engines_in_child() -> None:
    for engine in list(_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_dispose_engines_in_child)


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses are built after it)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
