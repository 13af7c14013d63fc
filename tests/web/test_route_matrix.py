"""Every route x role x method, generated from the application's route table.

Each route the application serves must be classified below (who may use it); a new route
that is not fails :func:`test_every_route_is_classified`, so none escapes the matrix. For
each route, method and role, over an API token (every scope) and over a signed-in browser
(with its CSRF token), the test sends what a prober would: garbage that is not JSON, and
JSON with fields the route does not know. Callers the route is not for get 403 before any
validation (never a 422 that reveals field rules); the others never get 401/403 or a 5xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount, Route
from tests.web.conftest import ADMIN, PASSWORD, Hub, client, sign_in

from openaims.register.services.accounts import AccountService

ROLE_USERS = {
    "admin": "ada",
    "aims_manager": "mia",
    "contributor": "carl",
    "auditor": "aude",
    "viewer": "vic",
    "ci": "cici",
}
EVERYONE = frozenset(ROLE_USERS)
WRITERS = frozenset({"admin", "aims_manager", "contributor"})
ADMINS = frozenset({"admin"})
SCAN_PUSHERS = frozenset({"admin", "aims_manager", "ci"})
PUBLIC = "public"

#: (method, path) -> roles that may use it, or PUBLIC (no sign-in: sign-in itself, health, docs).
ACCESS: dict[tuple[str, str], frozenset[str] | str] = {
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/v1/docs"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/setup"): PUBLIC,
    ("POST", "/setup"): PUBLIC,
    ("GET", "/login/oidc"): PUBLIC,
    ("GET", "/auth/oidc"): PUBLIC,
    ("GET", "/api/v1/me"): EVERYONE,
    ("GET", "/api/v1/types"): EVERYONE,
    ("GET", "/api/v1/dashboard"): EVERYONE,
    ("GET", "/api/v1/records/{record_type}"): EVERYONE,
    ("POST", "/api/v1/records/{record_type}"): WRITERS,
    ("GET", "/api/v1/records/{record_type}/{record_id}"): EVERYONE,
    ("PATCH", "/api/v1/records/{record_type}/{record_id}"): WRITERS,
    ("GET", "/api/v1/records/{record_type}/{record_id}/history"): EVERYONE,
    ("GET", "/api/v1/history"): EVERYONE,
    ("GET", "/api/v1/accounts"): ADMINS,
    ("POST", "/api/v1/accounts"): ADMINS,
    ("POST", "/api/v1/accounts/{username}/unlock"): ADMINS,
    ("GET", "/api/v1/tokens"): ADMINS,
    ("POST", "/api/v1/accounts/{username}/tokens"): ADMINS,
    ("DELETE", "/api/v1/tokens/{token_id}"): ADMINS,
    ("POST", "/api/v1/scans"): SCAN_PUSHERS,
    ("GET", "/"): EVERYONE,
    ("GET", "/readiness"): EVERYONE,
    ("GET", "/readiness/stage1.{suffix}"): EVERYONE,
    ("GET", "/soa"): EVERYONE,
    ("GET", "/soa/export.{suffix}"): EVERYONE,
    ("GET", "/soa/versions"): EVERYONE,
    ("GET", "/soa/versions/{number}"): EVERYONE,
    ("GET", "/soa/versions/{number}/export.{suffix}"): EVERYONE,
    ("GET", "/soa/compare"): EVERYONE,
    ("GET", "/workspace/{item_id}"): EVERYONE,
    ("POST", "/soa/approve"): frozenset({"admin", "aims_manager"}),
    ("POST", "/evidence/upload"): WRITERS,
    ("GET", "/records/{record_type}"): EVERYONE,
    ("GET", "/records/{record_type}/export.csv"): EVERYONE,
    ("GET", "/records/{record_type}/new"): WRITERS,
    ("POST", "/records/{record_type}"): WRITERS,
    ("POST", "/records/{record_type}/bulk"): WRITERS,
    ("GET", "/r/{record_id}"): EVERYONE,
    ("GET", "/r/{record_id}/edit"): WRITERS,
    ("GET", "/r/{record_id}/download"): EVERYONE,
    ("POST", "/r/{record_id}"): WRITERS,
    ("POST", "/r/{record_id}/status"): WRITERS,
    ("POST", "/r/{record_id}/approve"): WRITERS,
    ("POST", "/r/{record_id}/reject"): WRITERS,
    ("POST", "/r/{record_id}/raise-nonconformity"): WRITERS,
    ("POST", "/r/{record_id}/step"): WRITERS,
    ("POST", "/r/{record_id}/move"): WRITERS,
    ("POST", "/r/{record_id}/prepare"): WRITERS,
    ("GET", "/history"): EVERYONE,
    ("GET", "/history/verify"): frozenset({"admin", "auditor"}),
    ("GET", "/org"): EVERYONE,
    ("GET", "/org/sources/{source_id}"): EVERYONE,
    ("GET", "/api/v1/org/sources"): EVERYONE,
    ("GET", "/api/v1/org/policy"): EVERYONE,
    ("POST", "/api/v1/checks"): SCAN_PUSHERS,
    ("GET", "/monitoring/{system_id}"): EVERYONE,
    ("GET", "/api/v1/monitoring"): EVERYONE,
    ("POST", "/api/v1/monitoring/{system_id}/values"): SCAN_PUSHERS,
    ("GET", "/security-review/{system_id}"): EVERYONE,
    ("GET", "/card/{system_id}.{suffix}"): EVERYONE,
    ("GET", "/card.css"): PUBLIC,
    ("GET", "/toolkit"): EVERYONE,
    ("GET", "/toolkit/{name}.{suffix}"): EVERYONE,
    ("POST", "/toolkit/{name}/register"): WRITERS,
    ("POST", "/security-review/{system_id}/start"): WRITERS,
    ("POST", "/security-review/{system_id}/decide"): WRITERS,
    ("POST", "/security-review/{system_id}/raise"): WRITERS,
    ("POST", "/security-review/{system_id}/complete"): WRITERS,
}
SAFE = {"GET", "HEAD", "OPTIONS"}


def routes(app: Any) -> Iterator[tuple[str, Any]]:
    """Every route the application serves (routers included), as (path, route)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            assert context.path == "/static", f"unexpected mount {context.path}"
            continue
        assert isinstance(route, (APIRoute, Route)), route
        yield str(context.path), route


