"""Shapes of user answers. A user's password hash never leaves the service layer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class UserOut(BaseModel):
    """A user as the API shows them."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    display_name: str | None
    is_admin: bool
    created_at: datetime
