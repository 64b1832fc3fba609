"""What most commands need first: the data dir and a database engine.

Imports of the database stack happen inside the functions so `ade --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ade_storage import StorageLayout


def prepare_data_dir() -> StorageLayout:
    """Create the data dir and its folders (owner-only) if they are missing."""
    from ade_storage import StorageSettings, ensure_data_dirs

    return ensure_data_dirs(StorageSettings().data_dir)


def open_engine() -> Engine:
    """The configured database's engine; the embedded SQLite's folder is created first."""
    from ade_db import DatabaseSettings, create_db_engine, is_sqlite

    settings = DatabaseSettings()
    if is_sqlite(settings.url) and settings.database_url is None:
        prepare_data_dir()
    return create_db_engine(settings=settings)
