"""First-run setup: while no user exists, whoever holds the server's one-time setup token
creates the first admin and is signed in.

Knows nothing of HTTP; raises `ade_api.errors` classes. The token is compared in constant
time and never logged; attempts count against the client like logins do.
"""

from __future__ import annotations

import hmac
import logging

from sqlalchemy.orm import Session

from ade_api.auth import security
from ade_api.auth.service import sign_in
from ade_api.auth.throttle import LoginThrottle
from ade_api.errors import SetupCompleteError, SetupNotConfiguredError, SetupTokenInvalidError
from ade_api.event_log import record_event
from ade_api.settings import ApiSettings
from ade_api.users import service as users
from ade_db.models import User

logger = logging.getLogger(__name__)

NOT_CONFIGURED = (
    "this server has no setup token: restart it with `ade start` or `ade api serve`, which "
    "print one while no user exists, or set ADE_SETUP_TOKEN (or create the first admin with "
    "`ade users create --admin`)"
)
BAD_TOKEN = "the setup token is missing or wrong: use the one the server printed at start"  # noqa: S105


def needed(session: Session) -> bool:
    """Whether the installation still has no user."""
    return not users.any_user_exists(session)


def check_token(settings: ApiSettings, token: str) -> None:
    """Refuse a wrong token (403), or any token when the server has none configured (503)."""
    if settings.setup_token is None or not settings.setup_token.get_secret_value():
        raise SetupNotConfiguredError(NOT_CONFIGURED)
    expected = settings.setup_token.get_secret_value().encode()
    if not hmac.compare_digest(token.encode(), expected):
        logger.warning("setup refused: wrong setup token")
        raise SetupTokenInvalidError(BAD_TOKEN)


def complete_setup(
    session: Session,
    settings: ApiSettings,
    throttle: LoginThrottle,
    *,
    token: str,
    email: str,
    password: str,
    display_name: str | None,
    client: str,
) -> tuple[User, security.IssuedToken]:
    """Create the first admin (the user rules of `users.create_user`) and sign them in.

    Counted like a login attempt first (429 past the limit). Once any user exists setup is
    closed for good (409), whatever the token; the check is repeated atomically with the
    insert, so of two concurrent requests only one creates an admin.
    """
    throttle.hit(client)
    if not needed(session):
        raise SetupCompleteError(users.SETUP_COMPLETE)
    check_token(settings, token)
    user = users.create_first_admin(
        session, email=email, password=password, display_name=display_name
    )
    record_event(
        session,
        "setup.completed",
        workspace_id=None,
        actor_id=user.id,
        subject_type="user",
        subject_id=user.id,
        payload={"email": user.email},
    )
    issued = sign_in(settings, user)
    logger.info("first-run setup completed", extra={"user_id": user.id})
    return user, issued
