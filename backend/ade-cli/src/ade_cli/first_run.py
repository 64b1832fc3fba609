"""What `ade start` and `ade api serve` print about the web app, and the one-time setup token
they hand to the API while no user exists.

Whoever reaches the port first must not be able to take an empty server: first-run setup
(`POST /api/v1/setup`, the web app's setup page) needs a token only the person who started
the server sees on its console. It travels to the API processes (uvicorn's workers, `ade
start`'s children) as ADE_SETUP_TOKEN in their environment.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import MutableMapping

from ade_cli.context import open_engine

logger = logging.getLogger(__name__)

SETUP_TOKEN_ENV = "ADE_SETUP_TOKEN"  # noqa: S105  (a variable's name, not a secret)


def web_address(host: str, port: int) -> str:
    """The address to open in a browser: a wildcard bind is reached on the loopback."""
    shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
    if ":" in shown:
        shown = f"[{shown}]"  # an IPv6 address in a URL
    return f"http://{shown}:{port}"


def _no_user_yet() -> bool:
    """Whether the configured database has no user; False when it cannot be asked."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from ade_api.users.service import any_user_exists

    engine = open_engine()
    try:
        with Session(engine) as session:
            return not any_user_exists(session)
    except SQLAlchemyError as exc:
        # Not reachable or not migrated: the API says so itself; setup waits for a restart.
        logger.warning("could not check for users (%s); no setup token made", type(exc).__name__)
        return False
    finally:
        engine.dispose()


def prepare_setup_token(env: MutableMapping[str, str], *, configured: bool) -> str | None:
    """A new setup token, put in `env` for the API processes, when no user exists and none is
    `configured` (ADE_SETUP_TOKEN set by the operator: kept, and not printed). Else None."""
    if configured or not _no_user_yet():
        return None
    token = secrets.token_urlsafe(24)
    env[SETUP_TOKEN_ENV] = token
    return token


def web_lines(address: str, token: str | None) -> list[str]:
    """The console lines naming the web address, and the setup token when one was made."""
    if token is None:
        return [f"web app: open {address}/ in a browser to sign in."]
    return [
        f"first run, no user yet: open {address}/setup and use setup token {token}",
        "(it creates the first admin; or run `ade users create --email E --admin`).",
    ]
