"""Shapes of the sign-in and API key requests and answers. No secret is ever echoed back,
except an API key's `secret` in the one answer that creates it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints


class LoginRequest(BaseModel):
    """Email and password. The email is matched case-insensitively."""

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    """A signed login token: send it as `Authorization: Bearer <access_token>`."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (a scheme name, not a secret)
    expires_in: int = Field(description="Seconds until the token expires.")


class ApiKeyCreate(BaseModel):
    """A name to recognise the key by, and optionally when it stops working."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    expires_at: AwareDatetime | None = Field(
        default=None, description="ISO-8601 with a timezone; absent: the key never expires."
    )


class ApiKeyOut(BaseModel):
    """An API key as listed: never its secret or hash."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    prefix: str = Field(description="The public start of the key, to tell keys apart.")
    expires_at: datetime | None
    created_at: datetime
    last_used_at: datetime | None


class ApiKeyCreated(BaseModel):
    """A new API key. `secret` is the whole key, shown only in this answer: store it now."""

    id: str
    name: str
    prefix: str
    secret: str = Field(description="Send as `X-API-Key: <secret>`. Not retrievable later.")
    expires_at: datetime | None
    created_at: datetime
