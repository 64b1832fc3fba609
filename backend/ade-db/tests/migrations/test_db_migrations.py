"""The migrations build the schema the models describe, on SQLite and PostgreSQL, and undo it."""

from __future__ import annotations

import itertools
import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import ade_db.models  # noqa: F401
from ade_db import migrate
from ade_db.engine import create_db_engine
from ade_db.metadata import metadata
from ade_db.models import Config, ConfigVersion, Workspace

EXPECTED_TABLES = {
    "users",
    "api_keys",
    "revoked_tokens",
    "workspaces",
    "workspace_members",
    "workspace_active_configs",
    "configs",
    "config_versions",
    "config_files",
    "documents",
    "jobs",
    "job_events",
    "domain_events",
}


def test_upgrade_creates_every_table_and_reaches_head(fresh_db_url: str) -> None:
    engine = create_db_engine(fresh_db_url)
    try:
        assert migrate.current_revision(engine) is None
        assert not migrate.is_at_head(engine)
        migrate.upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert tables == EXPECTED_TABLES | {"alembic_version"}
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert migrate.is_at_head(engine)
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(fresh_db_url: str) -> None:
    engine = create_db_engine(fresh_db_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "target_metadata": metadata}
            )
            diff = compare_metadata(context, metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_partial_unique_indexes_exist_with_their_conditions(fresh_db_url: str) -> None:
    engine = create_db_engine(fresh_db_url)
    try:
        migrate.upgrade(engine)
        indexes = {ix["name"]: ix for ix in inspect(engine).get_indexes("config_versions")}
        for name, status in [
            ("uq_config_versions_one_draft", "draft"),
            ("uq_config_versions_one_published", "published"),
        ]:
            assert indexes[name]["unique"]
            assert indexes[name]["column_names"] == ["config_id"]
            options = indexes[name].get("dialect_options", {})
            where = options.get("sqlite_where", options.get("postgresql_where"))
            assert f"status = '{status}'" in str(where).replace("::text", "").replace(
                "(", ""
            ).replace(")", "")
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(fresh_db_url: str) -> None:
    engine = create_db_engine(fresh_db_url)
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.is_at_head(engine)
    finally:
        engine.dispose()


def test_stamp_records_a_revision_without_running_it(fresh_db_url: str) -> None:
    engine = create_db_engine(fresh_db_url)
    try:
        migrate.stamp(engine, migrate.head_revision())
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()


def test_history_lists_a_single_linear_chain_ending_at_head() -> None:
    revisions = migrate.history()
    assert revisions, "the package ships migrations"
    assert revisions[0].revision == migrate.head_revision()
    assert revisions[0].is_head
    assert [r.is_head for r in revisions[1:]] == [False] * (len(revisions) - 1)
    assert revisions[-1].down_revision is None
    for newer, older in itertools.pairwise(revisions):
        assert newer.down_revision == older.revision
    assert all(r.message for r in revisions)


def _add_version(engine: Engine, config_id: str, status: str, semver: str | None) -> str:
    with Session(engine) as session, session.begin():
        version = ConfigVersion(config_id=config_id, status=status, semver=semver, manifest={})
        session.add(version)
        session.flush()
        return version.id


def test_0002_allows_discarded_versions_and_its_downgrade_removes_them(
    fresh_db_url: str,
) -> None:
    engine = create_db_engine(fresh_db_url)
    try:
        migrate.upgrade(engine, "0001")
        with Session(engine) as session, session.begin():
            workspace = Workspace(name="Acme", slug="acme")
            session.add(workspace)
            session.flush()
            config = Config(workspace_id=workspace.id, slug="roster", title="Roster")
            session.add(config)
            session.flush()
            config_id = config.id
        _add_version(engine, config_id, "draft", None)
        _add_version(engine, config_id, "published", "1.0.0")
        with pytest.raises(IntegrityError):
            _add_version(engine, config_id, "discarded", None)

        migrate.upgrade(engine, "0002")  # the rows already there survive the rebuilt table
        kept = _add_version(engine, config_id, "discarded", None)
        with pytest.raises(IntegrityError):
            _add_version(engine, config_id, "archived", "2.0.0")
        with pytest.raises(IntegrityError):
            _add_version(engine, config_id, "deprecated", None)
        with pytest.raises(IntegrityError):  # the partial unique indexes survived too
            _add_version(engine, config_id, "published", "3.0.0")
        with Session(engine) as session:
            assert session.get(ConfigVersion, kept) is not None
            assert len(session.query(ConfigVersion).all()) == 3

        migrate.downgrade(engine, "0001")
        with Session(engine) as session:
            statuses = sorted(v.status for v in session.query(ConfigVersion).all())
        assert statuses == ["draft", "published"]
        with pytest.raises(IntegrityError):
            _add_version(engine, config_id, "discarded", None)
    finally:
        engine.dispose()


def test_reading_the_revision_logs_nothing_but_an_upgrade_still_says_what_it_ran(
    fresh_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The API's readiness check reads the revision on every call: alembic's "Context impl
    # SQLiteImpl." and "Will assume non-transactional DDL." lines filled its log.
    engine = create_db_engine(fresh_db_url)
    try:
        with caplog.at_level(logging.INFO, logger="alembic"):
            migrate.upgrade(engine)
            ran = [r.getMessage() for r in caplog.records]
            caplog.clear()
            assert migrate.current_revision(engine) == migrate.head_revision()
        assert caplog.records == []
        assert any(message.startswith("Running upgrade") for message in ran), ran
        assert not any(message.startswith(("Context impl", "Will assume")) for message in ran)
    finally:
        engine.dispose()
