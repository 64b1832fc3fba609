"""A database's whole content as Python values, to compare two databases row by row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, select

import ade_db.models  # noqa: F401  (every table on the metadata)
from ade_db import create_db_engine
from ade_db.metadata import metadata


def table_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every ADE table's rows, ordered by primary key; each JSON value is followed by whether
    it is SQL NULL (both SQL NULL and JSON null read back as None)."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            tables = {}
            for table in metadata.sorted_tables:
                flags = [c.is_(None) for c in table.columns if isinstance(c.type, JSON)]
                statement = select(*table.columns, *flags).order_by(*table.primary_key.columns)
                tables[table.name] = [tuple(row) for row in connection.execute(statement)]
            return tables
    finally:
        engine.dispose()
