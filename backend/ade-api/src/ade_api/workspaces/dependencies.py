"""The one permission check every workspace-scoped route goes through."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from ade_api.dependencies import CurrentUser, SessionDep
from ade_api.workspaces import service
from ade_api.workspaces.service import WorkspaceAccess


def get_workspace_access(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    workspace_id: Annotated[str, Path(max_length=64, description="The workspace's id.")],
) -> WorkspaceAccess:
    """The caller's access to the workspace in the path (404 when not theirs)."""
    access = service.get_access(session, user, workspace_id)
    request.state.workspace_id = access.workspace.id  # for the access log
    return access


WorkspaceAccessDep = Annotated[WorkspaceAccess, Depends(get_workspace_access)]
