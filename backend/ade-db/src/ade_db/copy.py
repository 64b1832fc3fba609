"""Copy every row of one ADE database into another, empty one: what `ade db copy` runs.

The main use is moving from the embedded SQLite file to PostgreSQL, but any pair of supported
URLs works (`sqlite:///PATH`, `postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB`).

What it guarantees:

- Both databases are at the head migration (the target is migrated beforehand with
  `ade db migrate`; this module never changes a schema). `alembic_version` is not copied.
- The target holds no rows in any ADE table, so nothing is ever merged or overwritten.
- Every table of `ade_db.metadata` is copied in foreign-key order, streamed in batches, inside
  ONE transaction on the target: a failure leaves the target exactly as empty as it was. The
  source is read in one read-only snapshot (PostgreSQL: REPEATABLE READ; SQLite: one read
  transaction), so the copy is consistent even if the source changes meanwhile; ADE must still
  be stopped, or what it writes after the snapshot is not copied.
- Values round-trip exactly: ids, timezone-aware timestamps (microseconds), booleans, bytes,
  unicode, SQL NULL, and JSON documents, where SQL NULL and a JSON `null` stay distinct
  (PostgreSQL's JSONB does not keep object key order or whitespace; the documents are equal).
- A foreign key to a row that may not be copied yet (a table referring to itself, such as
  `jobs.cache_hit_of_id`, or a cycle between tables) is inserted as NULL and set afterwards,
  in the same transaction, without touching `onupdate` columns such as `updated_at`.
- PostgreSQL sequences behind integer identity/serial columns, if a table has any, are moved
  past the copied ids, so later inserts do not collide.
- Row counts are compared, source against target, before the transaction commits.

Database URLs are only ever shown through `display_url`, which hides the password.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    and_,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import StatementError

import ade_db.models  # noqa: F401  (registers every table on the metadata)
from ade_db.copy_endpoints import (
    CopyError,
    check_file,
    check_revisions,
    first_line,
    identity,
    parse_endpoint,
    read_revision,
    source_engine,
)
from ade_db.copy_endpoints import display_url as display_url  # re-exported
from ade_db.engine import create_db_engine
from ade_db.metadata import metadata as ade_metadata

__all__ = ["CopyError", "CopyResult", "TableCopy", "copy_database", "copy_tables", "display_url"]

DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class TableCopy:
    """One table's row counts: in the source snapshot and in the target before commit."""

    name: str
    source_rows: int
    target_rows: int


@dataclass(frozen=True)
class CopyResult:
    """What a successful copy did."""

    source: str  # display form, password hidden
    target: str
    revision: str
    tables: list[TableCopy]

    @property
    def total_rows(self) -> int:
        return sum(table.target_rows for table in self.tables)


def copy_database(
    source_url: str,
    target_url: str,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_start: Callable[[str, str, str], None] | None = None,
    on_table: Callable[[TableCopy], None] | None = None,
) -> CopyResult:
    """Copy every ADE row from `source_url` into the empty, migrated `target_url`.

    Raises CopyError (one line, no password) when the copy is refused or fails; the target is
    then left as it was. Once both databases passed the checks, `on_start` gets the source,
    the target (passwords hidden) and the revision; `on_table` is called as each table is
    copied (before the commit).
    """
    if batch_size < 1:
        raise CopyError("the batch size must be at least 1")
    source = parse_endpoint("source", source_url)
    target = parse_endpoint("target", target_url)
    if identity(source) == identity(target):
        raise CopyError("the source and the target are the same database")
    check_file(source)
    check_file(target)

    reader_engine = source_engine(source)
    target_engine = create_db_engine(target.url)
    try:
        revision = check_revisions(
            read_revision(reader_engine, source), read_revision(target_engine, target)
        )
        with target_engine.connect() as connection:
            _check_empty(connection, list(ade_metadata.sorted_tables))  # again in the copy
        if on_start is not None:
            on_start(source.display, target.display, revision)
        try:
            with reader_engine.connect() as reader, target_engine.begin() as writer:
                tables = copy_tables(reader, writer, batch_size=batch_size, on_table=on_table)
        except StatementError as exc:
            raise CopyError(
                f"the copy failed and the target was rolled back: {first_line(exc)}"
            ) from None
        return CopyResult(source.display, target.display, revision, tables)
    finally:
        reader_engine.dispose()
        target_engine.dispose()


