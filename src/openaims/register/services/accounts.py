"""Sign-in accounts, password checks with lockout, and API tokens.

Rules: only an admin manages accounts, except the very first account, which is
created as an admin (first-run setup). Passwords follow :mod:`openaims.register.passwords`
and are stored as argon2 hashes. Sign-in does the same argon2 work whether the account
exists, is locked, inactive or the password is wrong, and refuses all of them with one
message; failed sign-ins lock a username per client address
(:mod:`openaims.register.services.signin`). A password change, a role change and
deactivation end the account's web sessions. API tokens are shown once and stored as
SHA-256 hashes; they are scoped (``read``, ``write``, ``scan:push``) and revocable.
Every change to an account is appended to the history chain without any hash.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from openaims.errors import ConflictError, NotFoundError, PermissionDeniedError, UsageError
from openaims.register import history, passwords
from openaims.register.actors import Actor, Permission, Role
from openaims.register.models.accounts import Account, ApiToken
from openaims.register.models.base import utcnow
from openaims.register.services.sessions import WebSessionService
from openaims.register.services.signin import Lockout, SignInGuard

if TYPE_CHECKING:
    from argon2 import PasswordHasher

TOKEN_PREFIX = "aims_"
#: How long a command-line sign-in (``aims login``) lasts.
LOGIN_TOKEN_LIFETIME = dt.timedelta(days=30)
SCOPES = ("read", "write", "scan:push")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")

#: The argon2 hasher when one is set (tests set a cheap one); else :func:`_default_hasher`.
_hasher: PasswordHasher | None = None
#: Hashes of a random password per argon2 parameter set, verified when there is no real hash to check.
_dummy_hashes: dict[tuple[int, int, int, int, int], str] = {}


@functools.cache
def _default_hasher() -> PasswordHasher:
    """argon2's recommended parameters (imported on first use: most commands never hash)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


def _password_hasher() -> PasswordHasher:
    return _hasher if _hasher is not None else _default_hasher()


def _verify(stored: str | None, password: str) -> bool:
    """One argon2 verification whatever happens, so every refusal costs the same time."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    hasher = _password_hasher()
    if stored is None:
        key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len, hasher.salt_len)
        if key not in _dummy_hashes:
            _dummy_hashes[key] = hasher.hash(secrets.token_urlsafe(16))
        stored = _dummy_hashes[key]
        password = "\x00" + password  # never matches the random password
    try:
        return bool(hasher.verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class AuthenticationError(PermissionDeniedError):
    """Sign-in refused; the message never says whether the user exists."""


class OidcIdentityUnknown(AuthenticationError):
    """An OpenID Connect identity that no account holds, and no role to provision one with."""

    def __init__(self, issuer: str, subject: str) -> None:
        self.issuer = issuer
        self.subject = subject
        super().__init__(
            f"no account is linked to the OpenID Connect identity {subject!r} of {issuer}; "
            f"an admin links it with 'aims user link-oidc USERNAME --subject {subject}'"
        )


class SignInRefused(AuthenticationError):
    """A refused password sign-in; the failure it recorded is committed, not rolled back."""

    keeps_changes = True


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    roles: list[str]
    person_id: str | None
    active: bool
    oidc_issuer: str | None = None
    oidc_subject: str | None = None
    created_at: dt.datetime
    last_login_at: dt.datetime | None

    def actor(self) -> Actor:
        return Actor(
            name=self.username,
            roles=frozenset(Role(r) for r in self.roles),
            person_id=self.person_id,
            aliases=frozenset({self.display_name}),
        )


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    username: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class IssuedToken(BaseModel):
    """A new token: ``secret`` is shown once and never stored."""

    token: TokenOut
    secret: str


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _stamp(moment: dt.datetime | None) -> str | None:
    """A token's expiry as recorded in its event (UTC ISO 8601), so a later extension is detected."""
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def _public(account: Account) -> dict[str, object]:
    return {
        "username": account.username,
        "display_name": account.display_name,
        "roles": sorted(account.roles),
        "person_id": account.person_id,
        "active": account.active,
        "oidc_issuer": account.oidc_issuer,
        "oidc_subject": account.oidc_subject,
    }


def _issuer(url: str) -> str:
    """An issuer as compared: the URL without a trailing slash (``https://idp/`` is ``https://idp``)."""
    return url.strip().rstrip("/")


