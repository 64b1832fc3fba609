"""The job queue as the API sees it: put a committed job's id on Redis for the workers."""

from __future__ import annotations

from dataclasses import dataclass

from ade_worker.queue import enqueue_job
from redis import Redis


@dataclass(frozen=True)
class JobQueue:
    """Carries job ids only; the database row is the job. A lost id is re-enqueued by the
    workers' reconciler, so enqueueing is best effort after the commit."""

    connection: Redis
    name: str

    def enqueue(self, job_id: str, *, new: bool = False) -> None:
        """`new`: a job created by this request (see `enqueue_job`)."""
        enqueue_job(self.connection, job_id, queue_name=self.name, new=new)
