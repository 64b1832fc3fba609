"""A job's event timeline: rows of (job_id, seq, type, payload, created_at).

`seq` is unique per job and allocated as max(seq)+1 inside the INSERT itself, so the first
statement of a transaction already takes SQLite's write lock (a SELECT first would leave a
read snapshot that cannot be upgraded once another writer committed). Two writers racing on
PostgreSQL can still pick the same seq: the loser hits the unique constraint and retries
inside a savepoint, so the rest of its transaction (a claim, a status change) survives.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import Job, JobEvent
from ade_db.types import JSONType, new_id, utcnow

log = logging.getLogger(__name__)

#: Attempts at one batch before a persistent seq conflict is raised.
MAX_SEQ_RETRIES = 8
#: Largest payload relayed from the engine, in characters of its repr; bigger ones are cut.
MAX_PAYLOAD_CHARS = 64 * 1024

EventRow = tuple[str, dict[str, Any]]


def _insert_one(session: Session, job_id: str, type_: str, payload: dict[str, Any]) -> None:
    next_seq = select(func.coalesce(func.max(JobEvent.seq), 0) + 1).where(JobEvent.job_id == job_id)
    statement = insert(JobEvent).from_select(
        ["id", "job_id", "seq", "type", "payload", "created_at"],
        select(
            literal(new_id()),
            literal(job_id),
            next_seq.scalar_subquery(),
            literal(type_),
            bindparam(None, payload, type_=JSONType),
            bindparam(None, utcnow(), type_=JobEvent.__table__.c.created_at.type),
        ),
    )
    session.execute(statement)


def append_events(session: Session, job_id: str, events: Sequence[EventRow]) -> None:
    """Add `events` (type, payload) to the job's timeline in order, in the session's transaction.

    The caller commits. A seq clash with a concurrent writer is retried in a savepoint.
    """
    if not events:
        return
    lock_job_row = session.get_bind().dialect.name == "postgresql"
    for attempt in range(1, MAX_SEQ_RETRIES + 1):
        try:
            with session.begin_nested():
                if lock_job_row:
                    # Worker-side writers take turns per job (FOR NO KEY UPDATE does not block
                    # foreign-key checks); the retry covers writers that do not lock.
                    session.execute(
                        select(Job.id).where(Job.id == job_id).with_for_update(key_share=True)
                    )
                for type_, payload in events:
                    _insert_one(session, job_id, type_, payload)
            return
        except IntegrityError:
            if attempt == MAX_SEQ_RETRIES:
                raise
            log.debug("job %s: seq clash, retrying (%d)", job_id, attempt)
            time.sleep(random.uniform(0, 0.01 * attempt))  # noqa: S311 (jitter, not crypto)


def append_event(session: Session, job_id: str, type_: str, payload: dict[str, Any]) -> None:
    """One event; see :func:`append_events`."""
    append_events(session, job_id, [(type_, payload)])


def engine_event_row(event: dict[str, Any]) -> EventRow:
    """An engine event (``{"ts", "seq", "event", ...}``) as a timeline row.

    The type is the engine's event name; the rest is the payload, keeping the engine's own
    ``ts`` and ``seq`` (they order the run's events among themselves).
    """
    type_ = str(event.get("event") or "engine")[:64]
    payload = {k: v for k, v in event.items() if k != "event"}
    if len(repr(payload)) > MAX_PAYLOAD_CHARS:
        # A config logging a huge value must not bloat the timeline.
        payload = {
            "ts": payload.get("ts"),
            "seq": payload.get("seq"),
            "truncated": True,
            "preview": repr(payload)[:1024],
        }
    return type_, payload


class EventRelay:
    """Collects engine events and writes them in batches: at most every `interval` seconds
    (checked on each new event and on :meth:`flush`), and whatever is left at :meth:`close`.

    Called from the thread that runs the sandbox; writes use their own short session.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        job_id: str,
        *,
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = session_factory
        self._job_id = job_id
        self._interval = interval
        self._clock = clock
        self._pending: list[EventRow] = []
        self._last_flush = clock()
        self._lock = threading.Lock()
        self.written = 0

    def __call__(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(engine_event_row(event))
        self.maybe_flush()

    def maybe_flush(self) -> None:
        """Flush if the interval has passed (also called while the engine is quiet)."""
        if self._pending and self._clock() - self._last_flush >= self._interval:
            self.flush()

    def flush(self) -> None:
        """Write what is pending, in one transaction."""
        with self._lock:
            batch, self._pending = self._pending, []
        self._last_flush = self._clock()
        if not batch:
            return
        with self._sessions() as session:
            append_events(session, self._job_id, batch)
            session.commit()
        self.written += len(batch)

    def close(self) -> None:
        self.flush()


def job_events(session: Session, job_id: str) -> list[JobEvent]:
    """The job's timeline in order (for tests and tools)."""
    return list(
        session.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.seq))
    )
