"""Sign-in with OpenID Connect, end to end against real providers on loopback.

An account is reached by the ID token's issuer and subject only: names and e-mail
addresses come from the provider, can change and can be chosen by the person, so they
never select an account. A state or nonce this browser did not start is refused.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from tests.web.conftest import ADMIN, client, make_accounts, web_settings

from openaims.register.db import Database
from openaims.register.services.accounts import AccountService
from openaims.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import oidc_provider_mock

#: Built at test time so that nothing secret-shaped is committed as a literal.
CLIENT_SECRET = "-".join(["test", "client", "secret"])


@contextmanager
def provider() -> Iterator[str]:
    """A real OpenID Connect provider (discovery, JWKS, authorize, token) on loopback; yields its issuer."""
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def issuer() -> Iterator[str]:
    with provider() as url:
        yield url


@pytest.fixture
def other_issuer() -> Iterator[str]:
    with provider() as url:
        yield url


def set_claims(issuer: str, subject: str, **claims: str) -> None:
    """What the provider says about ``subject`` from now on (its e-mail, preferred username...)."""
    httpx.put(f"{issuer}/users/{subject}", json=claims).raise_for_status()


def app_for(db: Database, issuer: str, default_role: str = "viewer") -> Any:
    settings = web_settings(
        oidc_issuer=issuer, oidc_client_id="openaims", oidc_client_secret=CLIENT_SECRET, oidc_default_role=default_role
    )
    return create_app(db, web_settings=settings)


def authorize(browser: Any, subject: str) -> str:
    """Start a sign-in in ``browser`` and sign in at the provider as ``subject``; the provider's redirect back."""
    start = browser.get("/login/oidc")
    assert start.status_code == 302, start.text
    answer = httpx.post(start.headers["location"], data={"sub": subject})
    assert answer.status_code == 302, answer.text
    back = answer.headers["location"]
    assert back.startswith("http://testserver/auth/oidc?")
    return back


def sign_in(app: Any, subject: str) -> tuple[Any, httpx.Response]:
    browser = client(app)
    return browser, browser.get(authorize(browser, subject))


def me(browser: Any) -> str | None:
    answer = browser.get("/api/v1/me")
    return str(answer.json()["username"]) if answer.status_code == 200 else None


def accounts(db: Database) -> dict[str, tuple[list[str], str | None, str | None]]:
    with db.session() as session:
        return {a.username: (a.roles, a.oidc_issuer, a.oidc_subject) for a in AccountService(session).accounts()}


def test_first_sign_in_provisions_an_account_with_the_default_role(database: Database, issuer: str) -> None:
    set_claims(issuer, "4f1c-77", preferred_username="alice", email="alice@example.org", name="Alice Liddell")
    browser, answer = sign_in(app_for(database, issuer, "contributor"), "4f1c-77")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert me(browser) == "alice"
    assert accounts(database) == {"alice": (["contributor"], issuer, "4f1c-77")}


def test_a_changed_e_mail_and_username_reach_the_same_account(database: Database, issuer: str) -> None:
    app = app_for(database, issuer)
    set_claims(issuer, "4f1c-77", preferred_username="alice", email="alice@example.org")
    sign_in(app, "4f1c-77")
    set_claims(issuer, "4f1c-77", preferred_username="alice.smith", email="alice.smith@example.com")

    browser, answer = sign_in(app, "4f1c-77")

    assert answer.status_code == 303
    assert me(browser) == "alice"
    assert list(accounts(database)) == ["alice"]


def test_a_provider_name_matching_an_existing_account_gets_an_account_of_its_own(
    database: Database, issuer: str
) -> None:
    make_accounts(database)  # ada is an admin with a password
    set_claims(issuer, "9d2e", preferred_username="ada", email="ada@example.org")

    browser, answer = sign_in(app_for(database, issuer), "9d2e")

    assert answer.status_code == 303
    assert me(browser) == "ada-2"
    assert accounts(database)["ada-2"] == (["viewer"], issuer, "9d2e")
    assert accounts(database)["ada"] == (["admin"], None, None)


def test_the_same_subject_from_another_issuer_is_someone_else(
    database: Database, issuer: str, other_issuer: str
) -> None:
    set_claims(issuer, "4f1c-77", preferred_username="alice")
    sign_in(app_for(database, issuer), "4f1c-77")
    set_claims(other_issuer, "4f1c-77", preferred_username="alice")

    refused, answer = sign_in(app_for(database, other_issuer, "none"), "4f1c-77")
    assert answer.status_code == 403
    assert "no account is linked" in answer.text
    assert me(refused) is None

    browser, answer = sign_in(app_for(database, other_issuer), "4f1c-77")
    assert answer.status_code == 303
    assert me(browser) == "alice-2"
    assert accounts(database)["alice"] == (["viewer"], issuer, "4f1c-77")
    assert accounts(database)["alice-2"] == (["viewer"], other_issuer, "4f1c-77")


def test_without_a_default_role_an_unknown_identity_is_refused_until_an_admin_links_it(
    database: Database, issuer: str
) -> None:
    make_accounts(database)
    app = app_for(database, issuer, "none")
    set_claims(issuer, "c0ffee", preferred_username="carl", email="carl@example.org")

    refused, answer = sign_in(app, "c0ffee")
    assert answer.status_code == 403
    assert "c0ffee" in answer.text
    assert "aims user link-oidc USERNAME --subject c0ffee" in answer.text
    assert me(refused) is None
    assert accounts(database)["carl"] == (["contributor"], None, None)

    with database.session() as session:
        AccountService(session, ADMIN).link_oidc("carl", "c0ffee", issuer=issuer + "/")
    browser, answer = sign_in(app, "c0ffee")
    assert answer.status_code == 303
    assert me(browser) == "carl"


def test_a_deactivated_linked_account_is_refused(database: Database, issuer: str) -> None:
    make_accounts(database)
    app = app_for(database, issuer)
    with database.session() as session:
        AccountService(session, ADMIN).link_oidc("carl", "c0ffee", issuer=issuer)
        AccountService(session, ADMIN).deactivate("carl")

    browser, answer = sign_in(app, "c0ffee")

    assert answer.status_code == 403
    assert "deactivated" in answer.text
    assert me(browser) is None


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_a_state_this_browser_did_not_start_is_refused(database: Database, issuer: str) -> None:
    app = app_for(database, issuer)
    browser = client(app)
    back = authorize(browser, "4f1c-77")

    forged = browser.get(_with_query(back, state="forged-state"))
    assert forged.status_code == 400
    assert "could not be completed" in forged.text

    stranger = client(app)  # the real redirect, replayed in a browser that never started it
    assert stranger.get(back).status_code == 400
    assert me(stranger) is None
    assert me(browser) is None
    assert accounts(database) == {}


def test_an_id_token_with_another_sign_ins_nonce_is_refused(database: Database, issuer: str) -> None:
    app = app_for(database, issuer)
    browser = client(app)
    first = authorize(browser, "4f1c-77")  # its ID token carries the first sign-in's nonce
    second = authorize(browser, "4f1c-77")

    mixed = browser.get(_with_query(first, state=parse_qs(urlsplit(second).query)["state"][0]))

    assert mixed.status_code == 400
    assert "could not be completed" in mixed.text
    assert me(browser) is None
    assert accounts(database) == {}

