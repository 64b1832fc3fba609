"""Who is calling: users, their API keys and revoked login tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from ade_db.metadata import Base
from ade_db.models._mixins import IdMixin, TimestampMixin
from ade_db.types import UTCDateTime, ulid_column_type, utcnow


class User(IdMixin, TimestampMixin, Base):
    """A person (or service account) that signs in with a password or an API key."""

    __tablename__ = "users"
    __table_args__ = (
        # Emails are compared case-insensitively; storing them folded keeps one unique index.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("failed_login_count >= 0", name="failed_login_count_non_negative"),
    )

    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiKey(IdMixin, TimestampMixin, Base):
    """A long-lived credential for automation. Only a hash of the secret is stored."""

    __tablename__ = "api_keys"

    user_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # The public, non-secret start of the key: finds the row without scanning hashes.
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RevokedToken(Base):
    """A signed login token revoked before it expired (logout); pruned once it expires."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
