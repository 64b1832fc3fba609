"""`ade_db.copy`: an ADE database copied into another one, row for row, or not at all.

The main path (a SQLite source, a real PostgreSQL target) is checked table by table, value by
value; the refusals and failures leave the target exactly as it was.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session
from ulid import ULID

import ade_db.copy as db_copy
from ade_db import migrate
from ade_db.copy import CopyError, TableCopy, copy_database, copy_tables
from ade_db.engine import create_db_engine
from ade_db.metadata import metadata
from ade_db.models import (
    ApiKey,
    Config,
    ConfigFile,
    ConfigVersion,
    Document,
    DomainEvent,
    Job,
    JobEvent,
    RevokedToken,
    User,
    Workspace,
    WorkspaceActiveConfig,
    WorkspaceMember,
)
from ade_db.testing import create_database, drop_database, table_rows
from ade_db.types import new_id

UNICODE = "Zoë Ünïcødé — 日本語テキスト, مرحبا, 🚀\u00a0"
OLD = datetime(2021, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
# Not UTC on the way in: both databases must give back the same instant.
EASTERN = datetime(2024, 3, 10, 2, 30, 0, 1, tzinfo=timezone(timedelta(hours=-5)))


# -- databases -------------------------------------------------------------------------------


def migrated_sqlite(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = create_db_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def new_postgres(postgres_admin_url: str) -> Iterator[Any]:
    """Make empty PostgreSQL databases (migrated unless told not to); dropped afterwards."""
    names: list[str] = []

    def make(*, migrated: bool = True) -> str:
        name = f"copy_{str(ULID()).lower()}"
        names.append(name)
        url = create_database(postgres_admin_url, name)
        if migrated:
            engine = create_db_engine(url)
            try:
                migrate.upgrade(engine)
            finally:
                engine.dispose()
        return url

    yield make
    for name in names:
        drop_database(postgres_admin_url, name)


@dataclass(frozen=True)
class Seeded:
    cache_hit_job: str  # its cache_hit_of_id points at a job with a larger id
    json_null_job: str  # `error` holds JSON null, `metrics` SQL NULL
    job_event_rows: int


def seed(url: str) -> Seeded:
    """Realistic rows in every ADE table, with the values most likely to be mangled."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            admin = User(
                email="admin@example.org",
                display_name=UNICODE,
                password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
                is_admin=True,
                last_login_at=EASTERN,
                created_at=OLD,
                updated_at=OLD + timedelta(days=1),
            )
            locked = User(
                email="locked@example.org",
                is_active=False,
                failed_login_count=5,
                locked_until=datetime(2030, 1, 1, tzinfo=UTC),
            )
            session.add_all([admin, locked])
            session.flush()
            session.add_all(
                [
                    ApiKey(
                        user_id=admin.id,
                        name="ci",
                        prefix="ade_k1",
                        secret_hash="h1",
                        expires_at=datetime(2027, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
                    ),
                    ApiKey(
                        user_id=admin.id,
                        name="old",
                        prefix="ade_k2",
                        secret_hash="h2",
                        revoked_at=OLD,
                    ),
                    RevokedToken(jti="jti-1", user_id=admin.id, expires_at=OLD),
                ]
            )
            acme = Workspace(name=f"Acme {UNICODE}", slug="acme", created_by_id=admin.id)
            other = Workspace(name="Other", slug="other")
            session.add_all([acme, other])
            session.flush()
            session.add_all(
                [
                    WorkspaceMember(workspace_id=acme.id, user_id=admin.id, role="owner"),
                    WorkspaceMember(workspace_id=acme.id, user_id=locked.id, role="viewer"),
                    WorkspaceMember(workspace_id=other.id, user_id=locked.id, role="editor"),
                ]
            )
            roster = Config(workspace_id=acme.id, slug="roster", title="Roster")
            archived = Config(
                workspace_id=acme.id,
                slug="old",
                title="Old",
                archived=True,
                archived_at=OLD,
                created_by_id=admin.id,
            )
            session.add_all([roster, archived])
            session.flush()
            manifest = {
                "name": UNICODE,
                "columns": [{"field": "email", "required": True, "weight": 0.75}],
                "nested": {"empty": {}, "list": [], "none": None, "big": 2**53},
            }
            versions = [
                ConfigVersion(
                    config_id=roster.id,
                    status="deprecated",
                    semver="0.1.0",
                    manifest={},
                    deprecated_at=OLD,
                ),
                ConfigVersion(
                    config_id=roster.id,
                    status="published",
                    semver="1.0.0",
                    manifest=manifest,
                    message=f"first release {UNICODE}",
                    created_by_id=admin.id,
                    published_by_id=admin.id,
                    published_at=EASTERN,
                ),
                ConfigVersion(config_id=roster.id, status="draft", manifest={"draft": True}),
            ]
            session.add_all(versions)
            session.flush()
            published = versions[1]
            files = {
                "manifest.json": b'{"name": "roster"}\n',
                "columns/email.py": f"# {UNICODE}\n".encode(),
                "data/blob.bin": bytes(range(256)) * 4,
                "empty.txt": b"",
            }
            session.add_all(
                ConfigFile(
                    version_id=published.id,
                    path=path,
                    content=content,
                    sha256=hashlib.sha256(content).hexdigest(),
                    size=len(content),
                )
                for path, content in files.items()
            )
            session.add(
                WorkspaceActiveConfig(
                    workspace_id=acme.id, config_id=roster.id, activated_by_id=admin.id
                )
            )
            documents = [
                Document(
                    workspace_id=acme.id,
                    original_filename=f"members {UNICODE}.xlsx",
                    content_type="application/vnd.ms-excel",
                    file_type="xlsx",
                    size=5_000_000_000,
                    sha256="a" * 64,
                    storage_key="documents/acme/d1.xlsx",
                    uploaded_by_id=admin.id,
                    idempotency_key="upload-1",
                ),
                Document(
                    workspace_id=acme.id,
                    original_filename="members.csv",
                    content_type="text/csv",
                    file_type="csv",
                    size=0,
                    sha256="b" * 64,
                    storage_key="documents/acme/d2.csv",
                ),
            ]
            session.add_all(documents)
            session.flush()
            # The cache hit gets the smaller id, so copying jobs in id order meets it first,
            # before the job it points at: the self-referencing key must wait.
            hit_id, original_id = new_id(), new_id()
            common = {
                "workspace_id": acme.id,
                "document_id": documents[0].id,
                "config_version_id": published.id,
                "run_key": "r" * 64,
            }
            original = Job(
                id=original_id,
                status="succeeded",
                flags={"sheet": UNICODE, "strict": False},
                force=True,
                queued_at=EASTERN,
                started_at=EASTERN + timedelta(seconds=1),
                completed_at=EASTERN + timedelta(seconds=2, microseconds=5),
                attempts=1,
                artifact_path="jobs/j1/artifact.json",
                output_path="jobs/j1/normalized.xlsx",
                metrics={"rows": 5, "seconds": 0.125, "tables": [1, 2.5, None]},
                submitted_by_id=admin.id,
                worker_id="worker-1",
                request_id="req-1",
                idempotency_key="job-1",
                created_at=OLD,
                updated_at=OLD + timedelta(hours=1),
                **common,
            )
            session.add(original)
            session.flush()
            hit = Job(
                id=hit_id,
                status="succeeded",
                cache_hit_of_id=original_id,
                created_at=OLD,
                updated_at=OLD + timedelta(hours=2),
                **common,
            )
            failed = Job(
                status="failed",
                error=JSON.NULL,  # JSON null, not SQL NULL: both must survive as they are
                attempts=3,
                cancel_requested_at=OLD,
                heartbeat_at=OLD,
                workspace_id=acme.id,
                document_id=documents[1].id,
                config_version_id=published.id,
                run_key="s" * 64,
            )
            queued = Job(
                status="queued",
                error={"code": "sandbox_timeout", "message": UNICODE},
                workspace_id=other.id,
                document_id=documents[1].id,
                config_version_id=published.id,
                run_key="t" * 64,
            )
            session.add_all([hit, failed, queued])
            session.flush()
            events = [
                JobEvent(
                    job_id=original_id,
                    seq=seq,
                    type="job.progress" if seq > 1 else "job.queued",
                    payload={"seq": seq, "text": UNICODE[: seq % 10], "ok": seq % 2 == 0},
                )
                for seq in range(1, 26)
            ]
            session.add_all(events)
            session.add_all(
                [
                    DomainEvent(
                        workspace_id=acme.id,
                        type="document.uploaded",
                        subject_type="document",
                        subject_id=documents[0].id,
                        actor_id=admin.id,
                        request_id="req-0",
                        payload={"filename": UNICODE},
                    ),
                    DomainEvent(type="user.created", payload={}),
                ]
            )
            session.commit()
            seeded = Seeded(hit_id, failed.id, len(events))
    finally:
        engine.dispose()
    if url.startswith("sqlite:///"):  # the seed really holds both kinds of null
        with sqlite3.connect(url.removeprefix("sqlite:///")) as raw:
            row = raw.execute(
                "SELECT error, metrics FROM jobs WHERE id = ?", (seeded.json_null_job,)
            ).fetchone()
        assert row == ("null", None)
    return seeded


# -- comparing ---------------------------------------------------------------------------------


def row_counts(url: str) -> dict[str, int]:
    return {name: len(rows) for name, rows in table_rows(url).items()}


def assert_same_rows(source: str, target: str) -> None:
    expected, actual = table_rows(source), table_rows(target)
    assert list(actual) == list(expected)
    for name, rows in expected.items():
        assert len(actual[name]) == len(rows), name
        for want, got in zip(rows, actual[name], strict=True):
            assert got == want, f"{name}: {got} != {want}"


# -- the main path -----------------------------------------------------------------------------


@pytest.mark.postgres
def test_sqlite_to_postgres_copies_every_table_row_for_row(
    tmp_path: Path, new_postgres: Any
) -> None:
    source = migrated_sqlite(tmp_path / "ade.sqlite")
    seeded = seed(source)
    counts = row_counts(source)
    assert all(counts.values()), f"the seed misses a table: {counts}"
    target = new_postgres()
    reported: list[TableCopy] = []
    batches: list[int] = []

    def count_batches(_conn: Any, clause: Any, multiparams: Any, *_: Any) -> None:
        if getattr(clause, "is_insert", False) and clause.table.name == "job_events":
            batches.append(len(multiparams))

    # Batches of 10: the 25 job events go in as 10 + 10 + 5.
    event.listen(Engine, "before_execute", count_batches)
    try:
        result = copy_database(source, target, batch_size=10, on_table=reported.append)
    finally:
        event.remove(Engine, "before_execute", count_batches)

    assert batches == [10, 10, 5]
    assert [t.name for t in result.tables] == [t.name for t in metadata.sorted_tables]
    assert reported == result.tables
    assert {t.name: t.source_rows for t in result.tables} == counts
    assert all(t.source_rows == t.target_rows for t in result.tables)
    assert result.total_rows == sum(counts.values())
    assert result.revision == migrate.head_revision()
    assert_same_rows(source, target)

    engine = create_db_engine(target)
    try:
        with engine.connect() as connection:
            hit = connection.execute(
                text("SELECT cache_hit_of_id, updated_at FROM jobs WHERE id = :id"),
                {"id": seeded.cache_hit_job},
            ).one()
            assert hit.cache_hit_of_id > seeded.cache_hit_job
            assert hit.updated_at == OLD + timedelta(hours=2)  # not touched by the fix-up
            kinds = connection.execute(
                text("SELECT jsonb_typeof(error), metrics IS NULL FROM jobs WHERE id = :id"),
                {"id": seeded.json_null_job},
            ).one()
            assert tuple(kinds) == ("null", True)
            assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
        # ADE goes on writing to the copy as usual.
        with Session(engine) as session:
            user = User(email="after@example.org")
            session.add(user)
            session.flush()
            session.add(JobEvent(job_id=seeded.cache_hit_job, seq=1, type="job.queued"))
            session.commit()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_back_to_sqlite_round_trips(tmp_path: Path, new_postgres: Any) -> None:
    source = migrated_sqlite(tmp_path / "ade.sqlite")
    seed(source)
    middle = new_postgres()
    copy_database(source, middle)
    back = migrated_sqlite(tmp_path / "back.sqlite")
    result = copy_database(middle, back, batch_size=7)
    assert result.total_rows == sum(row_counts(source).values())
    assert_same_rows(source, back)


def test_sqlite_to_sqlite(tmp_path: Path) -> None:
    source = migrated_sqlite(tmp_path / "a.sqlite")
    seed(source)
    target = migrated_sqlite(tmp_path / "b.sqlite")
    copy_database(source, target)
    assert_same_rows(source, target)
    # The source was only read: it still has no row more, no row less.
    assert row_counts(source) == row_counts(target)


def test_an_empty_source_copies_nothing(tmp_path: Path) -> None:
    source = migrated_sqlite(tmp_path / "a.sqlite")
    target = migrated_sqlite(tmp_path / "b.sqlite")
    result = copy_database(source, target)
    assert result.total_rows == 0
    assert len(result.tables) == len(metadata.sorted_tables)


# -- refusals ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_target_with_rows_is_refused_and_left_alone(tmp_path: Path, new_postgres: Any) -> None:
    source = migrated_sqlite(tmp_path / "ade.sqlite")
    seed(source)
    target = new_postgres()
    engine = create_db_engine(target)
    try:
        with Session(engine) as session:
            session.add(Workspace(name="Already here", slug="here"))
            session.commit()
    finally:
        engine.dispose()
    with pytest.raises(CopyError) as caught:
        copy_database(source, target)
    message = str(caught.value)
    assert message == (
        "the target database is not empty (table workspaces has 1 row): ade db copy only "
        "fills an empty, migrated database, it never merges"
    )
    counts = row_counts(target)
    assert counts["workspaces"] == 1
    assert sum(counts.values()) == 1


@pytest.mark.postgres
def test_an_unmigrated_target_is_refused(tmp_path: Path, new_postgres: Any) -> None:
    source = migrated_sqlite(tmp_path / "ade.sqlite")
    target = new_postgres(migrated=False)
    with pytest.raises(CopyError) as caught:
        copy_database(source, target)
    assert str(caught.value) == (
        f"the target database is at revision none, not head {migrate.head_revision()}: run "
        "`ade db migrate` with ADE_DATABASE_URL set to the target first"
    )


def test_an_unmigrated_source_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite").touch()
    target = migrated_sqlite(tmp_path / "b.sqlite")
    with pytest.raises(CopyError) as caught:
        copy_database(f"sqlite:///{tmp_path / 'empty.sqlite'}", target)
    head = migrate.head_revision()
    assert str(caught.value).startswith(
        f"the source database is at revision none and the target at {head}: both must be at "
        "head; run `ade db migrate`"
    )


def test_a_source_at_another_revision_is_refused(tmp_path: Path) -> None:
    source = migrated_sqlite(tmp_path / "a.sqlite")
    with sqlite3.connect(tmp_path / "a.sqlite") as raw:
        raw.execute("UPDATE alembic_version SET version_num = 'f00dcafe'")
    target = migrated_sqlite(tmp_path / "b.sqlite")
    with pytest.raises(CopyError) as caught:
        copy_database(source, target)
    assert str(caught.value) == (
        "the source database is at revision f00dcafe, which this ADE does not know (the target "
        f"is at {migrate.head_revision()}): copy with the ADE version that made the source"
    )


def test_a_source_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database " * 100)
    target = migrated_sqlite(tmp_path / "b.sqlite")
    with pytest.raises(CopyError) as caught:
        copy_database(f"sqlite:///{tmp_path / 'notes.txt'}", target)
    assert str(caught.value) == (
        f"cannot read the source database sqlite:///{tmp_path / 'notes.txt'}: "
        "file is not a database"
    )


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    target = migrated_sqlite(tmp_path / "b.sqlite")
    missing = tmp_path / "nope" / "ade.sqlite"
    with pytest.raises(CopyError, match=f"the source database file {missing} does not exist"):
        copy_database(f"sqlite:///{missing}", target)
    assert not missing.parent.exists()
    with pytest.raises(CopyError, match="does not exist: create it with `ade db migrate` first"):
        copy_database(target, f"sqlite:///{missing}")
    assert not missing.parent.exists()


def test_the_same_database_is_refused(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path / "a.sqlite")
    with pytest.raises(CopyError, match="the source and the target are the same database"):
        copy_database(url, f"sqlite:///{tmp_path}/../{tmp_path.name}/a.sqlite")
    same = "postgresql://ade:pw@db:5432/ade"
    with pytest.raises(CopyError, match="same database"):
        copy_database(same, "postgresql+psycopg://ade:other@db:5432/ade")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "the target is not a database URL (expected sqlite:///PATH or"),
        ("postgresql://ade:s3cretpw@db:notaport/ade", "the target is not a database URL"),
        (
            "mysql://ade:s3cretpw@db/ade",
            "the target database mysql://ade:***@db/ade is not supported",
        ),
    ],
)
def test_a_bad_url_is_one_line_without_the_password(
    tmp_path: Path, url: str, expected: str
) -> None:
    source = migrated_sqlite(tmp_path / "a.sqlite")
    with pytest.raises(CopyError) as caught:
        copy_database(source, url)
    message = str(caught.value)
    assert message.startswith(expected)
    assert "s3cretpw" not in message
    assert "\n" not in message


