"""The job timeline: seq allocation under concurrency, and batched relay of engine events."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import ConfigVersion, DomainEvent, Job, JobEvent
from ade_storage import LocalBlobStore
from ade_worker import timeline
from ade_worker.testing import seed_job
from ade_worker.timeline import (
    EventRelay,
    append_event,
    append_events,
    engine_event_row,
    job_events,
    record_job_changes,
)


def test_events_get_consecutive_seqs_after_the_apis(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    job_id = seed_job(sessions, blobs).job_id  # has job.queued at seq 1
    with sessions() as session:
        append_event(session, job_id, "job.started", {"attempt": 1})
        append_events(session, job_id, [("log", {"message": "a"}), ("log", {"message": "b"})])
        session.commit()
        rows = [(e.seq, e.type, e.payload) for e in job_events(session, job_id)]
    assert rows == [
        (1, "job.queued", {}),
        (2, "job.started", {"attempt": 1}),
        (3, "log", {"message": "a"}),
        (4, "log", {"message": "b"}),
    ]


def test_concurrent_writers_never_share_a_seq(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    job_id = seed_job(sessions, blobs).job_id
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        barrier.wait()
        try:
            for i in range(10):
                with sessions() as session:
                    append_events(session, job_id, [(name, {"i": i}), (name, {"i": i + 100})])
                    session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with sessions() as session:
        events = job_events(session, job_id)
    assert [e.seq for e in events] == list(range(1, 82))
    # A batch stays together and in order: its second event follows its first directly.
    for first, second in zip(events[1::2], events[2::2], strict=True):
        assert first.type == second.type
        assert second.payload["i"] == first.payload["i"] + 100


def test_a_persistent_seq_clash_is_raised_after_the_retries(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = seed_job(sessions, blobs).job_id
    calls: list[int] = []

    def clash(session: Session, job_id: str, events: list[tuple[str, dict[str, Any]]]) -> None:
        calls.append(1)
        for type_, payload in events:
            session.add(JobEvent(job_id=job_id, seq=1, type=type_, payload=payload))
        session.flush()  # seq 1 is job.queued: a unique violation every time

    monkeypatch.setattr(timeline, "_insert_batch", clash)
    with sessions() as session, pytest.raises(IntegrityError):
        append_event(session, job_id, "job.started", {})
    assert len(calls) == timeline.MAX_SEQ_RETRIES


def test_engine_events_keep_their_name_as_type_and_the_rest_as_payload() -> None:
    event = {"ts": "2026-01-01T00:00:00.000Z", "seq": 3, "event": "pass.completed", "pass": "map"}
    assert engine_event_row(event) == (
        "pass.completed",
        {"ts": "2026-01-01T00:00:00.000Z", "seq": 3, "pass": "map"},
    )
    huge = {"ts": "t", "seq": 9, "event": "log", "message": "x" * 200_000}
    type_, payload = engine_event_row(huge)
    assert type_ == "log"
    assert payload["truncated"] is True
    assert payload["seq"] == 9
    assert len(payload["preview"]) == 1024


def test_relay_writes_in_batches_not_one_transaction_per_event(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, migrated_engine: Engine
) -> None:
    job_id = seed_job(sessions, blobs).job_id
    now = [0.0]
    commits: list[int] = []

    def on_commit(conn: Any) -> None:
        commits.append(1)

    relay = EventRelay(sessions, job_id, interval=0.25, clock=lambda: now[0])
    event.listen(migrated_engine, "commit", on_commit)
    try:
        now[0] += 5  # a slow start (materializing, the jail) does not count as waiting
        for seq in range(1, 11):  # 10 events within 0.1 s: nothing written yet
            now[0] += 0.01
            relay({"ts": "t", "seq": seq, "event": "progress", "done": seq})
        assert commits == []
        relay.maybe_flush()
        assert commits == []
        now[0] += 0.25
        relay.maybe_flush()  # the first pending event waited the interval: the engine is quiet
        assert len(commits) == 1
        relay({"ts": "t", "seq": 11, "event": "run.completed"})
        relay.close()  # whatever is left at the end
        assert len(commits) == 2
        relay.close()  # nothing pending: no empty transaction
        assert len(commits) == 2
    finally:
        event.remove(migrated_engine, "commit", on_commit)
    assert relay.written == 11
    with sessions() as session:
        rows = job_events(session, job_id)
    assert [r.type for r in rows] == ["job.queued"] + ["progress"] * 10 + ["run.completed"]
    assert [r.payload["seq"] for r in rows[1:]] == list(range(1, 12))


def test_relay_hands_what_is_pending_to_the_caller(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    job_id = seed_job(sessions, blobs).job_id
    now = [0.0]
    relay = EventRelay(sessions, job_id, interval=0.25, clock=lambda: now[0])
    relay({"ts": "t", "seq": 1, "event": "run.started"})
    now[0] += 0.1
    relay({"ts": "t", "seq": 2, "event": "run.completed"})
    taken = relay.take()
    assert [type_ for type_, _ in taken] == ["run.started", "run.completed"]
    assert relay.take() == []
    assert relay.written == 2
    with sessions() as session:
        assert [e.type for e in job_events(session, job_id)] == ["job.queued"]  # not written


def test_a_batch_is_one_read_and_one_insert(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, migrated_engine: Engine
) -> None:
    job_id = seed_job(sessions, blobs).job_id
    statements: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(migrated_engine, "before_cursor_execute", on_execute)
    try:
        with sessions() as session:
            append_events(session, job_id, [("log", {"i": i}) for i in range(20)])
            session.commit()
    finally:
        event.remove(migrated_engine, "before_cursor_execute", on_execute)
    # (SAVEPOINT, the row lock on PostgreSQL, RELEASE: bookkeeping around them)
    assert statements.count("INSERT") == 1
    assert statements.count("SELECT") == (2 if migrated_engine.dialect.name == "postgresql" else 1)
    with sessions() as session:
        events = job_events(session, job_id)
    assert [e.seq for e in events] == list(range(1, 22))
    assert [e.payload["i"] for e in events[1:]] == list(range(20))


def test_status_entries_reach_the_workspace_log_with_the_jobs_state(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    seeded = seed_job(sessions, blobs)
    with sessions() as session:
        append_events(
            session,
            seeded.job_id,
            [
                ("log", {"message": "not a status change"}),
                ("pass.completed", {"ts": "t", "seq": 4, "name": "map", "elapsed_ms": 2}),
                ("job.cancel_requested", {}),
            ],
            actor_id=None,
            request_id="req-1",
        )
        session.commit()
        rows = session.scalars(
            select(DomainEvent)
            .where(DomainEvent.subject_id == seeded.job_id)
            .order_by(DomainEvent.id)
        ).all()
    assert [row.type for row in rows] == ["job.progress", "job.cancel_requested"]
    progress = rows[0]
    assert progress.workspace_id == seeded.workspace_id
    assert progress.subject_type == "job"
    assert progress.request_id == "req-1"
    assert progress.payload["detail"] == {"pass": "map", "elapsed_ms": 2}
    assert progress.payload["document_id"] == seeded.document_id
    assert progress.payload["config_version_id"] == seeded.config_version_id
    assert progress.payload["status"] == "queued"
    assert progress.payload["cache_hit"] is False
    assert isinstance(progress.payload["queued_at"], str)  # JSON: timestamps as ISO strings


def test_a_new_jobs_workspace_event_from_the_job_in_hand_equals_the_one_read_back(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    # The API's submit passes the job it just flushed (and its config) instead of reading
    # them back: the workspace event must be the same either way.
    seeded = seed_job(sessions, blobs)
    with sessions() as session:
        job = session.get_one(Job, seeded.job_id)
        config_id = session.get_one(ConfigVersion, job.config_version_id).config_id
        record_job_changes(session, job.id, [("job.queued", {"attempt": 1})])
        record_job_changes(
            session, job.id, [("job.queued", {"attempt": 1})], job=job, config_id=config_id
        )
        session.commit()
        read_back, in_hand = session.scalars(
            select(DomainEvent)
            .where(DomainEvent.subject_id == seeded.job_id)
            .order_by(DomainEvent.id)
        ).all()
    assert in_hand.payload == read_back.payload
    assert in_hand.payload["config_id"] == config_id
    assert in_hand.payload["status"] == "queued"
