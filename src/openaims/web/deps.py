"""Request dependencies: the database session and who is asking.

A request is authenticated by the signed session cookie (people), whose secret must
match a live session in the register, or by an API token in ``Authorization: Bearer``
(CI jobs). What the identity may do is decided by the services from its roles; token
scopes narrow it further.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from openaims.errors import AimsError
from openaims.register.actors import Actor, Permission, Role
from openaims.register.db import Database
from openaims.register.services.accounts import AccountOut, AccountService
from openaims.register.services.sessions import WebSessionService
from openaims.web.config import WebSettings
from openaims.web.security import CSRF_HEADER, client_address, csrf_valid, session_secret

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Identity:
    account: AccountOut
    actor: Actor
    scopes: frozenset[str]
    via: Literal["session", "token"]

    @property
    def can_write(self) -> bool:
        return self.actor.can_write and "write" in self.scopes

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.actor.roles


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> WebSettings:
    value: WebSettings = request.app.state.web_settings
    return value


def web_sessions(request: Request, session: Session) -> WebSessionService:
    """The register's web sessions with this application's idle time and lifetime."""
    idle = dt.timedelta(minutes=settings(request).session_idle_minutes)
    return WebSessionService(session, idle=idle, lifetime=idle * 12)


def address(request: Request) -> str:
    """The client's address (behind trusted proxies only, X-Forwarded-For)."""
    return client_address(request, request.app.state.proxies)


def db_session(request: Request, db: Annotated[Database, Depends(database)]) -> Iterator[Session]:
    """The request's unit of work: GET, HEAD and OPTIONS read in a read-only transaction (the
    database refuses any write in it); other methods write in one transaction."""
    with db.read_only() if request.method in SAFE_METHODS else db.session() as session:
        yield session


def write_session(db: Annotated[Database, Depends(database)]) -> Iterator[Session]:
    """A write transaction whatever the method: for the few GETs a protocol makes write (the
    OpenID Connect redirect back signs someone in)."""
    with db.session() as session:
        yield session


