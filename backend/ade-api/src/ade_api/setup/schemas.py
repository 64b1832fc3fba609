"""Shapes of the first-run setup requests and answers. The setup token is never echoed."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ade_api.auth.schemas import TokenResponse
from ade_api.users.schemas import UserOut


class SetupStatus(BaseModel):
    """Whether the installation still needs its first admin."""

    needed: bool = Field(
        description="True while no user exists: `POST /api/v1/setup` creates the first admin."
    )


class SetupRequest(BaseModel):
    """The setup token the server printed at start, and the first admin's sign-in."""

    token: str = Field(
        min_length=1,
        max_length=256,
        description="The one-time token `ade start` / `ade api serve` printed (ADE_SETUP_TOKEN).",
    )
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    display_name: str | None = Field(default=None, max_length=200)


class SetupDone(TokenResponse):
    """The first admin, already signed in: send `Authorization: Bearer <access_token>`."""

    user: UserOut
