"""The workspace's domain event log: an append-only record of what changed and who did it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ade_api.logging import request_id_var
from ade_db.models import DomainEvent


def record_event(
    session: Session,
    event_type: str,
    *,
    workspace_id: str | None,
    actor_id: str | None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> DomainEvent:
    """Add an event in the caller's transaction: it commits or rolls back with the change."""
    event = DomainEvent(
        type=event_type,
        workspace_id=workspace_id,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        request_id=request_id_var.get(),
        payload=payload or {},
    )
    session.add(event)
    return event
