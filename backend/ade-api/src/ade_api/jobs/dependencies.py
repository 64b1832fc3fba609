"""Dependencies of the job routes: the job in the path and the queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from ade_api.dependencies import SessionDep
from ade_api.jobs import service
from ade_api.queue import JobQueue
from ade_api.workspaces.dependencies import WorkspaceAccessDep
from ade_db.models import Job


def get_job(
    session: SessionDep,
    access: WorkspaceAccessDep,
    job_id: Annotated[str, Path(max_length=64, description="The job's id.")],
) -> Job:
    """The job in the path, in the caller's workspace (404 otherwise)."""
    return service.get_job(session, access, job_id)


async def get_queue(request: Request) -> JobQueue:
    return JobQueue(request.app.state.redis, request.app.state.queue_name)


JobDep = Annotated[Job, Depends(get_job)]
JobQueueDep = Annotated[JobQueue, Depends(get_queue)]