def route_table(app: Any) -> Iterator[tuple[str, str]]:
    """Every (method, path) the application answers, from its route table; each record type's
    own paths (``/api/v1/records/risk/...``) are classified as ``/api/v1/records/{record_type}/...``."""
    from openaims.register.services import registry

    typed = {f"/api/v1/records/{name}" for name in registry()}
    for path, route in routes(app):
        head, _, rest = path.partition("/{record_id}")
        if head in typed:
            path = "/api/v1/records/{record_type}" + (_ + rest if _ else "")
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield method, path


def test_every_route_is_classified(hub: Hub) -> None:
    served = set(route_table(hub.app))
    missing = sorted(served - set(ACCESS))
    assert missing == [], f"classify these routes in ACCESS (who may use them): {missing}"
    assert sorted(set(ACCESS) - served) == [], "ACCESS names routes the application no longer has"


def test_every_unsafe_api_route_declares_its_access(hub: Hub) -> None:
    from openaims.web.deps import Access

    checked = 0
    for path, route in routes(hub.app):
        if isinstance(route, APIRoute) and path.startswith("/api/") and route.methods - SAFE:
            declared = [d.call for d in route.dependant.dependencies if isinstance(d.call, Access)]
            assert declared, f"{sorted(route.methods)} {path} declares no Access requirement"
            checked += 1
    assert checked >= 7


@dataclass
class Fixture:
    hub: Hub
    params: dict[str, str]

    def url(self, path: str) -> str:
        return path.format(**self.params)


