"""The one permission check every workspace-scoped route goes through."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from ade_api.auth.dependencies import Credentials, CredentialsDep, resolve_principal
from ade_api.dependencies import SessionDep
from ade_api.workspaces import service
from ade_api.workspaces.service import WorkspaceAccess

WorkspaceId = Annotated[str, Path(max_length=64, description="The workspace's id.")]


def resolve_access(
    request: Request, session: Session, credentials: Credentials, workspace_id: str
) -> WorkspaceAccess:
    """The caller and their access to the workspace (404 when it is not theirs): database work,
    for the threadpool."""
    principal = resolve_principal(request, session, credentials)
    access = service.get_access(session, principal.user, workspace_id)
    request.scope.setdefault("state", {})["workspace_id"] = access.workspace.id  # access log
    return access


def get_workspace_access(
    request: Request, session: SessionDep, credentials: CredentialsDep, workspace_id: WorkspaceId
) -> WorkspaceAccess:
    """The caller's access to the workspace in the path: the caller and the workspace looked up
    in one hop to the threadpool."""
    return resolve_access(request, session, credentials, workspace_id)


async def defer_workspace_access(
    request: Request, credentials: CredentialsDep, workspace_id: WorkspaceId
) -> Callable[[Session], WorkspaceAccess]:
    """`get_workspace_access`, left for the route to call in its own hop, with its session.

    For a hot route that does all its database work in one hop (`run_in_session`, a job's
    submit): each hop to the threadpool costs the API process a thread wake-up and a GIL
    hand-off, and under a burst a wait for the event loop. The credential itself is checked
    here (`get_credentials`), so a missing, forged or expired one is still a 401 before the
    body is validated; an unknown user or workspace is answered by the route's hop (401, 404).
    """
    return functools.partial(
        resolve_access, request, credentials=credentials, workspace_id=workspace_id
    )


WorkspaceAccessDep = Annotated[WorkspaceAccess, Depends(get_workspace_access)]
DeferredWorkspaceAccessDep = Annotated[
    Callable[[Session], WorkspaceAccess], Depends(defer_workspace_access)
]
