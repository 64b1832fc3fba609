"""Database helpers shared by the services (the request's session still owns the commit)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ade_api.errors import ConflictError


def flush_or_conflict(session: Session, message: str, new: object | None = None) -> None:
    """Flush in a savepoint; a unique violation (also from a concurrent request) becomes a
    409 and leaves the session usable, with `new` discarded."""
    try:
        with session.begin_nested():
            if new is not None:
                session.add(new)
            session.flush()
    except IntegrityError as exc:
        raise ConflictError(message) from exc
