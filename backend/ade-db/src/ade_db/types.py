"""Column types shared by the models: ULID ids, UTC timestamps and portable JSON."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from ulid import ULID

ULID_LENGTH = 26


_RANDOM_BITS = 80
_id_lock = threading.Lock()
_last_id = 0


def new_id() -> str:
    """A new ULID as its canonical 26-character string, sortable by creation time.

    Monotonic within the process: ids made in the same millisecond still sort in the order
    they were made (the random part is incremented), so rows such as domain events can be
    ordered by id alone.
    """
    global _last_id
    with _id_lock:
        candidate = (time.time_ns() // 1_000_000) << _RANDOM_BITS | secrets.randbits(_RANDOM_BITS)
        if candidate <= _last_id:
            candidate = _last_id + 1
        _last_id = candidate
    return str(ULID.from_int(candidate))


def id_floor(moment: datetime) -> str:
    """The smallest id that can be made at `moment` (to the millisecond): every id made then
    or later sorts above it, so `id > id_floor(t)` selects rows made from `t` on."""
    milliseconds = max(0, int(moment.timestamp() * 1000))
    return str(ULID.from_int(milliseconds << _RANDOM_BITS))


def id_time(value: str) -> datetime:
    """When an id was made (to the millisecond), in UTC."""
    return ULID.from_str(value).datetime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone-aware type, so values are normalised to UTC on the way in and
    tagged as UTC on the way out; PostgreSQL stores `timestamptz`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; ADE stores timezone-aware UTC timestamps")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def ulid_column_type() -> String:
    """The storage type of a ULID id (also used for foreign keys to one)."""
    return String(ULID_LENGTH)


# JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")

JSONDict = dict[str, Any]
