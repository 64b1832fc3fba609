"""A job's event timeline: rows of (job_id, seq, type, payload, created_at).

Entries that change what a list of jobs shows (queued, started, a pass completed, retrying,
succeeded, failed, cancelled...) are also written to the workspace's domain event log, in the
same transaction, whoever writes them (the API or a worker): the workspace's live stream and a
document's timeline read that log (see :func:`record_job_changes`).

`seq` is unique per job: a batch reads max(seq) once and inserts all its rows in one
statement, inside a savepoint. On SQLite the savepoint itself takes the write lock (the
engine issues BEGIN IMMEDIATE at a transaction's first write), so the read is never a stale
snapshot and writers take turns. On PostgreSQL the job's row is locked first; two writers
racing can still pick the same seq (e.g. one that did not lock): the loser hits the unique
constraint and retries its savepoint, so the rest of its transaction (a claim, a status
change) survives.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ade_db.metadata import table_of
from ade_db.models import ConfigVersion, DomainEvent, Job, JobEvent
from ade_db.types import new_id, utcnow

log = logging.getLogger(__name__)

#: Attempts at one batch before a persistent seq conflict is raised.
MAX_SEQ_RETRIES = 8
#: Largest payload relayed from the engine, in characters of its repr; bigger ones are cut.
MAX_PAYLOAD_CHARS = 64 * 1024

EventRow = tuple[str, dict[str, Any]]

#: Timeline entry -> the workspace event it becomes. Only these reach the workspace's log: the
#: rest (logs, mapping decisions, row progress) stay in the job's own timeline.
WORKSPACE_EVENT_TYPES = {
    "job.queued": "job.queued",
    "job.cache_hit": "job.cache_hit",
    "job.started": "job.started",
    "pass.completed": "job.progress",
    "job.retrying": "job.retrying",
    "job.cancel_requested": "job.cancel_requested",
    "job.succeeded": "job.succeeded",
    "job.failed": "job.failed",
    "job.cancelled": "job.cancelled",
}
_JOB_FIELDS = (
    Job.workspace_id,
    Job.document_id,
    Job.config_version_id,
    ConfigVersion.config_id,
    Job.status,
    Job.attempts,
    Job.cache_hit_of_id,
    Job.queued_at,
    Job.started_at,
    Job.completed_at,
    Job.cancel_requested_at,
    Job.updated_at,
)


# Built once (every batch of every job runs them): building a statement and keying it for
# SQLAlchemy's statement cache cost more than running it on SQLite.
_LAST_SEQ = select(func.coalesce(func.max(JobEvent.seq), 0)).where(
    JobEvent.job_id == bindparam("job_id")
)
# INSERTs of the tables, not the mapped classes: an ORM-enabled INSERT of a list of rows goes
# through the ORM's bulk-insert bookkeeping, which cost more than the statement (a tenth of
# the API's work for a submit, and more of a worker's write transaction, with the lock held).
_INSERT_EVENTS = insert(table_of(JobEvent))
_LOCK_JOB = select(Job.id).where(Job.id == bindparam("job_id")).with_for_update(key_share=True)
_JOB_STATE = (
    select(*_JOB_FIELDS)
    .join(ConfigVersion, ConfigVersion.id == Job.config_version_id)
    .where(Job.id == bindparam("job_id"))
)
_INSERT_DOMAIN_EVENTS = insert(table_of(DomainEvent))


def _insert_batch(session: Session, job_id: str, events: Sequence[EventRow]) -> None:
    """The events after the job's current last seq: one read, one multi-row INSERT."""
    last = session.scalar(_LAST_SEQ, {"job_id": job_id})
    now = utcnow()
    session.execute(
        _INSERT_EVENTS,
        [
            {
                "id": new_id(),
                "job_id": job_id,
                "seq": int(last or 0) + offset,
                "type": type_,
                "payload": payload,
                "created_at": now,
            }
            for offset, (type_, payload) in enumerate(events, 1)
        ],
    )