# scope="function": the unit of work ends (commits) before the response is sent. With FastAPI's
# default the commit would run after it, so a browser following a redirect could read the
# register before the write it was sent on from (a sign-in, a new record) is stored, and a
# failing commit would go unreported after a success page.
DbSession = Annotated[Session, Depends(db_session, scope="function")]
WriteSession = Annotated[Session, Depends(write_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _identify(request: Request, session: Session, *, write: bool) -> Identity | None:
    token = _bearer(request)
    if token is not None:
        accounts = AccountService(session)
        account, scopes = accounts.verify_token(token) if write else accounts.peek_token(token)[:2]
        return Identity(account, account.actor(), frozenset(scopes), "token")
    secret = session_secret(request)
    if not secret:
        return None
    sessions = web_sessions(request, session)
    username = sessions.resolve(secret) if write else sessions.peek(secret)[0]
    if username is None:
        request.session.clear()
        return None
    active = AccountService(session).active_account(username)
    if active is None:
        request.session.clear()
        return None
    return Identity(active, active.actor(), frozenset({"read", "write"}), "session")


def _bookkeeping_due(request: Request, session: Session) -> bool:
    """Whether identifying the caller writes: a token's last use or a session's last request is
    due to be recorded, or a dead session's row to be removed."""
    token = _bearer(request)
    if token is not None:
        try:
            return AccountService(session).peek_token(token)[2]
        except AimsError:
            return False
    secret = session_secret(request)
    return bool(secret) and web_sessions(request, session).peek(secret)[1]


def optional_identity(request: Request, session: DbSession) -> Identity | None:
    """Who is asking. On a read-only request the bookkeeping this writes (at most once a minute per
    session or token) goes to its own short write transaction."""
    if not Database.is_read_only(session):
        return _identify(request, session, write=True)
    if _bookkeeping_due(request, session):
        with database(request).session() as writer:
            _identify(request, writer, write=True)
    return _identify(request, session, write=False)


def api_identity(request: Request, identity: Annotated[Identity | None, Depends(optional_identity)]) -> Identity:
    """API access: a token or a session; unsafe methods over a session need the CSRF header."""
    if identity is None:
        raise HTTPException(401, "sign in or send an API token (Authorization: Bearer ...)")
    if (
        identity.via == "session"
        and request.method not in SAFE_METHODS
        and not csrf_valid(request, request.headers.get(CSRF_HEADER))
    ):
        raise HTTPException(403, "missing or wrong CSRF token (send the X-CSRF-Token header)")
    if "read" not in identity.scopes and request.method in SAFE_METHODS:
        # A read the route grants to other scopes too (CI tokens reading the organisation policy).
        declared = route_access(request)
        if not (declared and all(identity.scopes & access.scopes for access in declared)):
            raise HTTPException(403, "this API token has no 'read' scope")
    return identity


def page_identity(request: Request, identity: Annotated[Identity | None, Depends(optional_identity)]) -> Identity:
    """Pages: signed-in people only; others go to the sign-in page and come back (an API token
    sending a form is refused: pages take a signed-in browser)."""
    if identity is not None and identity.via == "token" and request.method not in SAFE_METHODS:
        raise HTTPException(403, "pages take a signed-in browser, not an API token; use /api/v1")
    if identity is None or identity.via != "session":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, "sign in first", headers={"Location": f"/login?next={quote(target)}"})
    return identity


ApiIdentity = Annotated[Identity, Depends(api_identity)]
PageIdentity = Annotated[Identity, Depends(page_identity)]


@dataclass(frozen=True)
class Access:
    """What a route needs, checked before its input is read or validated: a permission of the
    caller's roles (:data:`openaims.register.actors.ROLE_PERMISSIONS`) and, for an API token,
    one of ``scopes``. Record-level rules (ownership, approvals) stay in the services.

    Used as a route dependency (``dependencies=[Depends(Access(...))]``); the validation-error
    handler runs the same check, so a caller who may not use a route never learns its field
    rules from a 422.
    """

    permission: Permission
    scopes: frozenset[str]
    doing: str

    def check(self, identity: Identity) -> None:
        if not identity.actor.may(self.permission):
            raise HTTPException(403, f"{identity.actor.describe()} may not {self.doing}")
        if not identity.scopes & self.scopes:
            wanted = " or ".join(f"'{s}'" for s in sorted(self.scopes))
            raise HTTPException(403, f"this API token needs the {wanted} scope to {self.doing}")

    def __call__(self, identity: ApiIdentity) -> Identity:
        self.check(identity)
        return identity


READ_ACCOUNTS = Access(Permission.MANAGE_ACCOUNTS, frozenset({"read"}), "see accounts and tokens")
MANAGE_ACCOUNTS = Access(Permission.MANAGE_ACCOUNTS, frozenset({"write"}), "manage accounts and tokens")
WRITE_RECORDS = Access(Permission.WRITE, frozenset({"write"}), "change records")
PUSH_SCANS = Access(Permission.PUSH_SCANS, frozenset({"write", "scan:push"}), "record scans")


def route_access(request: Request) -> list[Access]:
    """The access requirements declared on the route that matched ``request``."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    found: list[Access] = []
    stack = list(getattr(dependant, "dependencies", []))
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Access):
            found.append(dep.call)
        stack.extend(dep.dependencies)
    return found


def authorise_before_validation(request: Request) -> None:
    """Run an API route's identity and access checks for a request whose input failed validation
    before they ran (a body that is not JSON is refused before any dependency)."""
    if not request.url.path.startswith("/api/") or route_is_public(request):
        return
    with database(request).read_only() as session:
        identity = api_identity(request, optional_identity(request, session))
        for access in route_access(request):
            access.check(identity)


def route_is_public(request: Request) -> bool:
    """Routes anyone may call (health); everything else under /api needs an identity."""
    return request.url.path == "/api/v1/health"


def page_writer(identity: PageIdentity) -> Identity:
    """Forms that change the register: roles that write only (checked before the form is read)."""
    if not identity.actor.can_write:
        raise HTTPException(403, "Your role can read the register but not change it.")
    return identity


PageWriter = Annotated[Identity, Depends(page_writer)]
