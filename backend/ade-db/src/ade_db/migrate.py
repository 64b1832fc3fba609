"""Run ADE's Alembic migrations from code: what `ade db migrate|history|current|stamp` call.

The migration scripts ship inside this package (`ade_db/migrations`), so an installed ADE
can migrate its database with no alembic.ini and no source checkout.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

SCRIPT_LOCATION = "ade_db:migrations"


class _NoContextLines(logging.Filter):
    """Drop the two lines alembic logs each time it opens a migration context ("Context impl
    SQLiteImpl.", "Will assume non-transactional DDL."): every readiness check reads the
    revision, so they filled the API's log; "Running upgrade ..." lines stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Context impl ", "Will assume "))


logging.getLogger("alembic.runtime.migration").addFilter(_NoContextLines())


@dataclass(frozen=True)
class Revision:
    """One migration, as `ade db history` lists it."""

    revision: str
    down_revision: str | None
    message: str
    is_head: bool


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    """The packaged migration scripts."""
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest migration's id (ADE keeps a single, linear history)."""
    head = script_directory().get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations found in ade_db")
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` in one transaction."""
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Revert migrations down to `revision` (`base` removes every ADE table)."""
    with engine.begin() as connection:
        command.downgrade(_config(connection), revision)


def stamp(engine: Engine, revision: str) -> None:
    """Record `revision` as applied without running anything (for adopting a database)."""
    script_directory().get_revision(revision)  # fails clearly on an unknown revision
    with engine.begin() as connection:
        command.stamp(_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_at_head(engine: Engine) -> bool:
    """Whether the database has every packaged migration applied."""
    return current_revision(engine) == head_revision()


def history() -> list[Revision]:
    """Every packaged migration, newest first."""
    scripts = script_directory()
    heads = set(scripts.get_heads())
    revisions = []
    for script in scripts.walk_revisions():
        down = script.down_revision
        revisions.append(
            Revision(
                revision=script.revision,
                down_revision=down if isinstance(down, str) or down is None else ",".join(down),
                message=(script.doc or "").strip(),
                is_head=script.revision in heads,
            )
        )
    return revisions