def append_events(
    session: Session,
    job_id: str,
    events: Sequence[EventRow],
    *,
    actor_id: str | None = None,
    request_id: str | None = None,
) -> None:
    """Add `events` (type, payload) to the job's timeline in order, in the session's transaction,
    and the status changes among them to the workspace's event log (`actor_id` and `request_id`
    name who asked, when a person did).

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
                    session.execute(_LOCK_JOB, {"job_id": job_id})
                _insert_batch(session, job_id, events)
            break
        except IntegrityError:
            if attempt == MAX_SEQ_RETRIES:
                raise
            log.debug("job %s: seq clash, retrying (%d)", job_id, attempt)
            time.sleep(random.uniform(0, 0.01 * attempt))  # noqa: S311 (jitter, not crypto)
    record_job_changes(session, job_id, events, actor_id=actor_id, request_id=request_id)


def append_event(
    session: Session,
    job_id: str,
    type_: str,
    payload: dict[str, Any],
    *,
    actor_id: str | None = None,
    request_id: str | None = None,
) -> None:
    """One event; see :func:`append_events`."""
    append_events(session, job_id, [(type_, payload)], actor_id=actor_id, request_id=request_id)


def _detail(type_: str, payload: dict[str, Any]) -> dict[str, Any]:
    if type_ == "pass.completed":  # the pass's name and time, not the engine's counters
        return {"pass": payload.get("name"), "elapsed_ms": payload.get("elapsed_ms")}
    return {k: v for k, v in payload.items() if k not in ("ts", "seq")}


def record_job_changes(
    session: Session,
    job_id: str,
    events: Sequence[EventRow],
    *,
    actor_id: str | None = None,
    request_id: str | None = None,
    job: Job | None = None,
    config_id: str | None = None,
) -> None:
    """Write the status changes among `events` (timeline rows of the job) to the workspace's
    event log, each with the job's state as it now is in this transaction: what a list of jobs
    needs to update one row (status, document, config, attempts, timestamps).

    The state is read from the database, unless the caller holds the job, flushed, and knows
    its config (`job` and `config_id`: a new job, whose state is all in hand)."""
    changes = [(t, p) for t, p in events if t in WORKSPACE_EVENT_TYPES]
    if not changes:
        return
    if job is not None and config_id is not None:
        values = [
            config_id if column is ConfigVersion.config_id else getattr(job, column.key)
            for column in _JOB_FIELDS
        ]
    else:
        session.flush()  # changes made through the ORM count (sessions may not autoflush)
        row = session.execute(_JOB_STATE, {"job_id": job_id}).one_or_none()
        if row is None:  # deleted meanwhile: nothing left to show
            return
        values = list(row)
    state = {
        column.key: value.isoformat() if isinstance(value, datetime) else value
        for column, value in zip(_JOB_FIELDS, values, strict=True)
    }
    workspace_id = state.pop("workspace_id")
    state["job_id"] = job_id
    state["cache_hit"] = state.pop("cache_hit_of_id") is not None
    session.execute(
        _INSERT_DOMAIN_EVENTS,
        [
            {
                "id": new_id(),
                "workspace_id": workspace_id,
                "type": WORKSPACE_EVENT_TYPES[type_],
                "subject_type": "job",
                "subject_id": job_id,
                "actor_id": actor_id,
                "request_id": request_id,
                "payload": {**state, "detail": _detail(type_, payload)},
                "created_at": utcnow(),
            }
            for type_, payload in changes
        ],
    )


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
    """Collects engine events and writes them in batches: once the oldest pending event is
    `interval` seconds old (checked on each new event and on :meth:`maybe_flush`), so a
    follower sees an event within about `interval`; a run shorter than that writes nothing
    on its own: the caller takes what is left (:meth:`take`) into the transaction that
    records how the run ended, or writes it with :meth:`close`.

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
        self._pending_since = 0.0
        self._lock = threading.Lock()
        self.written = 0

    def __call__(self, event: dict[str, Any]) -> None:
        with self._lock:
            if not self._pending:
                self._pending_since = self._clock()
            self._pending.append(engine_event_row(event))
        self.maybe_flush()

    def maybe_flush(self) -> None:
        """Flush if the oldest pending event waited `interval` (also called while the engine
        is quiet)."""
        if self._pending and self._clock() - self._pending_since >= self._interval:
            self.flush()

    def take(self) -> list[EventRow]:
        """What is pending, now the caller's to write (counted as written)."""
        with self._lock:
            batch, self._pending = self._pending, []
        self.written += len(batch)
        return batch

    def flush(self) -> None:
        """Write what is pending, in one transaction."""
        batch = self.take()
        if not batch:
            return
        with self._sessions() as session:
            append_events(session, self._job_id, batch)
            session.commit()

    def close(self) -> None:
        self.flush()


def job_events(session: Session, job_id: str) -> list[JobEvent]:
    """The job's timeline in order (for tests and tools)."""
    return list(
        session.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.seq))
    )
