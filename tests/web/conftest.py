"""Fixtures of the web tests: an application on the ``database`` fixture (SQLite and
PostgreSQL) with one account per role, signed-in clients and API tokens."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.services import RiskService, SystemService
from openaims.register.services.accounts import AccountService
from openaims.web.app import create_app
from openaims.web.config import WebSettings

#: Built at test time so that nothing password-shaped is committed as a literal.
PASSWORD = "-".join(["correct", "horse", "battery", "staple"])

#: username -> roles; ``carl`` is the contributor who owns RISK records in ``hub``.
ACCOUNTS: dict[str, list[str]] = {
    "ada": ["admin"],
    "mia": ["aims_manager"],
    "carl": ["contributor"],
    "nora": ["contributor"],
    "aude": ["auditor"],
    "vic": ["viewer"],
}

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def client(app: Any, *, peer: str = "testclient") -> TestClient:
    """A client of ``app`` connecting from ``peer`` (an address, for proxy and rate-limit tests)."""
    return TestClient(app, base_url="http://testserver", follow_redirects=False, client=(peer, 50000))


def sign_in(app: Any, username: str, password: str = PASSWORD) -> tuple[TestClient, str]:
    """A client signed in as ``username`` and the session's CSRF token."""
    c = client(app)
    page = c.get("/login")
    response = c.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text), "next": "/"}
    )
    assert response.status_code == 303, response.text
    return c, csrf_of(c.get("/").text)


@dataclass
class Hub:
    """An application with one account per role and some records."""

    app: Any
    db: Database
    records: dict[str, str] = field(default_factory=dict)
    _clients: dict[str, tuple[TestClient, str]] = field(default_factory=dict)
    _tokens: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)

    def session_client(self, username: str) -> tuple[TestClient, str]:
        if username not in self._clients:
            self._clients[username] = sign_in(self.app, username)
        return self._clients[username]

    def token(self, username: str, scopes: tuple[str, ...] = ("read", "write")) -> str:
        key = (username, scopes)
        if key not in self._tokens:
            with self.db.session() as session:
                issued = AccountService(session, ADMIN).issue_token(username, "tests", list(scopes))
            self._tokens[key] = issued.secret
        return self._tokens[key]

    def api(self, username: str, scopes: tuple[str, ...] = ("read", "write")) -> TestClient:
        c = client(self.app)
        c.headers["Authorization"] = "Bearer " + self.token(username, scopes)
        return c


ADMIN = Actor(name="ada", roles=frozenset({Role.ADMIN}))


def make_accounts(db: Database) -> None:
    with db.session() as session:
        service = AccountService(session, ADMIN)
        for username, roles in ACCOUNTS.items():
            service.create(username, PASSWORD, roles=roles, display_name=username.capitalize())


def seed_records(db: Database) -> dict[str, str]:
    """A system, a risk owned by carl, one owned by nora, and a pending component."""
    with db.session() as session:
        system = SystemService(session, ADMIN).create(
            {"name": "Support chatbot", "owner": "mia", "purpose": "Answer customers", "intended_use": "Web chat"}
        )
        risks = RiskService(session, ADMIN)
        mine = risks.create({"title": "Prompt injection", "owner": "carl", "system_ids": [system.id]})
        other = risks.create({"title": "Model drift", "owner": "nora", "system_ids": [system.id]})
        from openaims.register.services import ComponentService

        component = ComponentService(session, ADMIN).create(
            {"kind": "dependency", "name": "openai", "ecosystem": "pypi", "provider": "openai",
             "fingerprint": "dep:pypi:openai", "repository": "github.com/acme/chat", "system_id": system.id}
        )  # fmt: skip
    return {"system": system.id, "risk_carl": mine.id, "risk_nora": other.id, "component": component.id}


def web_settings(**overrides: Any) -> WebSettings:
    values: dict[str, Any] = {"secret_key": "s" * 40, "login_attempts_per_minute": 1000, **overrides}
    return WebSettings(**values)


@pytest.fixture
def hub(database: Database) -> Hub:
    make_accounts(database)
    records = seed_records(database)
    app = create_app(database, web_settings=web_settings())
    return Hub(app=app, db=database, records=records)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with test-sized costs (the real parameters are the library's defaults)."""
    from argon2 import PasswordHasher

    from openaims.register.services import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
