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

from openaims.register.actors import Actor, Role
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


def db_session(db: Annotated[Database, Depends(database)]) -> Iterator[Session]:
    with db.session() as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def optional_identity(request: Request, session: DbSession) -> Identity | None:
    token = _bearer(request)
    if token is not None:
        account, scopes = AccountService(session).verify_token(token)
        return Identity(account, account.actor(), frozenset(scopes), "token")
    secret = session_secret(request)
    if not secret:
        return None
    username = web_sessions(request, session).resolve(secret)
    if username is None:
        request.session.clear()
        return None
    active = AccountService(session).active_account(username)
    if active is None:
        request.session.clear()
        return None
    return Identity(active, active.actor(), frozenset({"read", "write"}), "session")


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
        raise HTTPException(403, "this API token has no 'read' scope")
    return identity


def page_identity(request: Request, identity: Annotated[Identity | None, Depends(optional_identity)]) -> Identity:
    """Pages: signed-in people only; others go to the sign-in page and come back."""
    if identity is None or identity.via != "session":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, "sign in first", headers={"Location": f"/login?next={quote(target)}"})
    return identity


ApiIdentity = Annotated[Identity, Depends(api_identity)]
PageIdentity = Annotated[Identity, Depends(page_identity)]


def require_write_scope(identity: Identity) -> None:
    if "write" not in identity.scopes:
        raise HTTPException(403, "this API token has no 'write' scope")
