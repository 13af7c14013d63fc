"""Who acts on a register outside the web app: personal mode or team mode.

- **Personal mode**: the register has no accounts (one person's laptop). Whoever runs
  the command line owns the database file and acts with admin rights, under the name
  of the operating-system user (or ``AIMS_ACTOR``).
- **Team mode**: the register has accounts (the web app's). Only an authenticated
  account writes: a token stored by ``aims login`` or given in ``AIMS_TOKEN``; the
  account's roles apply, and a name asserted with ``--actor``/``AIMS_ACTOR`` is refused.
  Anyone with the database may read it; reads record nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from openaims.errors import PermissionDeniedError
from openaims.register.actors import Actor, Role

if TYPE_CHECKING:
    from openaims.register.services.accounts import AccountOut, TokenOut

#: How to sign in, for every refusal.
HOW_TO_SIGN_IN = "sign in with 'aims login' (or set AIMS_TOKEN to an API token from 'aims user token')"
#: The reader in team mode before anyone signs in.
NOT_SIGNED_IN = "anonymous"


class Mode(enum.StrEnum):
    PERSONAL = "personal"
    TEAM = "team"


class SignInRequiredError(PermissionDeniedError):
    """A write in team mode without an authenticated account (exit 1)."""


@dataclass(frozen=True)
class Identity:
    """The resolved actor and how it was established."""

    mode: Mode
    actor: Actor
    #: How the actor was established: ``os-user``, ``AIMS_ACTOR``, ``aims login``, ``AIMS_TOKEN`` or ``not signed in``.
    via: str
    accounts: int
    account: AccountOut | None = None
    token: TokenOut | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def signed_in(self) -> bool:
        return self.account is not None

    @property
    def can_write(self) -> bool:
        """Whether a write would be accepted (roles still decide what may change)."""
        return self.mode is Mode.PERSONAL or (self.account is not None and "write" in self.scopes)

    def require_write(self, scope: str = "write", *, asserted: str | None = None) -> None:
        """Refuse a write in team mode unless an account is signed in with ``scope`` (or ``write``)."""
        if self.mode is Mode.PERSONAL:
            return
        if self.account is None:
            said = ""
            if asserted:
                said = f" ({asserted!r} was given with --actor or AIMS_ACTOR, which team mode does not accept)"
            raise SignInRequiredError(
                f"this register has accounts, so changes need a signed-in account{said}; {HOW_TO_SIGN_IN}"
            )
        self.check_asserted(asserted)
        if scope not in self.scopes and "write" not in self.scopes:
            raise PermissionDeniedError(
                f"the token of {self.account.username} allows {', '.join(sorted(self.scopes)) or 'nothing'}, "
                f"not {scope!r}; sign in again with 'aims login' or use a token with that scope"
            )

    def check_asserted(self, asserted: str | None) -> None:
        """In team mode a name given with --actor/AIMS_ACTOR must be the signed-in account's."""
        name = (asserted or "").strip()
        if self.mode is Mode.PERSONAL or not name or self.account is None:
            return
        if name != self.account.username:
            raise SignInRequiredError(
                f"signed in as {self.account.username}, so --actor/AIMS_ACTOR {name!r} cannot say who acts; "
                f"unset it, or {HOW_TO_SIGN_IN} as {name}"
            )


def register_mode(session: Session) -> Mode:
    """Team mode once an account can sign in.

    A register whose accounts cannot sign in (rebuilt from an export's history, which
    holds no password) stays personal until someone sets a password: otherwise nobody
    could ever act on it.
    """
    from openaims.register.services.accounts import AccountService

    return Mode.TEAM if AccountService(session).usable_count() else Mode.PERSONAL


def _no_accounts(session: Session) -> bool:
    """Whether the register has no account at all (then none can sign in)."""
    return session.execute(text("SELECT 1 FROM accounts LIMIT 1")).first() is None


def _personal(asserted: str | None, os_user: str, *, accounts: int) -> Identity:
    name = (asserted or "").strip()
    return Identity(
        mode=Mode.PERSONAL,
        actor=Actor(name=name or os_user, roles=frozenset({Role.ADMIN})),
        via="AIMS_ACTOR" if name else "os-user",
        accounts=accounts,
        scopes=frozenset({"read", "write", "scan:push"}),
    )


def resolve(
    session: Session,
    *,
    token: str | None,
    token_source: str,
    asserted: str | None,
    os_user: str,
) -> Identity:
    """The identity behind a command: personal mode's local operator, or team mode's account.

    An invalid, expired or revoked token is refused (AuthenticationError) in team mode.
    """
    if _no_accounts(session):  # personal mode, known without loading the accounts' service and models
        return _personal(asserted, os_user, accounts=0)
    from openaims.register.services.accounts import AccountService, AuthenticationError

    accounts = AccountService(session)
    count = accounts.count()
    if accounts.usable_count() == 0:
        return _personal(asserted, os_user, accounts=count)
    if token:
        try:
            account, scopes = accounts.verify_token(token)
        except AuthenticationError:
            raise AuthenticationError(
                f"the token from {token_source} is invalid, expired or revoked; {HOW_TO_SIGN_IN}"
            ) from None
        found = accounts.token_for_secret(token)
        return Identity(
            mode=Mode.TEAM,
            actor=account.actor(),
            via=token_source,
            accounts=count,
            account=account,
            token=found,
            scopes=frozenset(scopes),
        )
    return Identity(
        mode=Mode.TEAM,
        actor=Actor(name=NOT_SIGNED_IN, roles=frozenset({Role.VIEWER})),
        via="not signed in",
        accounts=count,
        scopes=frozenset({"read"}),
    )
