"""Workspace rules: who may see and change a workspace, and its members' roles.

One permission check (`get_access` + `WorkspaceAccess.require`) serves every workspace-scoped
route. A workspace the caller is not a member of is reported as missing, so ids do not leak.
System admins act as owners everywhere. A workspace always keeps at least one owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ade_api.errors import (
    ConflictError,
    FieldProblem,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from ade_api.event_log import record_event
from ade_api.pagination import Page, PageParams, paginate
from ade_api.persistence import flush_or_conflict
from ade_api.workspaces.schemas import (
    MemberCreate,
    MemberOut,
    WorkspaceCreate,
    WorkspaceOut,
    WorkspaceUpdate,
)
from ade_db.enums import WorkspaceRole
from ade_db.models import User, Workspace, WorkspaceMember

_RANK = {WorkspaceRole.VIEWER: 1, WorkspaceRole.EDITOR: 2, WorkspaceRole.OWNER: 3}
_NOT_FOUND = "workspace not found"


@dataclass(frozen=True)
class WorkspaceAccess:
    """A caller's standing in one workspace."""

    workspace: Workspace
    role: WorkspaceRole
    user: User

    def allows(self, minimum: WorkspaceRole) -> bool:
        return _RANK[self.role] >= _RANK[minimum]

    def require(self, minimum: WorkspaceRole) -> None:
        """Refuse (403) unless the caller's role is at least `minimum`."""
        if not self.allows(minimum):
            raise PermissionDeniedError(
                f"this needs the {minimum.value} role; you are {self.role.value}"
            )


# One query: the workspace and the caller's membership of it, if any. Built once (every
# workspace-scoped request runs it): see `ade_api.auth.service`.
_ACCESS = (
    select(Workspace, WorkspaceMember.role)
    .outerjoin(
        WorkspaceMember,
        (WorkspaceMember.workspace_id == Workspace.id)
        & (WorkspaceMember.user_id == bindparam("user_id")),
    )
    .where(Workspace.id == bindparam("workspace_id"))
)


def get_access(session: Session, user: User, workspace_id: str) -> WorkspaceAccess:
    """The caller's access to a workspace; 404 when it is missing or not theirs."""
    found = session.execute(
        _ACCESS, {"user_id": user.id, "workspace_id": workspace_id}
    ).one_or_none()
    if found is None:
        raise NotFoundError(_NOT_FOUND)
    workspace, role = found
    if role is not None:
        return WorkspaceAccess(workspace, WorkspaceRole(role), user)
    if user.is_admin:
        return WorkspaceAccess(workspace, WorkspaceRole.OWNER, user)
    raise NotFoundError(_NOT_FOUND)