def _username_from(claims: Mapping[str, Any], taken: Callable[[str], bool]) -> str:
    """A new account's username from the provider's claims: its preferred username or e-mail,
    reduced to the characters usernames allow, with a number added while it is taken.
    The claims only name the account; they never decide which account a sign-in reaches."""
    wanted = ""
    for claim in ("preferred_username", "email", "name"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            wanted = value.strip()
            break
    base = re.sub(r"[^A-Za-z0-9._@-]+", "-", wanted).strip("-._@")[:90]
    if len(base) < 2:
        base = "oidc-" + hashlib.sha256(str(claims.get("sub", "")).encode("utf-8")).hexdigest()[:10]
    candidate, number = base, 1
    while taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


class AccountService:
    """Accounts and tokens on one session, on behalf of ``actor`` (None for sign-in)."""

    def __init__(
        self, session: Session, actor: Actor | None = None, *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.session = session
        self.actor = actor
        self.clock = clock

    # ----------------------------------------------------------------- helpers
    def _require_admin(self) -> Actor:
        if self.actor is None or Role.ADMIN not in self.actor.roles:
            raise PermissionDeniedError("only an admin can manage accounts and tokens")
        return self.actor

    def require_admin(self) -> Actor:
        """Refuse unless the actor is an admin (account and token management)."""
        return self._require_admin()

    def _event(
        self, subject: str, action: str, before: dict[str, object] | None, after: dict[str, object] | None
    ) -> None:
        history.append(
            self.session,
            record_id=f"ACCOUNT:{subject}",
            record_type="account",
            action=action,
            actor=self.actor.name if self.actor else subject,
            before=before,
            after=after,
            at=self.clock(),
        )

    def _get(self, username: str) -> Account:
        row = self.session.get(Account, username)
        if row is None:
            raise NotFoundError(f"no account {username!r}; list them with 'aims user list'")
        return row

    @staticmethod
    def _check_password(password: str, username: str) -> None:
        passwords.check(password, username=username)

    # ----------------------------------------------------------------- reads
    def count(self) -> int:
        return int(self.session.execute(select(func.count()).select_from(Account)).scalar_one())

    def usable_count(self) -> int:
        """Active accounts that can sign in: with a password, an OpenID Connect subject or a live token.

        Accounts rebuilt from an export's history have none until someone sets a password.
        """
        now = self.clock()
        live_token = (
            select(ApiToken.id)
            .where(
                ApiToken.username == Account.username,
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            )
            .exists()
        )
        usable = or_(Account.password_hash.is_not(None), Account.oidc_subject.is_not(None), live_token)
        stmt = select(func.count()).select_from(Account).where(Account.active.is_(True), usable)
        return int(self.session.execute(stmt).scalar_one())

    def needs_setup(self) -> bool:
        """True until the first account exists (the web app then offers first-run setup)."""
        return self.count() == 0

    def get(self, username: str) -> AccountOut:
        return AccountOut.model_validate(self._get(username))

    def accounts(self) -> list[AccountOut]:
        rows = self.session.execute(select(Account).order_by(Account.username)).scalars()
        return [AccountOut.model_validate(r) for r in rows]

    # ----------------------------------------------------------------- writes
    def create(
        self,
        username: str,
        password: str | None,
        *,
        roles: list[str],
        display_name: str | None = None,
        person_id: str | None = None,
    ) -> AccountOut:
        """Create an account. The first account may be created by anyone and is an admin."""
        first = self.needs_setup()
        if first:
            roles = sorted({*roles, Role.ADMIN.value})
        else:
            self._require_admin()
        if not _USERNAME.match(username):
            raise UsageError(
                f"invalid username {username!r}: use 2-100 letters, digits, '.', '_', '@' or '-'"
            )
        unknown = sorted(set(roles) - {r.value for r in Role})
        if unknown or not roles:
            allowed = ", ".join(r.value for r in Role)
            raise UsageError(f"unknown role(s) {', '.join(unknown) or '(none given)'}; use one of {allowed}")
        if self.session.get(Account, username) is not None:
            raise ConflictError(f"account {username!r} already exists")
        if password is not None:
            self._check_password(password, username)
        account = Account(
            username=username,
            display_name=display_name or username,
            password_hash=_password_hasher().hash(password) if password is not None else None,
            roles=sorted(set(roles)),
            person_id=person_id,
            active=True,
            created_at=self.clock(),
        )
        self.session.add(account)
        self.session.flush()
        self._event(username, "create", None, _public(account))
        return AccountOut.model_validate(account)

    def set_roles(self, username: str, roles: list[str]) -> AccountOut:
        self._require_admin()
        account = self._get(username)
        unknown = sorted(set(roles) - {r.value for r in Role})
        if unknown or not roles:
            raise UsageError(f"unknown role(s) {', '.join(unknown) or '(none given)'}")
        if Role.ADMIN.value in account.roles and Role.ADMIN.value not in roles and self._admins() == 1:
            raise ConflictError("the last admin cannot lose the admin role")
        before = _public(account)
        account.roles = sorted(set(roles))
        self.session.flush()
        if account.roles != before["roles"]:
            WebSessionService(self.session).end_all(username)  # sign in again to act with the new roles
        self._event(username, "update", before, _public(account))
        return AccountOut.model_validate(account)

    def _admins(self) -> int:
        return sum(
            1
            for a in self.session.execute(select(Account)).scalars()
            if Role.ADMIN.value in a.roles and a.active
        )

    def set_password(self, username: str, password: str) -> None:
        if self.actor is None or (self.actor.name != username and Role.ADMIN not in self.actor.roles):
            raise PermissionDeniedError("only an admin can set another account's password")
        account = self._get(username)
        self._check_password(password, username)
        account.password_hash = _password_hasher().hash(password)
        self.session.flush()
        WebSessionService(self.session).end_all(username)  # whoever knew the old password is signed out
        SignInGuard(self.session, clock=self.clock).clear(username=username)
        self._event(username, "password", None, {"username": username})

    def deactivate(self, username: str) -> AccountOut:
        self._require_admin()
        account = self._get(username)
        if Role.ADMIN.value in account.roles and self._admins() == 1:
            raise ConflictError("the last admin cannot be deactivated")
        before = _public(account)
        account.active = False
        for token in self.session.execute(select(ApiToken).where(ApiToken.username == username)).scalars():
            token.revoked_at = token.revoked_at or self.clock()
        self.session.flush()
        WebSessionService(self.session).end_all(username)
        self._event(username, "deactivate", before, _public(account))
        return AccountOut.model_validate(account)

    # ----------------------------------------------------------------- sign-in
    def authenticate(self, username: str, password: str, *, address: str = "local") -> AccountOut:
        """Check a password from a client address.

        Unknown, inactive, locked and wrong-password cases take the same argon2 work and get
        the same refusal; failures count towards a lockout of ``username`` from ``address``
        (and of ``address`` for every username), never of the account for everyone.
        """
        refused = SignInRefused("wrong username or password, or the account is locked or inactive")
        guard = SignInGuard(self.session, clock=self.clock)
        account = self.session.get(Account, username) if _USERNAME.match(username) else None
        stored = account.password_hash if account is not None and account.active else None
        correct = _verify(stored, password)
        locked = guard.locked(username, address)
        if account is None or stored is None or not correct or locked:
            guard.failed(username, address)  # attempts while locked count too: the back-off grows
            raise refused
        guard.succeeded(username, address)
        if _password_hasher().check_needs_rehash(stored):
            account.password_hash = _password_hasher().hash(password)
        account.last_login_at = self.clock()
        self.session.flush()
        return AccountOut.model_validate(account)

    def lockouts(self) -> list[Lockout]:
        """Usernames and addresses locked now (admins)."""
        self._require_admin()
        return SignInGuard(self.session, clock=self.clock).lockouts()

    def unlock(self, username: str | None = None, *, address: str | None = None) -> int:
        """Clear the sign-in lockouts of a username (from every address) and/or of an address (admins)."""
        self._require_admin()
        if username is None and address is None:
            raise UsageError("name a username or an address (--address) to unlock")
        return SignInGuard(self.session, clock=self.clock).clear(username=username, address=address)

    # ----------------------------------------------------------------- OpenID Connect
    def oidc_account(self, issuer: str, subject: str) -> Account | None:
        return self.session.execute(
            select(Account).where(Account.oidc_issuer == _issuer(issuer), Account.oidc_subject == subject)
        ).scalar_one_or_none()

    def oidc_sign_in(
        self, issuer: str, subject: str, claims: Mapping[str, Any], *, default_role: str | None
    ) -> AccountOut:
        """The account an OpenID Connect sign-in reaches: the one linked to (issuer, subject).

        The provider's names and e-mail addresses can change and can be chosen by the person,
        so they never select an account. An identity no account holds gets a new account with
        ``default_role`` (its username from the claims, made unique), or is refused when
        ``default_role`` is None.
        """
        if not issuer.strip() or not subject:
            raise AuthenticationError("the identity provider sent no issuer or subject")
        if len(subject) > 300 or len(_issuer(issuer)) > 500:
            raise AuthenticationError("the identity provider sent an issuer or subject too long to record")
        account = self.oidc_account(issuer, subject)
        if account is None:
            if default_role is None:
                raise OidcIdentityUnknown(_issuer(issuer), subject)
            if default_role not in {r.value for r in Role}:
                raise UsageError(f"unknown role {default_role!r} for new OpenID Connect accounts")
            username = _username_from(claims, lambda name: self.session.get(Account, name) is not None)
            name = claims.get("name")
            account = Account(
                username=username,
                display_name=(name.strip()[:200] if isinstance(name, str) and name.strip() else username),
                password_hash=None,
                roles=[default_role],
                person_id=None,
                active=True,
                oidc_issuer=_issuer(issuer),
                oidc_subject=subject,
                created_at=self.clock(),
            )
            self.session.add(account)
            self.session.flush()
            self._event(username, "create", None, _public(account))
        elif not account.active:
            raise AuthenticationError("this account is deactivated; ask an admin")
        account.last_login_at = self.clock()
        self.session.flush()
        return AccountOut.model_validate(account)

    def link_oidc(self, username: str, subject: str, *, issuer: str) -> AccountOut:
        """Tie an account to an OpenID Connect identity (admins); its next OIDC sign-in reaches it."""
        self._require_admin()
        account = self._get(username)
        subject = subject.strip()
        if not subject or len(subject) > 300:
            raise UsageError("give the subject ('sub') the identity provider names the person with (1-300 characters)")
        if not issuer.strip() or len(_issuer(issuer)) > 500:
            raise UsageError("give the issuer URL of the identity provider (--issuer or AIMS_OIDC_ISSUER)")
        holder = self.oidc_account(issuer, subject)
        if holder is not None and holder.username != username:
            raise ConflictError(
                f"the identity {subject!r} of {_issuer(issuer)} is linked to account {holder.username!r}"
            )
        before = _public(account)
        account.oidc_issuer, account.oidc_subject = _issuer(issuer), subject
        self.session.flush()
        self._event(username, "update", before, _public(account))
        return AccountOut.model_validate(account)

    def unlink_oidc(self, username: str) -> AccountOut:
        """Remove an account's OpenID Connect identity (admins); it signs in with a password or token only."""
        self._require_admin()
        account = self._get(username)
        before = _public(account)
        account.oidc_issuer = account.oidc_subject = None
        self.session.flush()
        WebSessionService(self.session).end_all(username)
        self._event(username, "update", before, _public(account))
        return AccountOut.model_validate(account)

    def active_account(self, username: str) -> AccountOut | None:
        """The account behind a session, or None if it was removed or deactivated since."""
        account = self.session.get(Account, username)
        if account is None or not account.active:
            return None
        return AccountOut.model_validate(account)

    # ----------------------------------------------------------------- tokens
    def issue_token(
        self, username: str, name: str, scopes: list[str], *, expires_at: dt.datetime | None = None
    ) -> IssuedToken:
        self._require_admin()
        self._get(username)
        bad = sorted(set(scopes) - set(SCOPES))
        if bad or not scopes:
            raise UsageError(f"unknown scope(s) {', '.join(bad) or '(none given)'}; use {', '.join(SCOPES)}")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            id="TOK-" + secrets.token_hex(6),
            name=name.strip() or "token",
            token_hash=_token_hash(secret),
            username=username,
            scopes=sorted(set(scopes)),
            created_at=self.clock(),
            expires_at=expires_at,
        )
        self.session.add(token)
        self.session.flush()
        self._event(
            username,
            "token-issued",
            None,
            {"token": token.id, "name": token.name, "scopes": token.scopes, "expires_at": _stamp(token.expires_at)},
        )
        return IssuedToken(token=TokenOut.model_validate(token), secret=secret)

    def revoke_token(self, token_id: str) -> TokenOut:
        self._require_admin()
        token = self.session.get(ApiToken, token_id)
        if token is None:
            raise NotFoundError(f"no API token {token_id!r}")
        token.revoked_at = token.revoked_at or self.clock()
        self.session.flush()
        self._event(token.username, "token-revoked", None, {"token": token.id})
        return TokenOut.model_validate(token)

    def login(
        self, username: str, password: str, *, client: str, lifetime: dt.timedelta = LOGIN_TOKEN_LIFETIME
    ) -> IssuedToken:
        """Sign in from the command line: check the password and issue the account a token of its own.

        The token carries the scopes the account's roles can use (``read``; ``write`` for
        writing roles; ``scan:push`` for roles that push scans) and expires after ``lifetime``.
        """
        account = self.authenticate(username, password)
        actor = account.actor()
        scopes = ["read"]
        if actor.can_write:
            scopes.append("write")
        if actor.may(Permission.PUSH_SCANS):
            scopes.append("scan:push")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            id="TOK-" + secrets.token_hex(6),
            name=f"aims login on {client}"[:200],
            token_hash=_token_hash(secret),
            username=account.username,
            scopes=sorted(scopes),
            created_at=self.clock(),
            expires_at=self.clock() + lifetime,
        )
        self.session.add(token)
        self.session.flush()
        self.actor = actor
        self._event(
            account.username,
            "token-issued",
            None,
            {
                "token": token.id,
                "name": token.name,
                "scopes": token.scopes,
                "expires_at": _stamp(token.expires_at),
                "login": True,
            },
        )
        return IssuedToken(token=TokenOut.model_validate(token), secret=secret)

    def revoke_own_token(self, token_id: str) -> TokenOut:
        """Revoke a token of the acting account (sign-out); admins may revoke any token."""
        token = self.session.get(ApiToken, token_id)
        if token is None:
            raise NotFoundError(f"no API token {token_id!r}")
        if self.actor is None or (self.actor.name != token.username and Role.ADMIN not in self.actor.roles):
            raise PermissionDeniedError("only the token's own account or an admin can revoke it")
        token.revoked_at = token.revoked_at or self.clock()
        self.session.flush()
        self._event(token.username, "token-revoked", None, {"token": token.id})
        return TokenOut.model_validate(token)

    def token_for_secret(self, secret: str) -> TokenOut | None:
        """The token record behind a presented secret (whether or not it is still valid)."""
        token = self.session.execute(
            select(ApiToken).where(ApiToken.token_hash == _token_hash(secret))
        ).scalar_one_or_none()
        return TokenOut.model_validate(token) if token is not None else None

    def tokens(self, username: str | None = None) -> list[TokenOut]:
        stmt = select(ApiToken).order_by(ApiToken.created_at)
        if username:
            stmt = stmt.where(ApiToken.username == username)
        return [TokenOut.model_validate(t) for t in self.session.execute(stmt).scalars()]

    def _token(self, secret: str) -> tuple[ApiToken, AccountOut]:
        refused = AuthenticationError("invalid, expired or revoked API token")
        if not secret.startswith(TOKEN_PREFIX):
            raise refused
        token = self.session.execute(
            select(ApiToken).where(ApiToken.token_hash == _token_hash(secret))
        ).scalar_one_or_none()
        now = self.clock()
        if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
            raise refused
        account = self.active_account(token.username)
        if account is None:
            raise refused
        return token, account

    def _use_due(self, token: ApiToken) -> bool:
        from openaims.register.services.sessions import TOUCH_EVERY

        return token.last_used_at is None or self.clock() - token.last_used_at > TOUCH_EVERY

    def peek_token(self, secret: str) -> tuple[AccountOut, list[str], bool]:
        """What :meth:`verify_token` answers, without writing, and whether it would record the use."""
        token, account = self._token(secret)
        return account, list(token.scopes), self._use_due(token)

    def verify_token(self, secret: str) -> tuple[AccountOut, list[str]]:
        """The account and scopes of a presented token; AuthenticationError when invalid. The token's
        last use is recorded (to the minute: at most one write a minute per token)."""
        token, account = self._token(secret)
        if self._use_due(token):
            token.last_used_at = self.clock()
            self.session.flush()
        return account, list(token.scopes)