def test_an_unreachable_target_is_one_line_without_the_password(tmp_path: Path) -> None:
    source = migrated_sqlite(tmp_path / "a.sqlite")
    with pytest.raises(CopyError) as caught:
        copy_database(source, "postgresql://ade:s3cretpw@127.0.0.1:1/ade")
    message = str(caught.value)
    assert message.startswith(
        "cannot reach the target database postgresql://ade:***@127.0.0.1:1/ade: "
    )
    assert "s3cretpw" not in message
    assert "\n" not in message


def test_display_url_hides_the_password() -> None:
    shown = db_copy.display_url("postgresql+psycopg://ade:s3cret@db.internal:5432/ade")
    assert shown == "postgresql+psycopg://ade:***@db.internal:5432/ade"
    assert db_copy.display_url("sqlite:////srv/ade/data/db/ade.sqlite") == (
        "sqlite:////srv/ade/data/db/ade.sqlite"
    )


# -- failures roll back ------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_failure_mid_copy_leaves_the_target_empty(
    tmp_path: Path, new_postgres: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = migrated_sqlite(tmp_path / "ade.sqlite")
    seed(source)
    target = new_postgres()
    real = db_copy._insert_batch
    tables: list[str] = []

    def fail_at_jobs(writer: Connection, statement: Any, batch: list[dict[str, Any]]) -> None:
        tables.append(statement.table.name)
        if statement.table.name == "jobs":
            raise RuntimeError("injected failure")
        real(writer, statement, batch)

    monkeypatch.setattr(db_copy, "_insert_batch", fail_at_jobs)
    with pytest.raises(RuntimeError, match="injected failure"):
        copy_database(source, target)
    assert "users" in tables  # rows went in before the failure
    assert "config_files" in tables
    assert sum(row_counts(target).values()) == 0
    monkeypatch.undo()
    copy_database(source, target)  # and the target is still good to copy into
    assert_same_rows(source, target)


