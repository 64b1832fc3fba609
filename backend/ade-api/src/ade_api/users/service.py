"""User rules: who may exist, how they are created, and the first admin of an installation.

Knows nothing of HTTP; raises `ade_api.errors` classes. Passwords are hashed here and never
logged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from ade_api.auth import security
from ade_api.errors import ConflictError, FieldProblem, InvalidInputError, SetupCompleteError
from ade_api.settings import ApiSettings
from ade_db.models import User

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
MAX_EMAIL_LENGTH = 320
# Deliberately loose: one @, something either side, no spaces. Delivery is not ADE's concern.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _check_new_user(email: str, password: str) -> None:
    problems = []
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        problems.append(FieldProblem(("email",), "must be an email address such as a@b.org"))
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        problems.append(
            FieldProblem(
                ("password",),
                f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long",
            )
        )
    if problems:
        raise InvalidInputError("the user cannot be created as given", errors=problems)


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str | None = None,
    is_admin: bool = False,
) -> User:
    """Add a user with an argon2 password hash; ConflictError when the email is taken."""
    email = security.normalize_email(email)
    _check_new_user(email, password)
    taken = ConflictError(f"a user with email {email} already exists")
    if session.scalar(select(exists().where(User.email == email))):
        raise taken
    user = User(
        email=email,
        display_name=(display_name or "").strip() or None,
        password_hash=security.hash_password(password),
        is_admin=is_admin,
    )
    try:
        # A savepoint: a concurrent insert of the same email fails only this step.
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise taken from None
    logger.info("user created", extra={"user_id": user.id, "is_admin": is_admin})
    return user


def get_user(session: Session, user_id: str) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def any_user_exists(session: Session) -> bool:
    """Whether the installation has at least one user."""
    return bool(session.scalar(select(exists().where(User.id.is_not(None)))))


# Any fixed number: the PostgreSQL advisory lock that serializes creating the first user.
_FIRST_USER_LOCK = 0x0ADE_0001
SETUP_COMPLETE = "setup is complete: this installation already has users; sign in instead"


def create_first_admin(
    session: Session, *, email: str, password: str, display_name: str | None = None
) -> User:
    """The installation's first user, an admin; SetupCompleteError once any user exists.

    Atomic when several requests or processes race: on PostgreSQL a transaction-level
    advisory lock (held until the caller commits) makes the second wait and then see the
    first's user. SQLite has one writer at a time: the insert takes the write lock, and the
    count after it sees every user committed before, so the later of two fails.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_FIRST_USER_LOCK)))
    if any_user_exists(session):
        raise SetupCompleteError(SETUP_COMPLETE)
    user = create_user(
        session, email=email, password=password, display_name=display_name, is_admin=True
    )
    if session.scalar(select(func.count()).select_from(User)) != 1:
        raise SetupCompleteError(SETUP_COMPLETE)
    return user


def bootstrap_initial_admin(
    session_factory: Callable[[], Session], settings: ApiSettings, *, attempts: int = 3
) -> User | None:
    """Create the admin named by ADE_INITIAL_ADMIN_EMAIL/PASSWORD when no user exists yet.

    Idempotent, and safe when several API processes start at once: the loser of the race
    sees the unique email (or, on SQLite, a busy database), looks again and finds a user.
    A database that is not reachable or not migrated is logged and skipped, not fatal.
    A setting that breaks the user rules (a short password...) stops start-up.
    """
    email, password = settings.initial_admin_email, settings.initial_admin_password
    if not email and password is None:
        return None
    if not email or password is None:
        logger.warning(
            "initial admin not created: set both ADE_INITIAL_ADMIN_EMAIL and "
            "ADE_INITIAL_ADMIN_PASSWORD"
        )
        return None
    for attempt in range(1, attempts + 1):
        with session_factory() as session:
            try:
                if any_user_exists(session):
                    logger.info("initial admin not needed: users already exist")
                    return None
                user = create_first_admin(
                    session, email=email, password=password.get_secret_value()
                )
                session.commit()
            except ConflictError:  # SetupCompleteError, or the same email committed first
                session.rollback()
                logger.info("initial admin already created by another process")
                return None
            except InvalidInputError as exc:
                details = "; ".join(f"{p.loc[-1]} {p.msg}" for p in exc.errors)
                raise ValueError(
                    f"ADE_INITIAL_ADMIN_EMAIL / ADE_INITIAL_ADMIN_PASSWORD: {details}"
                ) from None
            except OperationalError as exc:
                session.rollback()
                if attempt < attempts:
                    time.sleep(0.2 * attempt)
                    continue
                logger.warning(
                    "initial admin not created: database unavailable or not migrated (%s)",
                    type(exc).__name__,
                )
                return None
            except SQLAlchemyError as exc:
                session.rollback()
                # The message can hold the database URL: only the error's kind is logged.
                logger.warning(
                    "initial admin not created: database not ready (%s); it is created at the "
                    "next start once `ade db migrate` has run",
                    type(exc).__name__,
                )
                return None
        logger.info("initial admin created", extra={"user_id": user.id})
        return user
    return None