def copy_tables(
    reader: Connection,
    writer: Connection,
    *,
    metadata: MetaData = ade_metadata,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_table: Callable[[TableCopy], None] | None = None,
) -> list[TableCopy]:
    """Copy every table of `metadata` from `reader` into the empty tables behind `writer`.

    `writer` must be inside the transaction that the caller commits or rolls back; nothing
    here commits. Raises CopyError when the target has rows, a table fails to copy, or the
    counts differ at the end.
    """
    tables = list(metadata.sorted_tables)
    deferred = _deferred_foreign_keys(tables)
    if writer.dialect.name == "postgresql":
        # Nobody else writes these tables until the copy commits or rolls back.
        names = ", ".join(writer.dialect.identifier_preparer.format_table(t) for t in tables)
        writer.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    _check_empty(writer, tables)

    copies: list[TableCopy] = []
    for table in tables:
        try:
            source_rows = _count(reader, table)
            copied = _copy_table(reader, writer, table, deferred.get(table.name, ()), batch_size)
        except StatementError as exc:
            raise CopyError(
                f"copying table {table.name} failed, the target was rolled back: {first_line(exc)}"
            ) from None
        if copied != source_rows:
            raise CopyError(
                f"table {table.name}: read {copied} rows of {source_rows}; the target was "
                "rolled back (is something still writing to the source?)"
            )
        copy = TableCopy(table.name, source_rows, copied)
        copies.append(copy)
        if on_table is not None:
            on_table(copy)

    for table in tables:
        columns = deferred.get(table.name, ())
        if columns:
            try:
                _fill_deferred(reader, writer, table, columns, batch_size)
            except StatementError as exc:
                raise CopyError(
                    f"setting {table.name}.{', '.join(c.name for c in columns)} failed, the "
                    f"target was rolled back: {first_line(exc)}"
                ) from None
    if writer.dialect.name == "postgresql":
        _reset_sequences(writer, tables)

    verified = []
    for copy in copies:
        table = metadata.tables[copy.name]
        target_rows = _count(writer, table)
        if target_rows != copy.source_rows:
            raise CopyError(
                f"table {copy.name} has {copy.source_rows} rows in the source but {target_rows} "
                "in the target; the target was rolled back"
            )
        verified.append(TableCopy(copy.name, copy.source_rows, target_rows))
    return verified


def _deferred_foreign_keys(tables: Sequence[Table]) -> dict[str, tuple[Column[Any], ...]]:
    """Per table, the foreign-key columns that may point at rows not copied yet.

    That is a key to the table itself (a row may point at a later row) or to a table that is
    not copied earlier (a cycle). They are inserted as NULL and set once every row is in.
    """
    position = {table.name: index for index, table in enumerate(tables)}
    deferred: dict[str, tuple[Column[Any], ...]] = {}
    for table in tables:
        columns: list[Column[Any]] = []
        for constraint in table.foreign_key_constraints:
            referred = constraint.referred_table.name
            if position.get(referred, -1) < position[table.name]:
                continue
            for column in constraint.columns:
                if not column.nullable:
                    raise CopyError(
                        f"cannot copy table {table.name}: its foreign key {column.name} to "
                        f"{referred} may point at a row not copied yet and is NOT NULL"
                    )
                if column not in columns:
                    columns.append(column)
        if columns:
            deferred[table.name] = tuple(columns)
    return deferred


