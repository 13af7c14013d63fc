"""Lockout after failed sign-ins that nobody can turn against someone else.

Failures are counted per (username as typed, client address) and per address over all
usernames, in the database so every web worker sees them:

- five failures for one username from one address lock that username *from that
  address only*; the owner signing in from anywhere else is not affected, so an
  attacker cannot keep an account locked for its owner;
- twenty failures from one address, whatever the usernames, lock that address
  (password spraying);
- each further lockout of the same pair or address lasts twice as long (1, 2, 4 ...
  minutes, at most an hour) until a day passes without failures;
- failures older than the window are forgotten; a successful sign-in clears the pair;
- an admin clears a lockout with ``aims user unlock`` (or the API).

Unknown usernames are counted like known ones, so a lockout says nothing about which
accounts exist.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from openaims.register.models.accounts import SignInFailure
from openaims.register.models.base import utcnow

log = logging.getLogger("openaims.security")

#: ``username`` of the row counting every failure from one address.
ANY_ACCOUNT = "*"
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
#: Failures older than this are forgotten.
WINDOW = dt.timedelta(minutes=15)
FIRST_LOCKOUT = dt.timedelta(minutes=1)
LONGEST_LOCKOUT = dt.timedelta(hours=1)
#: A pair or address with no failure for this long starts again at the first lockout.
FORGET_AFTER = dt.timedelta(days=1)


@dataclass(frozen=True)
class Lockout:
    username: str
    address: str
    locked_until: dt.datetime


def _key(username: str) -> str:
    return username[:100]


def _address(address: str) -> str:
    return address[:64]


class SignInGuard:
    """Failed sign-ins on one session; callers commit."""

    def __init__(self, session: Session, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock

    def _row(self, username: str, address: str) -> SignInFailure | None:
        return self.session.get(SignInFailure, (username, address))

    def locked(self, username: str, address: str) -> bool:
        """True while the username is locked from this address, or the address is locked."""
        now = self.clock()
        for row in (self._row(_key(username), _address(address)), self._row(ANY_ACCOUNT, _address(address))):
            if row is not None and row.locked_until is not None and row.locked_until > now:
                return True
        return False

    def failed(self, username: str, address: str) -> None:
        """Count a failure for the pair and for the address; lock either when it reaches its limit."""
        now = self.clock()
        self._count(_key(username), _address(address), ACCOUNT_FAILURES, now)
        self._count(ANY_ACCOUNT, _address(address), ADDRESS_FAILURES, now)
        # Forget what no longer matters, so typed usernames cannot fill the table.
        self.session.execute(
            delete(SignInFailure).where(
                SignInFailure.last_failure_at < now - FORGET_AFTER,
                or_(SignInFailure.locked_until.is_(None), SignInFailure.locked_until < now),
            )
        )

    def _count(self, username: str, address: str, limit: int, now: dt.datetime) -> None:
        row = self._row(username, address)
        if row is None:
            row = SignInFailure(username=username, address=address, failures=0, lockouts=0, last_failure_at=now)
            self.session.add(row)
        if now - row.last_failure_at > FORGET_AFTER:
            row.lockouts = 0
        if now - row.last_failure_at > WINDOW:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= limit:
            row.locked_until = now + min(FIRST_LOCKOUT * 2**row.lockouts, LONGEST_LOCKOUT)
            row.lockouts += 1
            row.failures = 0
            who = "any account" if username == ANY_ACCOUNT else repr(username)
            log.warning("sign-in locked for %s from %s until %s", who, address, row.locked_until.isoformat())
        self.session.flush()

    def succeeded(self, username: str, address: str) -> None:
        """A correct password from an unlocked pair: its failures are forgotten."""
        row = self._row(_key(username), _address(address))
        if row is not None:
            self.session.delete(row)
            self.session.flush()

    def lockouts(self) -> list[Lockout]:
        """Pairs and addresses locked now."""
        now = self.clock()
        rows = self.session.execute(
            select(SignInFailure)
            .where(SignInFailure.locked_until > now)
            .order_by(SignInFailure.username, SignInFailure.address)
        ).scalars()
        return [Lockout(r.username, r.address, r.locked_until) for r in rows if r.locked_until is not None]

    def clear(self, *, username: str | None = None, address: str | None = None) -> int:
        """Forget failures and lockouts of a username (every address) and/or an address; the number cleared."""
        conditions = []
        if username is not None:
            conditions.append(SignInFailure.username == _key(username))
        if address is not None:
            conditions.append(SignInFailure.address == _address(address))
        if not conditions:
            return 0
        result = self.session.execute(delete(SignInFailure).where(*conditions))
        self.session.flush()
        return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["ACCOUNT_FAILURES", "ADDRESS_FAILURES", "ANY_ACCOUNT", "Lockout", "SignInGuard"]
