"""Alembic environment for ADE's migrations.

Run through `ade_db.migrate` (which `ade db ...` wraps): it hands over an open connection in
`config.attributes["connection"]`. Batch mode lets the same migration files alter tables on
SQLite, which cannot ALTER most things in place.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import ade_db.models  # noqa: F401  (registers every table on the metadata)
from ade_db.metadata import metadata

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        transaction_per_migration=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run ADE migrations through ade_db.migrate (ade db migrate)")
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; use `ade db migrate`")
run_migrations_online()
