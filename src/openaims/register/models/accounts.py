"""Sign-in accounts, API tokens, web sessions and failed sign-ins.

Accounts are not ISO/IEC 42001 records; changes to them are still written to the
history chain (without password or token hashes). Web sessions and failed sign-ins
are short-lived security state, not history.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Base, JSONType, UTCDateTime


class Account(Base):
    """A local sign-in with a role set; optionally tied to a person record.

    An OpenID Connect identity is the pair (issuer, subject): a subject is unique only
    within its issuer, so the same ``sub`` from another issuer is another person.
    """

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_accounts_oidc_identity"),)

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    roles: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    person_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    oidc_issuer: Mapped[str | None] = mapped_column(String(500), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ApiToken(Base):
    """A scoped, revocable API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    username: Mapped[str] = mapped_column(
        String(100), ForeignKey("accounts.username", ondelete="CASCADE"), nullable=False, index=True
    )
    scopes: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random secret; only its SHA-256 is stored,
    and deleting the row signs the browser out whatever cookie it still holds."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(
        String(100), ForeignKey("accounts.username", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False)


class SignInFailure(Base):
    """Failed sign-ins from one client address, for one username as typed (known or not) or,
    with ``username`` ``*``, for any username: lockouts are per account *and* address, so
    nobody can lock an account out for everyone else."""

    __tablename__ = "sign_in_failures"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
