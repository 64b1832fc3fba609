"""Workspace rules, on both databases: membership, roles, slugs and the last owner."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ade_api.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from ade_api.pagination import PageParams
from ade_api.workspaces import service
from ade_api.workspaces.schemas import MemberCreate, WorkspaceCreate, WorkspaceUpdate
from ade_db.enums import WorkspaceRole
from ade_db.models import DomainEvent, User, Workspace

OWNER, EDITOR, VIEWER = WorkspaceRole.OWNER, WorkspaceRole.EDITOR, WorkspaceRole.VIEWER


def _user(session: Session, email: str, *, admin: bool = False) -> User:
    user = User(email=email, is_admin=admin)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def alice(db_session: Session) -> User:
    return _user(db_session, "alice@example.com")


@pytest.fixture
def bob(db_session: Session) -> User:
    return _user(db_session, "bob@example.com")


def _workspace(session: Session, owner: User, name: str = "Acme Corp") -> str:
    return service.create_workspace(session, owner, WorkspaceCreate(name=name)).id


def _add(session: Session, ws: str, owner: User, member: User, role: WorkspaceRole) -> None:
    access = service.get_access(session, owner, ws)
    service.add_member(session, access, MemberCreate(user_id=member.id, role=role))


def test_creator_becomes_owner_and_an_event_is_logged(db_session: Session, alice: User) -> None:
    created = service.create_workspace(db_session, alice, WorkspaceCreate(name="Acme Corp"))
    assert created.slug == "acme-corp"
    assert created.role == OWNER
    assert service.get_access(db_session, alice, created.id).role == OWNER
    event = db_session.scalars(
        select(DomainEvent).where(DomainEvent.workspace_id == created.id)
    ).one()
    assert event.type == "workspace.created"
    assert event.actor_id == alice.id


def test_derived_slugs_never_collide(db_session: Session, alice: User) -> None:
    slugs = [
        service.create_workspace(db_session, alice, WorkspaceCreate(name="Acme!")).slug
        for _ in range(3)
    ]
    assert slugs == ["acme", "acme-2", "acme-3"]
    assert service.create_workspace(db_session, alice, WorkspaceCreate(name="¡¡")).slug == (
        "workspace"
    )


def test_an_explicit_slug_that_is_taken_is_a_conflict(db_session: Session, alice: User) -> None:
    service.create_workspace(db_session, alice, WorkspaceCreate(name="A", slug="team"))
    with pytest.raises(ConflictError, match="taken"):
        service.create_workspace(db_session, alice, WorkspaceCreate(name="B", slug="team"))


def test_list_shows_only_my_workspaces_with_my_role(
    db_session: Session, alice: User, bob: User
) -> None:
    mine = _workspace(db_session, alice, "Zeta")
    _workspace(db_session, bob, "Bob's")
    shared = _workspace(db_session, bob, "Alpha")
    _add(db_session, shared, bob, alice, VIEWER)
    page = service.list_workspaces(db_session, alice, PageParams())
    assert page.total == 2
    assert [(w.id, w.role) for w in page.items] == [(shared, VIEWER), (mine, OWNER)]
    newest_first = service.list_workspaces(db_session, alice, PageParams(sort="-name"))
    assert [w.id for w in newest_first.items] == [mine, shared]
    second_page = service.list_workspaces(db_session, alice, PageParams(page=2, page_size=1))
    assert [w.id for w in second_page.items] == [mine]
    assert second_page.total == 2


def test_sorting_on_an_unknown_field_is_refused(db_session: Session, alice: User) -> None:
    with pytest.raises(InvalidInputError) as info:
        service.list_workspaces(db_session, alice, PageParams(sort="password_hash"))
    assert info.value.errors[0].loc == ("query", "sort")


def test_someone_elses_workspace_is_not_found(db_session: Session, alice: User, bob: User) -> None:
    ws = _workspace(db_session, alice)
    with pytest.raises(NotFoundError):
        service.get_access(db_session, bob, ws)
    with pytest.raises(NotFoundError):
        service.get_access(db_session, bob, "01" + "0" * 24)


def test_admins_act_as_owners(db_session: Session, alice: User) -> None:
    ws = _workspace(db_session, alice)
    admin = _user(db_session, "root@example.com", admin=True)
    assert service.get_access(db_session, admin, ws).role == OWNER


@pytest.mark.parametrize(
    ("role", "minimum", "allowed"),
    [
        (VIEWER, VIEWER, True),
        (VIEWER, EDITOR, False),
        (EDITOR, EDITOR, True),
        (EDITOR, OWNER, False),
        (OWNER, OWNER, True),
    ],
)
def test_role_ladder(
    db_session: Session,
    alice: User,
    bob: User,
    role: WorkspaceRole,
    minimum: WorkspaceRole,
    allowed: bool,
) -> None:
    ws = _workspace(db_session, alice)
    if role != OWNER:
        _add(db_session, ws, alice, bob, role)
    else:
        _add(db_session, ws, alice, bob, OWNER)
    access = service.get_access(db_session, bob, ws)
    assert access.allows(minimum) is allowed
    if allowed:
        access.require(minimum)
    else:
        with pytest.raises(PermissionDeniedError):
            access.require(minimum)


def test_only_owners_rename(db_session: Session, alice: User, bob: User) -> None:
    ws = _workspace(db_session, alice)
    _add(db_session, ws, alice, bob, EDITOR)
    with pytest.raises(PermissionDeniedError):
        service.update_workspace(
            db_session, service.get_access(db_session, bob, ws), WorkspaceUpdate(name="X")
        )
    renamed = service.update_workspace(
        db_session, service.get_access(db_session, alice, ws), WorkspaceUpdate(name="New name")
    )
    assert renamed.name == "New name"


def test_last_owner_cannot_be_demoted_or_removed_or_leave(
    db_session: Session, alice: User, bob: User
) -> None:
    ws = _workspace(db_session, alice)
    access = service.get_access(db_session, alice, ws)
    with pytest.raises(ConflictError, match="at least one owner"):
        service.update_member(db_session, access, alice.id, VIEWER)
    with pytest.raises(ConflictError, match="at least one owner"):
        service.remove_member(db_session, access, alice.id)
    # With a second owner, the first may step down.
    _add(db_session, ws, alice, bob, OWNER)
    service.update_member(db_session, access, alice.id, EDITOR)
    assert service.get_access(db_session, alice, ws).role == EDITOR


def test_members_may_leave_but_not_remove_others(
    db_session: Session, alice: User, bob: User
) -> None:
    ws = _workspace(db_session, alice)
    carol = _user(db_session, "carol@example.com")
    _add(db_session, ws, alice, bob, VIEWER)
    _add(db_session, ws, alice, carol, EDITOR)
    bob_access = service.get_access(db_session, bob, ws)
    with pytest.raises(PermissionDeniedError):
        service.remove_member(db_session, bob_access, carol.id)
    service.remove_member(db_session, bob_access, bob.id)
    with pytest.raises(NotFoundError):
        service.get_access(db_session, bob, ws)


def test_adding_members(db_session: Session, alice: User, bob: User) -> None:
    ws = _workspace(db_session, alice)
    access = service.get_access(db_session, alice, ws)
    added = service.add_member(db_session, access, MemberCreate(email="BOB@example.com"))
    assert (added.user_id, added.role) == (bob.id, VIEWER)
    with pytest.raises(ConflictError, match="already a member"):
        service.add_member(db_session, access, MemberCreate(user_id=bob.id))
    with pytest.raises(NotFoundError):
        service.add_member(db_session, access, MemberCreate(email="nobody@example.com"))
    with pytest.raises(InvalidInputError):
        service.add_member(db_session, access, MemberCreate())
    page = service.list_members(db_session, access, PageParams())
    assert [(m.email, m.role) for m in page.items] == [
        ("alice@example.com", OWNER),
        ("bob@example.com", VIEWER),
    ]


def test_deleting_a_workspace(db_session: Session, alice: User, bob: User) -> None:
    ws = _workspace(db_session, alice)
    _add(db_session, ws, alice, bob, EDITOR)
    with pytest.raises(PermissionDeniedError):
        service.delete_workspace(db_session, service.get_access(db_session, bob, ws))
    service.delete_workspace(db_session, service.get_access(db_session, alice, ws))
    assert db_session.get(Workspace, ws) is None