@pytest.fixture
def world(hub: Hub) -> Fixture:
    with hub.db.session() as session:
        AccountService(session, ADMIN).create("cici", PASSWORD, roles=["ci"], display_name="CI")
        spare = AccountService(session, ADMIN).issue_token("vic", "spare", ["read"])
    params = {
        "record_type": "risk",
        "record_id": hub.records["risk_carl"],
        "username": "vic",
        "token_id": spare.token.id,
        "suffix": "html",
        "number": "1",
        "item_id": "A.6.2.2",
        "source_id": "1",
        "system_id": hub.records["system"],
        "name": "ai-policy",
    }
    return Fixture(hub, params)


def _clients(world: Fixture, role: str) -> dict[str, tuple[Any, dict[str, str], str]]:
    """The role's API token (every scope) and signed-in browser, with headers and CSRF token."""
    user = ROLE_USERS[role]
    api = world.hub.api(user, ("read", "scan:push", "write"))
    browser, csrf = sign_in(world.hub.app, user)
    return {"token": (api, {}, ""), "session": (browser, {"X-CSRF-Token": csrf}, csrf)}


def _send(c: Any, method: str, url: str, headers: dict[str, str], csrf: str, body: str) -> Any:
    if method in SAFE:
        return c.request(method, url, headers=headers)
    if url.startswith("/api/"):
        if body == "garbage":
            return c.request(method, url, content=b"{not json", headers={**headers, "content-type": "application/json"})
        return c.request(method, url, json={"junk": 1, "version": "x"}, headers=headers)
    return c.request(method, url, data={"csrf_token": csrf, "junk": "1", "status": "closed"}, headers=headers)


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_route_matrix(world: Fixture, role: str) -> None:
    """Who gets what, for every classified route, method and body, over a token and a session."""
    problems: list[str] = []
    for channel, (c, headers, csrf) in _clients(world, role).items():
        for (method, path), allowed in ACCESS.items():
            if allowed == PUBLIC or (method, path) == ("POST", "/logout"):
                continue
            url = world.url(path)
            for body in ("garbage", "junk") if method not in SAFE else ("",):
                status = _send(c, method, url, headers, csrf, body).status_code
                page = not path.startswith("/api/")
                if channel == "token" and page:
                    expected_refusal = 403 if method not in SAFE else 303  # pages take a browser
                    ok = status == expected_refusal
                elif role in allowed:
                    ok = status not in (401, 403) and status < 500
                else:
                    ok = status == 403
                if not ok:
                    problems.append(f"{channel} {method} {path} [{body or 'no body'}]: {status}")
    assert problems == [], f"{role}: " + "; ".join(problems)


def test_anonymous_callers_are_sent_to_sign_in(world: Fixture) -> None:
    c = client(world.hub.app)
    for (method, path), allowed in ACCESS.items():
        status = c.request(method, world.url(path)).status_code
        if allowed == PUBLIC:
            assert status < 500, (method, path, status)
        elif path.startswith("/api/"):
            assert status == 401, (method, path, status)
        else:
            assert status == 303, (method, path, status)


@pytest.mark.parametrize("role", ["auditor", "viewer"])
def test_read_only_tokens_get_403_on_every_write_path(world: Fixture, role: str) -> None:
    """Done when: an auditor's token gets 403 on every write path, POST /api/v1/scans included."""
    api = world.hub.api(ROLE_USERS[role], ("read", "scan:push", "write"))
    before = world.hub.api("ada").get("/api/v1/history", params={"limit": 1}).json()["total"]
    writes = [(m, p) for (m, p), allowed in ACCESS.items() if m not in SAFE and allowed != PUBLIC]
    assert ("POST", "/api/v1/scans") in writes
    for method, path in writes:
        for body in ("garbage", "junk"):
            response = _send(api, method, world.url(path), {}, "", body)
            assert response.status_code == 403, (method, path, body, response.status_code, response.text)
    valid_scan = {"repository": "org/repo", "report": {"schema_version": 1, "findings": []}}
    assert api.post("/api/v1/scans", json=valid_scan).status_code == 403
    assert world.hub.api("ada").get("/api/v1/history", params={"limit": 1}).json()["total"] == before
