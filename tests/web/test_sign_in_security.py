"""Sessions that can be ended and sign-in limits keyed on the real client.

A cookie copied from a browser stops working when its owner signs out, changes password,
loses a role or is deactivated. Rate limits and lockouts see the client's own address:
X-Forwarded-For is read only from the proxies ``AIMS_TRUSTED_PROXIES`` names.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from sqlalchemy import select
from tests.web.conftest import ADMIN, PASSWORD, Hub, client, csrf_of, make_accounts, sign_in, web_settings

from openaims.register.db import Database
from openaims.register.models.accounts import WebSession
from openaims.register.services.accounts import AccountService
from openaims.register.services.signin import ACCOUNT_FAILURES
from openaims.web.app import create_app


def _replay(hub: Hub, cookie: str) -> Any:
    """A different client presenting a copied session cookie."""
    thief = client(hub.app)
    thief.cookies.set("aims_session", cookie)
    return thief


def _risks_titled(hub: Hub, title: str) -> int:
    return int(hub.api("ada").get("/api/v1/records/risk", params={"q": title}).json()["total"])


def test_a_cookie_captured_before_sign_out_stops_working(hub: Hub) -> None:
    c, csrf = sign_in(hub.app, "carl")
    cookie = c.cookies["aims_session"]
    thief = _replay(hub, cookie)
    assert thief.get("/api/v1/me").json()["username"] == "carl"  # the copy works while carl is signed in

    assert c.post("/logout", data={"csrf_token": csrf}).status_code == 303

    thief = _replay(hub, cookie)
    assert thief.get("/").headers["location"] == "/login?next=/"
    assert thief.get("/api/v1/me").status_code == 401
    write = thief.post(
        "/api/v1/records/risk",
        json={"title": "Written after sign-out", "owner": "carl"},
        headers={"X-CSRF-Token": csrf},
    )
    assert write.status_code == 401
    form = _replay(hub, cookie).post("/records/risk", data={"title": "Form after sign-out", "csrf_token": csrf})
    assert form.status_code == 303
    assert form.headers["location"].startswith("/login")
    assert _risks_titled(hub, "after sign-out") == 0


def test_a_password_change_ends_every_session_of_the_account(hub: Hub) -> None:
    first, _ = sign_in(hub.app, "carl")
    second, _ = sign_in(hub.app, "carl")
    other, _ = sign_in(hub.app, "nora")
    with hub.db.session() as session:
        AccountService(session, ADMIN).set_password("carl", "a brand new passphrase")
    assert first.get("/api/v1/me").status_code == 401
    assert second.get("/api/v1/me").status_code == 401
    assert other.get("/api/v1/me").status_code == 200  # nobody else is signed out
    sign_in(hub.app, "carl", "a brand new passphrase")


def test_a_role_change_and_deactivation_end_sessions(hub: Hub) -> None:
    carl, _ = sign_in(hub.app, "carl")
    vic, _ = sign_in(hub.app, "vic")
    with hub.db.session() as session:
        AccountService(session, ADMIN).set_roles("carl", ["viewer"])
        AccountService(session, ADMIN).deactivate("vic")
    assert carl.get("/api/v1/me").status_code == 401
    assert vic.get("/api/v1/me").status_code == 401
    carl, _ = sign_in(hub.app, "carl")
    assert carl.get("/api/v1/me").json()["roles"] == ["viewer"]


def test_signing_in_again_in_a_browser_ends_its_previous_session(hub: Hub) -> None:
    c, csrf = sign_in(hub.app, "carl")
    old = c.cookies["aims_session"]
    again = c.post("/login", data={"username": "nora", "password": PASSWORD, "csrf_token": csrf})
    assert again.status_code == 303
    assert c.get("/api/v1/me").json()["username"] == "nora"
    assert _replay(hub, old).get("/api/v1/me").status_code == 401


def test_the_register_keeps_only_a_hash_of_the_session_secret(hub: Hub) -> None:
    c, _ = sign_in(hub.app, "vic")
    cookie = c.cookies["aims_session"]
    with hub.db.read() as session:
        rows = [(r.username, r.id) for r in session.execute(select(WebSession)).scalars()]
    payload = json.loads(base64.b64decode(cookie.split(".")[0] + "=="))
    assert rows == [("vic", hashlib.sha256(payload["sid"].encode()).hexdigest())]


# ------------------------------------------------------------------ the client's address
def _app(database: Database, **settings: Any) -> Any:
    make_accounts(database)
    return create_app(database, web_settings=web_settings(**settings))


def _login(app: Any, username: str, password: str, *, peer: str = "127.0.0.1", forwarded: str | None = None) -> int:
    c = client(app, peer=peer)
    token = csrf_of(c.get("/login").text)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    data = {"username": username, "password": password, "csrf_token": token}
    return int(c.post("/login", data=data, headers=headers).status_code)


def test_a_spoofed_forwarded_header_does_not_bypass_the_rate_limit(database: Database) -> None:
    app = _app(database, login_attempts_per_minute=3)
    codes = [_login(app, "ada", "wrong guess", forwarded=f"198.51.100.{n}") for n in range(5)]
    assert codes == [401, 401, 401, 429, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(database: Database) -> None:
    app = _app(database, login_attempts_per_minute=3, trusted_proxies=["127.0.0.1"])
    assert [_login(app, "ada", "wrong guess", forwarded="203.0.113.9") for _ in range(4)] == [401, 401, 401, 429]
    assert _login(app, "ada", PASSWORD, forwarded="198.51.100.4") == 303
    # a client cannot claim another address by writing the header itself: the proxy appends the real one
    assert _login(app, "ada", PASSWORD, forwarded="198.51.100.4, 203.0.113.9") == 429


def test_the_forwarded_header_of_an_untrusted_peer_is_ignored(database: Database) -> None:
    app = _app(database, login_attempts_per_minute=3, trusted_proxies=["10.0.0.0/8"])
    codes = [_login(app, "ada", "wrong guess", peer="192.0.2.50", forwarded=f"198.51.100.{n}") for n in range(4)]
    assert codes == [401, 401, 401, 429]


def test_an_attacker_behind_the_proxy_cannot_lock_the_owner_out(database: Database) -> None:
    app = _app(database, trusted_proxies=["127.0.0.1"])
    for _ in range(ACCOUNT_FAILURES + 3):
        assert _login(app, "vic", "wrong guess", forwarded="203.0.113.9") == 401
    assert _login(app, "vic", PASSWORD, forwarded="203.0.113.9") == 401  # locked from the attacker's address
    assert _login(app, "vic", PASSWORD, forwarded="198.51.100.4") == 303  # the owner signs in


def test_admin_unlocks_through_the_api(hub: Hub) -> None:
    c = client(hub.app)
    token = csrf_of(c.get("/login").text)
    for _ in range(ACCOUNT_FAILURES):
        c.post("/login", data={"username": "vic", "password": "wrong guess", "csrf_token": token})
    assert c.post("/login", data={"username": "vic", "password": PASSWORD, "csrf_token": token}).status_code == 401
    assert hub.api("vic").post("/api/v1/accounts/vic/unlock").status_code == 403
    unlocked = hub.api("ada").post("/api/v1/accounts/vic/unlock")
    assert unlocked.json() == {"username": "vic", "cleared": 1}
    assert c.post("/login", data={"username": "vic", "password": PASSWORD, "csrf_token": token}).status_code == 303