@pytest.mark.postgres
def test_a_value_postgresql_refuses_rolls_everything_back(
    tmp_path: Path, new_postgres: Any
) -> None:
    source = migrated_sqlite(tmp_path / "ade.sqlite")
    seed(source)
    # SQLite never enforces VARCHAR lengths; PostgreSQL does. job_events is the last table.
    with sqlite3.connect(tmp_path / "ade.sqlite") as raw:
        raw.execute("UPDATE job_events SET type = ? WHERE seq = 25", ("x" * 65,))
    target = new_postgres()
    with pytest.raises(CopyError) as caught:
        copy_database(source, target)
    message = str(caught.value)
    assert message.startswith(
        "copying table job_events failed, the target was rolled back: value too long"
    )
    assert "\n" not in message
    assert sum(row_counts(target).values()) == 0


# -- cycles and sequences, on a schema made for them ------------------------------------------


def cyclic_metadata() -> MetaData:
    """Integer identity keys, a cycle between two tables and a table pointing at itself."""
    schema = MetaData()
    Table(
        "teams",
        schema,
        Column("id", Integer, primary_key=True),
        Column("name", String(50), nullable=False),
        Column("captain_id", Integer, ForeignKey("people.id", use_alter=True)),
    )
    Table(
        "people",
        schema,
        Column("id", Integer, primary_key=True),
        Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
        Column("mentor_id", Integer, ForeignKey("people.id")),
        Column("label", String(50)),
    )
    return schema


