"""`GET /me` and the user rules (emails folded, passwords checked, duplicates refused)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy.orm import Session

from ade_api.errors import ConflictError, InvalidInputError
from ade_api.users import service
from ade_db.models import User

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]


@pytest.mark.anyio
async def test_me_shows_the_user_and_never_the_hash(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    user = make_user(password="a-long-password", is_admin=True, display_name="Ada")
    response = await client.get("/api/v1/me", headers=auth_headers(user))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "email", "display_name", "is_admin", "created_at"}
    assert body["id"] == user.id
    assert body["email"] == user.email
    assert body["display_name"] == "Ada"
    assert body["is_admin"] is True
    assert body["created_at"].endswith(("Z", "+00:00"))
    assert "argon2" not in response.text


@pytest.mark.anyio
async def test_me_needs_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_create_user_folds_the_email_and_hashes(db_session: Session) -> None:
    user = service.create_user(
        db_session, email="  Grace.Hopper@Example.org ", password="a-long-password"
    )
    assert user.email == "grace.hopper@example.org"
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert (user.is_admin, user.is_active, user.failed_login_count) == (False, True, 0)


def test_create_user_refuses_a_taken_email_in_any_case(db_session: Session) -> None:
    service.create_user(db_session, email="dup@example.org", password="a-long-password")
    with pytest.raises(ConflictError, match="already exists"):
        service.create_user(db_session, email="DUP@example.org", password="another-password")
    # The session is still usable after the refusal.
    assert service.any_user_exists(db_session)


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not-an-email", "a-long-password", "email"),
        ("a b@example.org", "a-long-password", "email"),
        ("ok@example.org", "short", "password"),
    ],
)
def test_create_user_checks_email_and_password(
    db_session: Session, email: str, password: str, field: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        service.create_user(db_session, email=email, password=password)
    assert [problem.loc for problem in raised.value.errors] == [(field,)]
    assert password not in str(raised.value)
