"""How the CLI fails: one readable line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations


class CliError(Exception):
    """A failure the user can act on; its message is printed as is."""

    exit_code = 1


def describe(exc: BaseException) -> str:
    """A one-line description of an unexpected error, free of secrets such as database URLs."""
    # SQLAlchemy and driver messages can include the connection URL: keep only the cause.
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, OperationalError):
        return "cannot reach the database: " + _first_line(str(exc.orig))
    if isinstance(exc, DBAPIError):
        return "database error: " + _first_line(str(exc.orig))
    from redis.exceptions import ConnectionError as RedisConnectionError

    if isinstance(exc, RedisConnectionError):
        return "cannot reach Redis: " + _first_line(str(exc))
    return f"{type(exc).__name__}: {_first_line(str(exc))}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no details"