def _check_empty(writer: Connection, tables: Sequence[Table]) -> None:
    for table in tables:
        if writer.scalar(select(literal(1)).select_from(table).limit(1)) is not None:
            rows = _count(writer, table)
            raise CopyError(
                f"the target database is not empty (table {table.name} has {_rows(rows)}): "
                "ade db copy only fills an empty, migrated database, it never merges"
            )


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def _ordered(table: Table) -> list[Column[Any]]:
    return list(table.primary_key.columns) or list(table.columns)


def _json_columns(table: Table) -> list[Column[Any]]:
    return [column for column in table.columns if isinstance(column.type, JSON)]


def _stream(reader: Connection, statement: Any, batch_size: int) -> Iterator[Sequence[Any]]:
    """The rows of `statement`, `batch_size` at a time (a server-side cursor on PostgreSQL)."""
    result = reader.execution_options(yield_per=batch_size).execute(statement)
    try:
        yield from result.partitions(batch_size)
    finally:
        result.close()


def _copy_table(
    reader: Connection,
    writer: Connection,
    table: Table,
    deferred: Sequence[Column[Any]],
    batch_size: int,
) -> int:
    columns = list(table.columns)
    json_columns = _json_columns(table)
    # SQL NULL and JSON null read back alike (None): ask the source which one each value is.
    null_flags = [column.is_(None) for column in json_columns]
    statement = select(*columns, *null_flags).order_by(*_ordered(table))
    width = len(columns)
    json_index = {column.key: width + i for i, column in enumerate(json_columns)}
    deferred_keys = {column.key for column in deferred}
    insert = table.insert()
    copied = 0
    for rows in _stream(reader, statement, batch_size):
        batch = []
        for row in rows:
            values: dict[str, Any] = {}
            for index, column in enumerate(columns):
                value = row[index]
                if column.key in deferred_keys:
                    value = None
                elif column.key in json_index and row[json_index[column.key]]:
                    value = null()  # SQL NULL; a plain None would be written as JSON null
                values[column.key] = value
            batch.append(values)
        _insert_batch(writer, insert, batch)
        copied += len(batch)
    return copied


def _insert_batch(writer: Connection, insert: Any, batch: list[dict[str, Any]]) -> None:
    writer.execute(insert, batch)


def _fill_deferred(
    reader: Connection,
    writer: Connection,
    table: Table,
    columns: Sequence[Column[Any]],
    batch_size: int,
) -> None:
    """Set the deferred foreign keys of the rows that have one, now that every row is in."""
    keys = list(table.primary_key.columns)
    if not keys:
        raise CopyError(f"cannot copy table {table.name}: no primary key to update rows by")
    statement = (
        select(*keys, *columns)
        .where(or_(*(column.isnot(None) for column in columns)))
        .order_by(*keys)
    )
    deferred_keys = {column.key for column in columns}
    assignments: dict[str, Any] = {c.key: bindparam(f"v_{c.key}") for c in columns}
    # Core applies `onupdate` defaults (updated_at) to an UPDATE: keep the copied values.
    for column in table.columns:
        if column.onupdate is not None and column.key not in deferred_keys:
            assignments[column.key] = column
    change = (
        update(table)
        .where(and_(*(key == bindparam(f"k_{key.key}") for key in keys)))
        .values(assignments)
    )
    for rows in _stream(reader, statement, batch_size):
        batch = []
        for row in rows:
            params = {f"k_{key.key}": row[i] for i, key in enumerate(keys)}
            params.update({f"v_{c.key}": row[len(keys) + i] for i, c in enumerate(columns)})
            batch.append(params)
        writer.execute(change, batch)


def _reset_sequences(writer: Connection, tables: Sequence[Table]) -> None:
    """Move each sequence owned by an integer column past the largest copied value."""
    preparer = writer.dialect.identifier_preparer
    for table in tables:
        for column in table.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = writer.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": preparer.format_table(table), "column": column.name},
            )
            if sequence is None:
                continue
            largest = writer.scalar(select(func.max(column)))
            writer.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :value, false)"),
                {"sequence": sequence, "value": int(largest or 0) + 1},
            )
