"""Workspaces and their members. HTTP only: the rules live in the service."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from ade_api.dependencies import CurrentUser, SessionDep
from ade_api.pagination import Page, PageParamsDep
from ade_api.problems import WORKSPACE_PROBLEMS, problem_responses
from ade_api.routing import StrictJsonRoute
from ade_api.workspaces import service
from ade_api.workspaces.dependencies import WorkspaceAccessDep
from ade_api.workspaces.schemas import (
    MemberCreate,
    MemberOut,
    MemberUpdate,
    WorkspaceCreate,
    WorkspaceOut,
    WorkspaceUpdate,
)

router = APIRouter(
    route_class=StrictJsonRoute,
    prefix="/workspaces",
    tags=["workspaces"],
    responses=problem_responses(*WORKSPACE_PROBLEMS),
)


@router.get("")
def list_workspaces(
    session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Page[WorkspaceOut]:
    """List the workspaces you are a member of."""
    return service.list_workspaces(session, user, page)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_workspace(session: SessionDep, user: CurrentUser, body: WorkspaceCreate) -> WorkspaceOut:
    """Create a workspace; you become its owner."""
    return service.create_workspace(session, user, body)


@router.get("/{workspace_id}")
def get_workspace(access: WorkspaceAccessDep) -> WorkspaceOut:
    """Read a workspace you belong to."""
    return service.to_out(access.workspace, access.role)


@router.patch("/{workspace_id}")
def update_workspace(
    session: SessionDep, access: WorkspaceAccessDep, body: WorkspaceUpdate
) -> WorkspaceOut:
    """Rename a workspace or change its slug (owners)."""
    return service.update_workspace(session, access, body)


@router.delete("/{workspace_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_workspace(session: SessionDep, access: WorkspaceAccessDep) -> Response:
    """Delete a workspace and everything in it (owners and admins)."""
    service.delete_workspace(session, access)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{workspace_id}/members")
def list_members(
    session: SessionDep, access: WorkspaceAccessDep, page: PageParamsDep
) -> Page[MemberOut]:
    """List the workspace's members and their roles."""
    return service.list_members(session, access, page)


@router.post("/{workspace_id}/members", status_code=status.HTTP_201_CREATED)
def add_member(session: SessionDep, access: WorkspaceAccessDep, body: MemberCreate) -> MemberOut:
    """Add an existing user to the workspace with a role (owners)."""
    return service.add_member(session, access, body)


@router.patch("/{workspace_id}/members/{user_id}")
def update_member(
    session: SessionDep, access: WorkspaceAccessDep, user_id: str, body: MemberUpdate
) -> MemberOut:
    """Change a member's role (owners); the last owner cannot be demoted."""
    return service.update_member(session, access, user_id, body.role)


@router.delete("/{workspace_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(session: SessionDep, access: WorkspaceAccessDep, user_id: str) -> Response:
    """Remove a member (owners) or leave the workspace; the last owner cannot go."""
    service.remove_member(session, access, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
