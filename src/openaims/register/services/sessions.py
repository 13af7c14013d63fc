"""Web sessions kept in the register, so that they can be ended.

The browser's signed cookie carries a random secret; the register keeps its SHA-256
with the account, the address it signed in from, and when it was last seen. A session
ends when its row goes: at sign-out, when the password or the roles of the account
change, when the account is deactivated, after ``idle`` without a request, and at the
latest ``lifetime`` after sign-in. A cookie captured before any of these no longer
signs anyone in, because nothing in the register matches it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.orm import Session

from openaims.register.models.accounts import Account, WebSession
from openaims.register.models.base import utcnow

#: ``last_seen_at`` is written at most this often (not on every request).
TOUCH_EVERY = dt.timedelta(seconds=60)


def _now() -> dt.datetime:
    return utcnow()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class WebSessionService:
    """Start, find and end web sessions on one database session (callers commit)."""

    def __init__(
        self,
        session: Session,
        *,
        idle: dt.timedelta = dt.timedelta(hours=1),
        lifetime: dt.timedelta = dt.timedelta(hours=12),
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.session = session
        self.idle = idle
        self.lifetime = lifetime
        self.clock = clock or _now

    def start(self, username: str, address: str) -> str:
        """A new session for ``username``; returns the secret for the cookie (stored only hashed)."""
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        self.session.add(
            WebSession(id=_digest(secret), username=username, created_at=now, last_seen_at=now, address=address[:64])
        )
        self.session.flush()
        return secret

    def _look_up(self, secret: str) -> tuple[WebSession | None, str | None, bool]:
        """``(row, username of a live session or None, whether the row is due a write)``: a dead
        session's row is due removal, a live one's ``last_seen_at`` is due every :data:`TOUCH_EVERY`."""
        if not secret:
            return None, None, False
        row = self.session.get(WebSession, _digest(secret))
        if row is None:
            return None, None, False
        now = self.clock()
        account = self.session.get(Account, row.username)
        if (
            account is None
            or not account.active
            or now - row.last_seen_at > self.idle
            or now - row.created_at > self.lifetime
        ):
            return row, None, True
        return row, row.username, now - row.last_seen_at > TOUCH_EVERY

    def peek(self, secret: str) -> tuple[str | None, bool]:
        """What :meth:`resolve` answers, without writing: the username (or None) and whether
        :meth:`resolve` would write (so a read-only request can do that in a write transaction)."""
        _row, username, due = self._look_up(secret)
        return username, due

    def resolve(self, secret: str) -> str | None:
        """The username of a live session, or None (unknown, ended, idle or too old: then it is removed)."""
        row, username, due = self._look_up(secret)
        if row is None or not due:
            return username
        if username is None:
            self.session.delete(row)
        else:
            row.last_seen_at = self.clock()
        self.session.flush()
        return username

    def end(self, secret: str) -> None:
        """Sign one browser out."""
        if secret:
            self.session.execute(delete(WebSession).where(WebSession.id == _digest(secret)))
            self.session.flush()

    def end_all(self, username: str) -> int:
        """Sign ``username`` out everywhere; the number of sessions ended."""
        result = self.session.execute(delete(WebSession).where(WebSession.username == username))
        self.session.flush()
        return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["WebSessionService"]
