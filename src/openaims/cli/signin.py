"""``aims login``, ``aims logout`` and ``aims whoami``: who the command line acts as.

A register with accounts (team mode) accepts changes from the command line only from a
signed-in account: ``aims login`` checks the password and stores a token for that
register in the user's configuration folder (``AIMS_TOKEN`` works instead, e.g. in CI).
A register without accounts (personal mode) needs no sign-in.
"""

from __future__ import annotations

import enum
import json
import platform
import sys
from typing import assert_never

import typer

from openaims.cli.console import console
from openaims.cli.records import DatabaseOption, settings_for
from openaims.errors import UsageError


class WhoamiFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


def _password(password_stdin: bool) -> str:
    if password_stdin:
        value = sys.stdin.readline().rstrip("\n")
        if not value:
            raise UsageError("no password on standard input")
        return value
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password; pipe it in with --password-stdin")
    return str(typer.prompt("Password", hide_input=True))


def login(
    username: str | None = typer.Argument(None, help="Account to sign in as (asked when omitted)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    database_url: str | None = DatabaseOption,
) -> None:
    """Sign in to a register with accounts; the token is kept in your configuration folder, not the repository."""
    from openaims.cli.logins import store_login
    from openaims.register import open_register
    from openaims.register.services.accounts import AccountService, AuthenticationError

    settings = settings_for(database_url)
    if not username:
        if not sys.stdin.isatty():
            raise UsageError("give the account name: aims login USERNAME")
        username = str(typer.prompt("Username")).strip()
    password = _password(password_stdin)
    db = open_register(settings)
    refused: AuthenticationError | None = None
    try:
        with db.session() as session:
            service = AccountService(session)
            if service.count() == 0:
                raise UsageError(
                    "this register has no accounts (personal mode): commands act as you without signing in; "
                    "add accounts with 'aims user add' to require sign-in"
                )
            try:
                issued = service.login(username.strip(), password, client=platform.node() or "this computer")
                account = service.get(issued.token.username)
            except AuthenticationError as exc:
                refused = exc  # the failed attempt is still counted (lockout): commit, then refuse
    finally:
        db.dispose()
    if refused is not None:
        raise refused
    path = store_login(
        settings,
        username=account.username,
        token=issued.secret,
        token_id=issued.token.id,
        expires_at=issued.token.expires_at,
    )
    until = f"{issued.token.expires_at:%Y-%m-%d}" if issued.token.expires_at else "revoked"
    console.print(
        f"Signed in as {account.username} ({account.display_name}; {account.actor().role_label}) "
        f"until {until}. The sign-in is kept in {path}.",
        markup=False,
        soft_wrap=True,
    )


def logout(database_url: str | None = DatabaseOption) -> None:
    """Sign out of a register: revoke the token 'aims login' stored and forget it."""
    from openaims.cli.logins import forget_login, stored_login
    from openaims.register import open_register
    from openaims.register.services.accounts import AccountService, AuthenticationError

    settings = settings_for(database_url)
    stored = stored_login(settings)
    if stored is None:
        console.print("Not signed in to this register; nothing to do.", markup=False)
        return
    db = open_register(settings)
    try:
        with db.session() as session:
            service = AccountService(session)
            try:
                account, _scopes = service.verify_token(stored.token)
            except AuthenticationError:
                account = None  # already expired or revoked
            if account is not None:
                AccountService(session, account.actor()).revoke_own_token(stored.token_id)
    finally:
        db.dispose()
    forget_login(settings)
    console.print(f"Signed out {stored.username}; the token {stored.token_id} is revoked.", markup=False)


def whoami(
    output_format: WhoamiFormat = typer.Option(WhoamiFormat.TEXT, "--format", "-f", help="text or json."),
    database_url: str | None = DatabaseOption,
) -> None:
    """Say whether the register has accounts (team mode) or not (personal mode), and who you act as."""
    from openaims.cli.records import current_identity, register_session
    from openaims.register.identity import Mode

    with register_session(database_url, write=False) as (_session, settings):
        identity = current_identity()
        where = _where(settings.database_url)
    account = identity.account
    data = {
        "register": where,
        "mode": identity.mode.value,
        "accounts": identity.accounts,
        "actor": identity.actor.name if identity.mode is Mode.PERSONAL or account else None,
        "display_name": account.display_name if account else None,
        "roles": sorted(r.value for r in identity.actor.roles) if identity.mode is Mode.PERSONAL or account else [],
        "via": identity.via,
        "token": identity.token.id if identity.token else None,
        "expires_at": identity.token.expires_at.isoformat() if identity.token and identity.token.expires_at else None,
        "can_write": identity.mode is Mode.PERSONAL or bool(account and {"write", "scan:push"} & identity.scopes),
    }
    if output_format is WhoamiFormat.JSON:
        typer.echo(json.dumps(data, indent=2))
        return
    if output_format is not WhoamiFormat.TEXT:
        assert_never(output_format)
    if identity.mode is Mode.PERSONAL:
        source = "AIMS_ACTOR" if identity.via == "AIMS_ACTOR" else "the operating-system user"
        lines = [
            f"Register: {where}",
            "Mode: personal (the register has no accounts; no sign-in needed)",
            f"Acting as: {identity.actor.name} ({source}), with admin rights",
            "Add an account with 'aims user add' to make it a team register that requires sign-in.",
        ]
        if identity.accounts:  # accounts rebuilt by a restore, none able to sign in yet
            lines[1:] = [
                f"Mode: personal until an account can sign in ({identity.accounts} account(s), none with a "
                "password yet)",
                f"Acting as: {identity.actor.name} ({source}), with admin rights",
                "Set an admin's password with 'aims user set-password NAME' to make it a team register again.",
            ]
    elif account is None:
        lines = [
            f"Register: {where}",
            f"Mode: team ({identity.accounts} account(s); changes need a signed-in account)",
            "Not signed in: you can read the register. Sign in with 'aims login' (or set AIMS_TOKEN) to change it.",
        ]
    else:
        expires = identity.token.expires_at if identity.token else None
        until = f", expires {expires:%Y-%m-%d}" if expires else ""
        lines = [
            f"Register: {where}",
            f"Mode: team ({identity.accounts} account(s); changes need a signed-in account)",
            f"Signed in as: {account.username} ({account.display_name}), role {identity.actor.role_label}",
            f"Via: {identity.via} (token {identity.token.id if identity.token else '?'}{until})",
        ]
    for line in lines:
        console.print(line, markup=False, soft_wrap=True)


def _where(database_url: str) -> str:
    from openaims.register.db import parse_url, sqlite_path

    path = sqlite_path(database_url)
    return str(path) if path is not None else parse_url(database_url).render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)
