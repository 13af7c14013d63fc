"""Sign-in that resists abuse: lockout per account and address with back-off and an admin
unlock, the same argon2 work for every refusal, and the password rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from openaims.errors import PermissionDeniedError, UsageError
from openaims.register import passwords
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.models.base import utcnow
from openaims.register.services import accounts as accounts_module
from openaims.register.services.accounts import AccountService, AuthenticationError
from openaims.register.services.signin import (
    ACCOUNT_FAILURES,
    ADDRESS_FAILURES,
    ANY_ACCOUNT,
    FIRST_LOCKOUT,
    LONGEST_LOCKOUT,
    WINDOW,
)

PASSWORD = " ".join(["violet", "harbour", "sundial", "quarry"])
ADMIN = Actor("root", frozenset({Role.ADMIN}))


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with test-sized costs (the real parameters are the library's defaults)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts_module, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(database: Database) -> Database:
    with database.session() as s:
        AccountService(s).create("root", PASSWORD, roles=["admin"])
        AccountService(s, ADMIN).create("vic", PASSWORD, roles=["viewer"])
    return database


def attempt(db: Database, clock: Clock, username: str, password: str, address: str) -> bool:
    """One sign-in in its own transaction, as the web application makes it."""
    try:
        with db.session() as s:
            AccountService(s, clock=clock).authenticate(username, password, address=address)
    except AuthenticationError:
        return False
    return True


def fail(db: Database, clock: Clock, username: str, address: str, times: int) -> None:
    for _ in range(times):
        assert not attempt(db, clock, username, "not the password", address)


# ------------------------------------------------------------------ lockout
def test_lockout_is_per_account_and_address(db: Database, clock: Clock) -> None:
    fail(db, clock, "vic", "203.0.113.9", ACCOUNT_FAILURES)
    assert not attempt(db, clock, "vic", PASSWORD, "203.0.113.9")  # locked from the attacker's address
    assert attempt(db, clock, "vic", PASSWORD, "198.51.100.4")  # the owner elsewhere is not


def test_an_attacker_cannot_keep_the_owner_out(db: Database, clock: Clock) -> None:
    for _ in range(10):  # the attacker keeps trying, a minute apart, for ten minutes
        fail(db, clock, "vic", "203.0.113.9", ACCOUNT_FAILURES)
        assert attempt(db, clock, "vic", PASSWORD, "198.51.100.4")
        clock.advance(dt.timedelta(minutes=1))


def test_back_off_doubles_up_to_an_hour(db: Database, clock: Clock) -> None:
    durations = []
    for _ in range(8):
        fail(db, clock, "vic", "203.0.113.9", ACCOUNT_FAILURES)
        with db.read() as s:
            (lock,) = [x for x in AccountService(s, ADMIN, clock=clock).lockouts() if x.username == "vic"]
        durations.append(lock.locked_until - clock.now)
        clock.advance(lock.locked_until - clock.now + dt.timedelta(seconds=1))
    assert durations == [min(FIRST_LOCKOUT * 2**n, LONGEST_LOCKOUT) for n in range(8)]
    clock.advance(dt.timedelta(days=1, minutes=1))  # a quiet day: back to the first lockout
    fail(db, clock, "vic", "203.0.113.9", ACCOUNT_FAILURES)
    with db.read() as s:
        (lock,) = [x for x in AccountService(s, ADMIN, clock=clock).lockouts() if x.username == "vic"]
    assert lock.locked_until - clock.now == FIRST_LOCKOUT


def test_failures_outside_the_window_are_forgotten(db: Database, clock: Clock) -> None:
    fail(db, clock, "vic", "203.0.113.9", ACCOUNT_FAILURES - 1)
    clock.advance(WINDOW + dt.timedelta(seconds=1))
    fail(db, clock, "vic", "203.0.113.9", ACCOUNT_FAILURES - 1)
    assert attempt(db, clock, "vic", PASSWORD, "203.0.113.9")


def test_a_success_clears_the_pair(db: Database, clock: Clock) -> None:
    fail(db, clock, "vic", "203.0.113.9", ACCOUNT_FAILURES - 1)
    assert attempt(db, clock, "vic", PASSWORD, "203.0.113.9")
    fail(db, clock, "vic", "203.0.113.9", ACCOUNT_FAILURES - 1)
    assert attempt(db, clock, "vic", PASSWORD, "203.0.113.9")


def test_password_spraying_locks_the_address(db: Database, clock: Clock) -> None:
    for n in range(ADDRESS_FAILURES):
        fail(db, clock, f"user{n}", "203.0.113.9", 1)  # one try per name: no pair reaches its limit
    assert not attempt(db, clock, "vic", PASSWORD, "203.0.113.9")
    assert attempt(db, clock, "vic", PASSWORD, "198.51.100.4")
    with db.read() as s:
        locks = AccountService(s, ADMIN, clock=clock).lockouts()
    assert [(x.username, x.address) for x in locks] == [(ANY_ACCOUNT, "203.0.113.9")]


def test_unknown_usernames_lock_like_known_ones(db: Database, clock: Clock) -> None:
    fail(db, clock, "nobody", "203.0.113.9", ACCOUNT_FAILURES)
    with db.read() as s:
        locks = AccountService(s, ADMIN, clock=clock).lockouts()
    assert [(x.username, x.address) for x in locks] == [("nobody", "203.0.113.9")]


def test_admin_unlocks_an_account_or_an_address(db: Database, clock: Clock) -> None:
    fail(db, clock, "vic", "203.0.113.9", ACCOUNT_FAILURES)
    with db.session() as s:
        with pytest.raises(PermissionDeniedError):
            AccountService(s, Actor("vic", frozenset({Role.VIEWER})), clock=clock).unlock("vic")
        with pytest.raises(UsageError):
            AccountService(s, ADMIN, clock=clock).unlock()
        assert AccountService(s, ADMIN, clock=clock).unlock("vic") == 1
    assert attempt(db, clock, "vic", PASSWORD, "203.0.113.9")
    for n in range(ADDRESS_FAILURES):
        fail(db, clock, f"user{n}", "203.0.113.9", 1)
    with db.session() as s:
        assert AccountService(s, ADMIN, clock=clock).unlock(address="203.0.113.9") == ADDRESS_FAILURES + 1
    assert attempt(db, clock, "vic", PASSWORD, "203.0.113.9")


def test_aims_user_unlock_and_lockouts(
    db_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from openaims.cli.main import app

    db = Database(db_url)
    with db.session() as s:
        AccountService(s).create("root", PASSWORD, roles=["admin"])
        token = AccountService(s, ADMIN).issue_token("root", "admin laptop", ["read", "write"]).secret
    fail(db, Clock(), "root", "203.0.113.9", ACCOUNT_FAILURES)
    db.dispose()
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_TOKEN", token)  # signed in as the admin (a team register)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    listed = runner.invoke(app, ["user", "lockouts"], env={"COLUMNS": "120"})
    assert listed.exit_code == 0, listed.output
    assert "root" in listed.output
    assert "203.0.113.9" in listed.output
    done = runner.invoke(app, ["user", "unlock", "root"])
    assert done.exit_code == 0, done.output
    assert "Cleared 1 sign-in lockout record(s) of root." in done.output
    assert "No sign-in lockouts in force." in runner.invoke(app, ["user", "lockouts"]).output


# ------------------------------------------------------------------ the same work for every refusal
@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = accounts_module._password_hasher()

    class Counting:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def verify(self, stored: str, password: str) -> bool:
            calls.append("verify")
            return bool(real.verify(stored, password))

        def hash(self, password: str) -> str:
            calls.append("hash")
            return str(real.hash(password))

    monkeypatch.setattr(accounts_module, "_hasher", Counting())
    accounts_module._verify(None, "warm the dummy hash up")
    calls.clear()
    return calls


def _deactivated(db: Database) -> None:
    with db.session() as s:
        AccountService(s, ADMIN).create("gone", PASSWORD, roles=["viewer"])
        AccountService(s, ADMIN).deactivate("gone")


def _oidc_only(db: Database) -> None:
    with db.session() as s:
        AccountService(s, ADMIN).create("sso", None, roles=["viewer"])


def _locked(db: Database) -> None:
    fail(db, Clock(), "vic", "203.0.113.9", ACCOUNT_FAILURES)


CASES: dict[str, tuple[Callable[[Database], None] | None, str, str]] = {
    "wrong password": (None, "vic", "not the password"),
    "unknown account": (None, "nobody", PASSWORD),
    "not a username at all": (None, "<script>", PASSWORD),
    "locked account, right password": (_locked, "vic", PASSWORD),
    "deactivated account": (_deactivated, "gone", PASSWORD),
    "account without a password": (_oidc_only, "sso", PASSWORD),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_refusal_does_one_argon2_verification(db: Database, argon2_calls: list[str], case: str) -> None:
    prepare, username, password = CASES[case]
    if prepare is not None:
        prepare(db)
    argon2_calls.clear()
    with db.session() as s, pytest.raises(AuthenticationError) as refused:
        AccountService(s).authenticate(username, password, address="203.0.113.9")
    assert argon2_calls == ["verify"]
    assert refused.value.message == "wrong username or password, or the account is locked or inactive"


def test_a_success_does_the_same_argon2_work(db: Database, argon2_calls: list[str]) -> None:
    with db.session() as s:
        AccountService(s).authenticate("vic", PASSWORD, address="198.51.100.4")
    assert argon2_calls == ["verify"]


# ------------------------------------------------------------------ the password rule
@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("", "blank"),
        (" " * 10, "blank"),
        ("\t \n" * 5, "blank"),
        ("short one", "at least 10"),
        ("a  b  c  d", "at least 10"),  # spaces between words count once
        ("x" * 12, "repeats one character"),
        ("victor-uses-this", None),
        ("1234567890", "commonly breached"),
        ("Password123", "commonly breached"),
        ("iloveyou12", "commonly breached"),
        ("qwerty uiop", "commonly breached"),  # with its space removed
        ("QWERTYUIOP", "commonly breached"),
        ("vic-the-viewer", None),
    ],
)
def test_password_rule(password: str, why: str | None) -> None:
    if why is None:
        passwords.check(password, username="vic")
        return
    with pytest.raises(passwords.PasswordRefused, match=why):
        passwords.check(password, username="vic")


@pytest.mark.parametrize(
    "passphrase",
    [PASSWORD, "correct horse battery staple", "Ünïcödé passphrase wörks too", "ein langer Satz mit Leerzeichen"],
)
def test_passphrases_are_welcome(passphrase: str) -> None:
    passwords.check(passphrase, username="vic")


def test_the_username_is_not_a_password() -> None:
    with pytest.raises(passwords.PasswordRefused, match="username"):
        passwords.check("Maria.Lopez.2026", username="maria.lopez.2026")


def test_the_bundled_list_is_the_documented_one() -> None:
    listed = passwords.breached_passwords()
    assert len(listed) == 40_101
    assert {"password", "123456", "trustno1", "1qaz2wsx3edc"} <= listed
    assert all(entry == entry.lower() for entry in listed)


def test_every_way_of_setting_a_password_applies_the_rule(db: Database) -> None:
    with db.session() as s:
        service = AccountService(s, ADMIN)
        with pytest.raises(UsageError, match="blank"):
            service.create("ten-spaces", " " * 10, roles=["viewer"])
        with pytest.raises(UsageError, match="commonly breached"):
            service.set_password("vic", "password1234")
