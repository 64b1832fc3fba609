"""Settings pick the right database; engines connect with ADE's setup."""

from __future__ import annotations

import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from ade_db.engine import create_db_engine, create_session_factory, is_sqlite, normalize_url
from ade_db.settings import DatabaseSettings


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite database with ADE's set-up and a table `t (v INTEGER PRIMARY KEY)`."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (v INTEGER PRIMARY KEY)"))
        yield engine
    finally:
        engine.dispose()


def test_default_url_is_sqlite_under_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ADE_DATABASE_URL", raising=False)
    monkeypatch.setenv("ADE_STORAGE_DATA_DIR", str(tmp_path / "data"))
    settings = DatabaseSettings(_env_file=None)
    assert settings.url == f"sqlite:///{tmp_path / 'data' / 'db' / 'ade.sqlite'}"
    assert is_sqlite(settings.url)


def test_database_url_setting_wins_and_is_kept_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADE_DATABASE_URL", "postgresql://ade:s3cret@db:5432/ade")
    settings = DatabaseSettings(_env_file=None)
    assert settings.url == "postgresql://ade:s3cret@db:5432/ade"
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in str(settings.model_dump())


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ADE_DATABASE_URL", raising=False)
    env = tmp_path / ".env"
    env.write_text("ADE_DATABASE_URL=sqlite:////tmp/from-env-file.sqlite\n")
    assert DatabaseSettings(_env_file=env).url == "sqlite:////tmp/from-env-file.sqlite"


@pytest.mark.parametrize(
    "url",
    ["postgresql://u@h/db", "postgresql+psycopg2://u@h/db", "postgres://u:p@h:5/db"],
)
def test_postgres_urls_use_psycopg3(url: str) -> None:
    normalized = normalize_url(url)
    assert normalized.drivername == "postgresql+psycopg"
    assert normalized.database == "db"


def test_other_urls_are_left_alone() -> None:
    assert normalize_url("sqlite:////x/y.sqlite").drivername == "sqlite"


def test_sqlite_engine_creates_its_folder_owner_only_and_sets_pragmas(tmp_path: Path) -> None:
    db_file = tmp_path / "fresh" / "db" / "ade.sqlite"
    engine = create_db_engine(f"sqlite:///{db_file}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        mode = stat.S_IMODE(db_file.parent.stat().st_mode)
        assert mode == 0o700
    finally:
        engine.dispose()


def test_savepoints_roll_back_only_their_own_work_on_sqlite(engine: Engine) -> None:
    session = create_session_factory(engine)()
    with session.begin():
        session.execute(text("INSERT INTO t VALUES (1)"))
        nested = session.begin_nested()
        session.execute(text("INSERT INTO t VALUES (2)"))
        nested.rollback()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT v FROM t")).scalars().all() == [1]


def test_sqlite_read_then_write_survives_a_concurrent_commit(engine: Engine) -> None:
    # In WAL mode a transaction that read first cannot write after another connection
    # committed ("database is locked" at once). ADE begins transactions at the first write.
    sessions = create_session_factory(engine)
    first, second = sessions(), sessions()
    assert first.execute(text("SELECT count(*) FROM t")).scalar() == 0
    second.execute(text("INSERT INTO t VALUES (1)"))
    second.commit()
    first.execute(text("INSERT INTO t VALUES (2)"))
    first.commit()
    with engine.connect() as connection:
        assert sorted(connection.execute(text("SELECT v FROM t")).scalars()) == [1, 2]
    first.close()
    second.close()


def test_sqlite_readers_are_not_blocked_by_a_writer_and_rollback_undoes(engine: Engine) -> None:
    sessions = create_session_factory(engine)
    writer, reader = sessions(), sessions()
    writer.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock now
    assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
    writer.rollback()
    assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
    writer.close()
    reader.close()


def test_sqlite_writers_of_one_process_take_turns_in_order(engine: Engine) -> None:
    # A writer waiting for another of the same process is let in as soon as the first
    # commits, not after SQLite's busy handler's next sleep (steps of up to 100 ms).
    sessions = create_session_factory(engine)
    first = sessions()
    first.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock
    waited: list[float] = []

    def second_writer() -> None:
        with sessions() as second:
            started = time.perf_counter()
            second.execute(text("INSERT INTO t VALUES (2)"))
            waited.append(time.perf_counter() - started)
            second.commit()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)  # the second writer waits meanwhile
    assert not waited
    first.commit()
    thread.join(10)
    assert waited
    assert waited[0] >= 0.3
    first.close()
    with engine.connect() as connection:
        assert sorted(connection.execute(text("SELECT v FROM t")).scalars()) == [1, 2]


def test_sqlite_a_rolled_back_or_failed_writer_lets_the_next_one_in(engine: Engine) -> None:
    sessions = create_session_factory(engine)
    with sessions() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.rollback()
    with sessions() as session:
        session.execute(text("INSERT INTO t VALUES (2)"))
        with pytest.raises(Exception, match="UNIQUE"):
            session.execute(text("INSERT INTO t VALUES (2)"))
        session.rollback()
    with sessions() as session:  # closed mid-transaction: the pool rolls it back
        session.execute(text("INSERT INTO t VALUES (3)"))
    done = threading.Event()

    def writer() -> None:
        with sessions() as session:
            session.execute(text("INSERT INTO t VALUES (4)"))
            session.commit()
        done.set()

    threading.Thread(target=writer).start()
    assert done.wait(2), "a writer was kept waiting by one that had ended"
    with engine.connect() as connection:
        assert list(connection.execute(text("SELECT v FROM t")).scalars()) == [4]


def test_sqlite_a_writer_of_another_process_gets_in_soon_after_the_lock_is_freed(
    tmp_path: Path,
) -> None:
    # Another process (here: another engine) holds the write lock for 0.4 s; ours retries
    # every millisecond, not in SQLite's steps of up to 100 ms, and keeps its busy timeout.
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    ours, theirs = create_db_engine(url), create_db_engine(url)
    try:
        with ours.begin() as connection:
            connection.execute(text("CREATE TABLE t (v INTEGER)"))
        other = create_session_factory(theirs)()
        other.execute(text("INSERT INTO t VALUES (1)"))
        released: list[float] = []

        def release() -> None:
            time.sleep(0.4)
            other.commit()
            released.append(time.perf_counter())

        thread = threading.Thread(target=release)
        thread.start()
        with create_session_factory(ours)() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            entered = time.perf_counter()
            session.commit()
            timeout = session.execute(text("PRAGMA busy_timeout")).scalar()
        thread.join(5)
        other.close()
        assert released
        assert entered >= released[0]
        assert timeout == DatabaseSettings().database_sqlite_busy_timeout_ms
    finally:
        ours.dispose()
        theirs.dispose()


def test_sqlite_a_writer_gives_up_after_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADE_DATABASE_SQLITE_BUSY_TIMEOUT_MS", "200")
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    ours, theirs = create_db_engine(url), create_db_engine(url)
    try:
        with ours.begin() as connection:
            connection.execute(text("CREATE TABLE t (v INTEGER)"))
        other = create_session_factory(theirs)()
        other.execute(text("INSERT INTO t VALUES (1)"))  # held throughout
        session = create_session_factory(ours)()
        started = time.perf_counter()
        with pytest.raises(Exception, match="locked"):
            session.execute(text("INSERT INTO t VALUES (2)"))
        assert 0.15 <= time.perf_counter() - started < 5
        session.close()
        other.rollback()
        other.close()
    finally:
        ours.dispose()
        theirs.dispose()
