"""Reading the workspace's change events: as pages, as a document's timeline, and as a live
feed for its stream.

The events are the domain event log (`domain_events`): the API writes document changes
(`ade_api.event_log`) and every job status change, wherever it is made, is mirrored there by
the job timeline's writer (`ade_worker.timeline`). Only `document.*` and `job.*` events are
read here; membership and config changes stay out of these lists.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from ade_api.events.schemas import EventOut
from ade_api.pagination import Page, PageParams, paginate
from ade_api.sse import Batch, Message
from ade_api.workspaces.service import WorkspaceAccess, can_still_read
from ade_db.models import Document, DomainEvent, Job
from ade_db.types import id_floor, id_time, utcnow

#: A feed re-reads this far behind the newest event it sent, so an event whose transaction
#: committed after a newer one (or was made on a host with a slightly late clock) still arrives.
LOOKBACK = timedelta(seconds=10)
#: Most events one read of a feed sends.
BATCH = 500


def _about_documents_and_jobs() -> ColumnElement[bool]:
    return or_(DomainEvent.type.startswith("document."), DomainEvent.type.startswith("job."))


def event_out(event: DomainEvent) -> EventOut:
    payload = event.payload or {}
    is_job = event.subject_type == "job"
    document_id = payload.get("document_id") if is_job else event.subject_id
    return EventOut(
        id=event.id,
        type=event.type,
        created_at=event.created_at,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        document_id=document_id if isinstance(document_id, str) else None,
        job_id=event.subject_id if is_job else None,
        actor_id=event.actor_id,
        payload=payload,
    )


def _page(session: Session, statement: Select[DomainEvent], params: PageParams) -> Page[EventOut]:
    return paginate(
        session,
        statement,
        params,
        sortable={"created_at": DomainEvent.created_at},
        default_sort=["created_at"],
        tiebreak=DomainEvent.id,
        to_item=lambda row: event_out(row[0]),
    )


def list_events(
    session: Session, access: WorkspaceAccess, params: PageParams, *, after: str | None
) -> Page[EventOut]:
    """The workspace's document and job events, oldest first; only those after the cursor
    `after` when given."""
    statement = select(DomainEvent).where(
        DomainEvent.workspace_id == access.workspace.id, _about_documents_and_jobs()
    )
    if after is not None:
        statement = statement.where(DomainEvent.id > after.upper())
    return _page(session, statement, params)


def document_timeline(session: Session, document: Document, params: PageParams) -> Page[EventOut]:
    """The events about a document and about its jobs, oldest first."""
    its_jobs = select(Job.id).where(Job.document_id == document.id).scalar_subquery()
    statement = select(DomainEvent).where(
        DomainEvent.workspace_id == document.workspace_id,
        _about_documents_and_jobs(),
        or_(
            and_(DomainEvent.subject_type == "document", DomainEvent.subject_id == document.id),
            and_(DomainEvent.subject_type == "job", DomainEvent.subject_id.in_(its_jobs)),
        ),
    )
    return _page(session, statement, params)


class WorkspaceFeed:
    """The workspace's events for a live stream, from a cursor (or from now).

    Each call returns the events not sent yet. The `id` of each message is the stream's cursor:
    the newest event id sent so far, so it never goes backwards and a client that reconnects
    with it (`Last-Event-ID`) gets exactly what came after. Events are re-read `LOOKBACK`
    behind the cursor and the ones already sent skipped, so one committed late still comes.
    The stream ends when its user may no longer read the workspace.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        workspace_id: str,
        user_id: str,
        after: str | None,
    ) -> None:
        self._sessions = sessions
        self._workspace_id = workspace_id
        self._user_id = user_id
        self._start = after.upper() if after else id_floor(utcnow())
        self.cursor = self._start
        self._sent: set[str] = set()

    def __call__(self) -> Batch:
        floor = max(self._start, id_floor(id_time(self.cursor) - LOOKBACK))
        self._sent = {event_id for event_id in self._sent if event_id > floor}
        with self._sessions() as session:
            if not can_still_read(session, self._user_id, self._workspace_id):
                return Batch(done=True)
            rows = session.scalars(
                select(DomainEvent)
                .where(
                    DomainEvent.workspace_id == self._workspace_id,
                    _about_documents_and_jobs(),
                    DomainEvent.id > floor,
                )
                .order_by(DomainEvent.id)
                .limit(BATCH + len(self._sent))
            ).all()
        messages = []
        for row in rows:
            if row.id in self._sent:
                continue
            self._sent.add(row.id)
            self.cursor = max(self.cursor, row.id)
            messages.append(Message(self.cursor, row.type, event_out(row)))
            if len(messages) == BATCH:
                break
        return Batch(messages)
