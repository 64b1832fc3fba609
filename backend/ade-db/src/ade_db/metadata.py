"""The declarative base and the one `MetaData` every ADE table hangs off.

The naming convention gives every index and constraint a stable, predictable name on both
SQLite and PostgreSQL, so migrations can refer to them and autogenerate never sees spurious
renames.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Base class of every ADE model."""

    metadata = metadata


def table_of(model: type[Base]) -> Table:
    """The `Table` behind a model, typed as one: for the Core statements of hot paths, which
    skip the ORM's bookkeeping (bulk insert and update, compile state) for rows that need none.
    """
    return model.metadata.tables[model.__tablename__]
