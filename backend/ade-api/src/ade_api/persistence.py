"""Database helpers shared by the services (the request's session still owns the commit)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ade_api.errors import ConflictError

_AFTER_COMMIT = "ade_after_commit"
log = logging.getLogger(__name__)


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


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the request's transaction has committed (in registration order).

    For side effects outside the database that must only follow saved state: a job id goes on
    the queue only after its row is committed, a blob is removed only after its row is gone.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


def run_after_commit(session: Session) -> None:
    """Run and forget the actions registered on `session` (called after a commit).

    The commit already happened, so an action that fails is logged, not raised: the client's
    change is saved, and the reconciler (jobs) or a later sweep (blobs) repairs what is left.
    """
    actions: list[Callable[[], None]] = session.info.pop(_AFTER_COMMIT, [])
    for action in actions:
        try:
            action()
        except Exception:
            log.exception("an after-commit action failed")