@pytest.mark.postgres
def test_cycles_and_sequences(tmp_path: Path, new_postgres: Any) -> None:
    schema = cyclic_metadata()
    teams, people = schema.tables["teams"], schema.tables["people"]
    # A plain engine: SQLite then leaves foreign keys unchecked, so the rows can go in at once.
    source = create_engine(f"sqlite:///{tmp_path / 'cyclic.sqlite'}")
    target = create_db_engine(new_postgres(migrated=False))
    try:
        schema.create_all(source)
        schema.create_all(target)
        with source.begin() as connection:
            connection.execute(insert(teams), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
            connection.execute(
                insert(people),
                [
                    # Mentors with larger ids, and teams whose captain comes later.
                    {"id": 10, "team_id": 1, "mentor_id": None, "label": "first"},
                    {"id": 11, "team_id": 1, "mentor_id": 12, "label": None},
                    {"id": 12, "team_id": 2, "mentor_id": 40, "label": "x"},
                    {"id": 40, "team_id": 2, "mentor_id": 11, "label": "y"},
                ],
            )
            connection.execute(teams.update().where(teams.c.id == 1).values(captain_id=40))
        with source.connect() as reader, target.begin() as writer:
            copied = copy_tables(reader, writer, metadata=schema, batch_size=2)
        assert [(c.name, c.target_rows) for c in copied] == [("teams", 2), ("people", 4)]
        with source.connect() as a, target.connect() as b:
            for table in (teams, people):
                statement = select(table).order_by(table.c.id)
                assert b.execute(statement).all() == a.execute(statement).all()
        # The identity sequences were moved past the copied ids.
        with target.begin() as connection:
            new_team = connection.scalar(insert(teams).values(name="c").returning(teams.c.id))
            new_person = connection.scalar(
                insert(people).values(team_id=new_team).returning(people.c.id)
            )
        assert (new_team, new_person) == (3, 41)
    finally:
        source.dispose()
        target.dispose()


def test_a_not_null_key_into_a_cycle_is_refused() -> None:
    schema = MetaData()
    Table("a", schema, Column("id", Integer, primary_key=True))
    Table(
        "b",
        schema,
        Column("id", Integer, primary_key=True),
        Column("b_id", Integer, ForeignKey("b.id"), nullable=False),
    )
    with pytest.raises(CopyError, match="foreign key b_id to b may point at a row not copied"):
        db_copy._deferred_foreign_keys(list(schema.sorted_tables))


def test_every_table_of_the_models_is_copied() -> None:
    names = [t.name for t in metadata.sorted_tables]
    assert "alembic_version" not in names
    assert len(names) == 13
    assert db_copy._deferred_foreign_keys(metadata.sorted_tables) == {
        "jobs": (metadata.tables["jobs"].c.cache_hit_of_id,)
    }
