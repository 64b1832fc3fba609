"""What most commands need first: the data dir and a database engine.

Every command that opens the database names it on stderr before anything else (`database:
PATH` for SQLite, the URL without its password otherwise), so stdout keeps only the command's
answer. Only `ade db migrate` and `ade start` (and `ade api serve`, which migrates unless
`--no-migrate`) may create a new database or data dir: the others refuse, in one line naming
what they looked for, so a command run from the wrong folder never opens a second, empty ADE.

Imports of the database stack happen inside the functions so `ade --help` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ade_cli.errors import CliError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ade_db import DatabaseSettings
    from ade_storage import StorageLayout

#: Set by `ade start` for its children: it named the database already.
SHOWN_ENV = "_ADE_CLI_DATABASE_SHOWN"
_shown: list[bool] = []  # whether this process named it already
POINT_AT_IT = (
    "run it in the folder you run `ade start` in, or set ADE_STORAGE_DATA_DIR to the data "
    "dir (ADE_DATABASE_URL for another database); only `ade db migrate` makes a new one"
)


def prepare_data_dir(*, create: bool = True) -> StorageLayout:
    """The data dir with its folders (owner-only), the missing folders made. Without `create`,
    a data dir that does not exist is refused (nothing is made)."""
    from ade_storage import StorageSettings, ensure_data_dirs

    data_dir = StorageSettings().data_dir
    if not create and not data_dir.is_dir():
        raise CliError(f"no data dir at {data_dir.absolute()} ({_where(data_dir)}): {POINT_AT_IT}")
    return ensure_data_dirs(data_dir)


def database_label(settings: DatabaseSettings) -> str:
    """The database in force as people name it: the SQLite file's path, else the URL with its
    password hidden."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.url)
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


def show_database() -> None:
    """Name the configured database on stderr (once per process, and not again in `ade
    start`'s children)."""
    from ade_db import DatabaseSettings

    if _shown or os.environ.get(SHOWN_ENV):
        return
    print(f"database: {database_label(DatabaseSettings())}", file=sys.stderr, flush=True)
    _shown.append(True)


def open_engine(*, create: bool = False) -> Engine:
    """The configured database's engine, named on stderr first. Without `create`, a SQLite file
    that does not exist is refused (nothing is made); with it, the data dir (where the
    embedded SQLite lives) is created first."""
    from sqlalchemy.engine import make_url

    from ade_db import DatabaseSettings, create_db_engine

    settings = DatabaseSettings()
    show_database()
    url = make_url(settings.url)
    embedded = settings.database_url is None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database or "")
        if not create and not path.is_file():
            where = _where(settings.storage_data_dir) if embedded else "ADE_DATABASE_URL"
            raise CliError(f"no ADE database at {path} ({where}): {POINT_AT_IT}")
    if create:
        prepare_data_dir()
    return create_db_engine(settings=settings)


def _where(data_dir: Path) -> str:
    """How the data dir was chosen, for an error message."""
    if data_dir != Path("data"):
        return f"ADE_STORAGE_DATA_DIR={data_dir}"
    return f"ADE_STORAGE_DATA_DIR unset: ./data in {Path.cwd()}"
