"""Accounts and API tokens: first-run admin, admin-only management, lockout, tokens."""

from __future__ import annotations

import datetime as dt

import pytest

from openaims.errors import ConflictError, PermissionDeniedError, UsageError
from openaims.register import history
from openaims.register.db import Database
from openaims.register.services.accounts import AccountService, AuthenticationError
from openaims.register.services.signin import ACCOUNT_FAILURES, FIRST_LOCKOUT

PASSWORD = "correct horse battery"


def _admin(db: Database) -> None:
    with db.session() as s:
        AccountService(s).create("root", PASSWORD, roles=["viewer"], display_name="Root")


def test_first_account_is_an_admin_and_later_ones_need_one(database: Database) -> None:
    _admin(database)
    with database.session() as s:
        root = AccountService(s).get("root")
        assert "admin" in root.roles
        with pytest.raises(PermissionDeniedError):
            AccountService(s).create("mallory", PASSWORD, roles=["admin"])
        created = AccountService(s, root.actor()).create("ana", PASSWORD, roles=["auditor"])
        assert created.roles == ["auditor"]


def test_history_records_account_changes_without_hashes(database: Database) -> None:
    _admin(database)
    with database.session() as s:
        events = history.events_for(s, "ACCOUNT:root")
        assert [e.action for e in events] == ["create"]
        assert "argon2" not in repr(events)
        assert PASSWORD not in repr(events)


def test_wrong_password_locks_after_repeated_failures(database: Database) -> None:
    _admin(database)
    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    with database.session() as s:
        service = AccountService(s, clock=lambda: now)
        for _ in range(ACCOUNT_FAILURES):
            with pytest.raises(AuthenticationError):
                service.authenticate("root", "not the password")
        with pytest.raises(AuthenticationError):
            service.authenticate("root", PASSWORD)  # locked, even with the right password
    later = now + FIRST_LOCKOUT * 2 + dt.timedelta(seconds=1)  # the attempt while locked doubled it
    with database.session() as s:
        assert AccountService(s, clock=lambda: later).authenticate("root", PASSWORD).username == "root"


def test_unknown_user_gets_the_same_refusal(database: Database) -> None:
    _admin(database)
    with database.session() as s:
        with pytest.raises(AuthenticationError) as unknown:
            AccountService(s).authenticate("nobody", PASSWORD)
        with pytest.raises(AuthenticationError) as wrong:
            AccountService(s).authenticate("root", "wrong wrong wrong")
        assert str(unknown.value) == str(wrong.value)


@pytest.mark.parametrize(
    ("username", "password", "roles"),
    [("x", PASSWORD, ["viewer"]), ("ok-name", "short", ["viewer"]), ("ok-name", PASSWORD, ["pope"])],
)
def test_invalid_accounts_are_refused(database: Database, username: str, password: str, roles: list[str]) -> None:
    _admin(database)
    with database.session() as s:
        root = AccountService(s).get("root").actor()
        with pytest.raises(UsageError):
            AccountService(s, root).create(username, password, roles=roles)


def test_last_admin_cannot_be_removed(database: Database) -> None:
    _admin(database)
    with database.session() as s:
        root = AccountService(s).get("root").actor()
        with pytest.raises(ConflictError):
            AccountService(s, root).deactivate("root")
        with pytest.raises(ConflictError):
            AccountService(s, root).set_roles("root", ["viewer"])


def test_tokens_are_hashed_scoped_and_revocable(database: Database) -> None:
    _admin(database)
    with database.session() as s:
        root = AccountService(s).get("root").actor()
        issued = AccountService(s, root).issue_token("root", "ci", ["scan:push"])
        secret = issued.secret
        assert secret.startswith("aims_")
        assert secret not in repr(AccountService(s).tokens())
    with database.session() as s:
        account, scopes = AccountService(s).verify_token(secret)
        assert (account.username, scopes) == ("root", ["scan:push"])
        root = AccountService(s).get("root").actor()
        AccountService(s, root).revoke_token(issued.token.id)
    with database.session() as s, pytest.raises(AuthenticationError):
        AccountService(s).verify_token(secret)