def can_still_read(session: Session, user_id: str, workspace_id: str) -> bool:
    """Whether a user may (still) read a workspace: for long reads such as a live stream, which
    must stop once its user is removed, deactivated or the workspace deleted."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return False
    try:
        get_access(session, user, workspace_id)
    except NotFoundError:
        return False
    return True


def to_out(workspace: Workspace, role: WorkspaceRole | str) -> WorkspaceOut:
    return WorkspaceOut(
        id=workspace.id,
        name=workspace.name,
        slug=workspace.slug,
        role=WorkspaceRole(role),
        created_at=workspace.created_at,
        updated_at=workspace.updated_at,
    )


def _slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:56].strip("-")
    return slug or "workspace"


def _free_slug(session: Session, base: str) -> str:
    taken = set(
        session.scalars(
            select(Workspace.slug).where(
                (Workspace.slug == base) | Workspace.slug.like(f"{base}-%")
            )
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def create_workspace(session: Session, user: User, data: WorkspaceCreate) -> WorkspaceOut:
    """Create a workspace; its creator becomes its owner."""
    slug = data.slug or _free_slug(session, _slugify(data.name))
    workspace = Workspace(name=data.name, slug=slug, created_by_id=user.id)
    flush_or_conflict(session, f"the slug {slug!r} is taken", workspace)
    session.add(
        WorkspaceMember(workspace_id=workspace.id, user_id=user.id, role=WorkspaceRole.OWNER)
    )
    record_event(
        session,
        "workspace.created",
        workspace_id=workspace.id,
        actor_id=user.id,
        subject_type="workspace",
        subject_id=workspace.id,
        payload={"name": workspace.name, "slug": workspace.slug},
    )
    session.flush()
    return to_out(workspace, WorkspaceRole.OWNER)


def list_workspaces(session: Session, user: User, params: PageParams) -> Page[WorkspaceOut]:
    """The workspaces the caller is a member of, with their role in each."""
    statement = (
        select(Workspace, WorkspaceMember.role)
        .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
        .where(WorkspaceMember.user_id == user.id)
    )
    return paginate(
        session,
        statement,
        params,
        sortable={
            "name": Workspace.name,
            "slug": Workspace.slug,
            "created_at": Workspace.created_at,
        },
        default_sort=["name"],
        tiebreak=Workspace.id,
        to_item=lambda row: to_out(row[0], row[1]),
    )


def update_workspace(
    session: Session, access: WorkspaceAccess, data: WorkspaceUpdate
) -> WorkspaceOut:
    """Rename a workspace or change its slug (owners)."""
    access.require(WorkspaceRole.OWNER)
    workspace = access.workspace
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for field, value in changes.items():
        setattr(workspace, field, value)
    flush_or_conflict(session, f"the slug {data.slug!r} is taken")
    if changes:
        record_event(
            session,
            "workspace.updated",
            workspace_id=workspace.id,
            actor_id=access.user.id,
            subject_type="workspace",
            subject_id=workspace.id,
            payload=changes,
        )
    return to_out(workspace, access.role)


def delete_workspace(session: Session, access: WorkspaceAccess) -> None:
    """Delete a workspace and everything in it (owners and admins)."""
    access.require(WorkspaceRole.OWNER)
    session.delete(access.workspace)
    session.flush()


def _member_out(member: WorkspaceMember, user: User) -> MemberOut:
    return MemberOut(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=WorkspaceRole(member.role),
        created_at=member.created_at,
    )


def list_members(session: Session, access: WorkspaceAccess, params: PageParams) -> Page[MemberOut]:
    """Everyone in the workspace (any member may look)."""
    statement = (
        select(WorkspaceMember, User)
        .join(User, User.id == WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == access.workspace.id)
    )
    return paginate(
        session,
        statement,
        params,
        sortable={
            "email": User.email,
            "role": WorkspaceMember.role,
            "created_at": WorkspaceMember.created_at,
        },
        default_sort=["email"],
        tiebreak=User.id,
        to_item=lambda row: _member_out(row[0], row[1]),
    )


def add_member(session: Session, access: WorkspaceAccess, data: MemberCreate) -> MemberOut:
    """Add an existing user by id or email (owners)."""
    access.require(WorkspaceRole.OWNER)
    if (data.user_id is None) == (data.email is None):
        raise InvalidInputError(
            "give exactly one of user_id and email",
            errors=[FieldProblem(("body",), "give exactly one of user_id and email")],
        )
    if data.user_id is not None:
        user = session.get(User, data.user_id)
    else:
        user = session.scalar(select(User).where(User.email == (data.email or "").lower()))
    if user is None or not user.is_active:
        raise NotFoundError("user not found")
    member = WorkspaceMember(workspace_id=access.workspace.id, user_id=user.id, role=data.role)
    flush_or_conflict(session, "that user is already a member", member)
    record_event(
        session,
        "workspace.member_added",
        workspace_id=access.workspace.id,
        actor_id=access.user.id,
        subject_type="user",
        subject_id=user.id,
        payload={"role": data.role.value},
    )
    return _member_out(member, user)


def _get_member(
    session: Session, access: WorkspaceAccess, user_id: str
) -> tuple[WorkspaceMember, User]:
    member = session.get(WorkspaceMember, (access.workspace.id, user_id))
    user = session.get(User, user_id)
    if member is None or user is None:
        raise NotFoundError("member not found")
    return member, user


def _keep_an_owner(session: Session, access: WorkspaceAccess, member: WorkspaceMember) -> None:
    """Refuse to take away the last owner. Owner rows are locked so two concurrent
    demotions cannot both see another owner left."""
    if member.role != WorkspaceRole.OWNER:
        return
    owners = session.scalars(
        select(WorkspaceMember.user_id)
        .where(
            WorkspaceMember.workspace_id == access.workspace.id,
            WorkspaceMember.role == WorkspaceRole.OWNER.value,
        )
        .with_for_update()
    ).all()
    if len(owners) <= 1:
        raise ConflictError("a workspace must keep at least one owner")


def update_member(
    session: Session, access: WorkspaceAccess, user_id: str, role: WorkspaceRole
) -> MemberOut:
    """Change a member's role (owners)."""
    access.require(WorkspaceRole.OWNER)
    member, user = _get_member(session, access, user_id)
    if role != WorkspaceRole.OWNER:
        _keep_an_owner(session, access, member)
    member.role = role.value
    session.flush()
    record_event(
        session,
        "workspace.member_role_changed",
        workspace_id=access.workspace.id,
        actor_id=access.user.id,
        subject_type="user",
        subject_id=user_id,
        payload={"role": role.value},
    )
    return _member_out(member, user)


def remove_member(session: Session, access: WorkspaceAccess, user_id: str) -> None:
    """Remove a member (owners), or leave the workspace yourself (anyone)."""
    if user_id != access.user.id:
        access.require(WorkspaceRole.OWNER)
    member, _ = _get_member(session, access, user_id)
    _keep_an_owner(session, access, member)
    session.delete(member)
    record_event(
        session,
        "workspace.member_removed",
        workspace_id=access.workspace.id,
        actor_id=access.user.id,
        subject_type="user",
        subject_id=user_id,
    )
    session.flush()
