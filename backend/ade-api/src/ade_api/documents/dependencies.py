"""Dependencies of the document routes: the document in the path."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from ade_api.dependencies import SessionDep
from ade_api.documents import service
from ade_api.workspaces.dependencies import WorkspaceAccessDep
from ade_db.models import Document


def get_document(
    session: SessionDep,
    access: WorkspaceAccessDep,
    document_id: Annotated[str, Path(max_length=64, description="The document's id.")],
) -> Document:
    """The document in the path, in the caller's workspace (404 otherwise)."""
    return service.get_document(session, access, document_id)


DocumentDep = Annotated[Document, Depends(get_document)]
