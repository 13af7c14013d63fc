"""``aims user``: sign-in accounts and API tokens for the web application."""

from __future__ import annotations

import enum
import json
import sys
from typing import TYPE_CHECKING, assert_never

import typer
from rich.table import Table

from openaims.cli.console import console
from openaims.errors import UsageError

if TYPE_CHECKING:
    from openaims.register.actors import Actor

user_app = typer.Typer(
    help="Manage sign-in accounts and API tokens. The first account makes the register a team register: "
    "from then on the command line changes it only after 'aims login'.",
    no_args_is_help=True,
)


class ListFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


def _actor() -> Actor:
    """Who manages accounts: the local operator on a register without accounts, else the signed-in account."""
    from openaims.cli.records import actor_for

    return actor_for(None)


def _password(password_stdin: bool) -> str:
    if password_stdin:
        value = sys.stdin.readline().rstrip("\n")
        if not value:
            raise UsageError("no password on standard input")
        return value
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password; pipe it in with --password-stdin")
    value = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(value)


@user_app.command("add")
def add(
    username: str = typer.Argument(..., help="Sign-in name."),
    role: list[str] = typer.Option(
        ["viewer"],
        "--role",
        "-r",
        help="admin, aims_manager, contributor, auditor, viewer or ci (a CI service account: "
        "pushes scans and check results only); repeatable.",
    ),
    name: str | None = typer.Option(None, "--name", help="Display name."),
    person: str | None = typer.Option(None, "--person", help="Person record this account belongs to (USER-n)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Add a sign-in account (the first account is always an admin, and makes this a team register)."""
    from openaims.cli.records import register_session
    from openaims.register.services.accounts import AccountService

    password = _password(password_stdin)
    with register_session(None, write=True) as (session, _settings):
        account = AccountService(session, _actor()).create(
            username, password, roles=role, display_name=name, person_id=person
        )
    console.print(f"Added account {account.username} ({', '.join(account.roles)}).", markup=False)


@user_app.command("list")
def list_accounts(
    output_format: ListFormat = typer.Option(ListFormat.TABLE, "--format", "-f", envvar="AIMS_LIST_FORMAT"),
) -> None:
    """List sign-in accounts."""
    from openaims.cli.records import register_session
    from openaims.register.services.accounts import AccountService

    with register_session(None, write=False) as (session, _settings):
        accounts = AccountService(session).accounts()
    if output_format is ListFormat.JSON:
        typer.echo(json.dumps([a.model_dump(mode="json") for a in accounts], indent=2))
    elif output_format is ListFormat.TABLE:
        from openaims.layout import Column, print_table

        columns = (
            Column("Username", min_width=12),
            Column("Name", min_width=12, drop=2),
            Column("Roles", min_width=12),
            Column("Active"),
            Column("Last sign-in", drop=1),
        )
        rows = [
            (a.username, a.display_name, ", ".join(a.roles), "yes" if a.active else "no",
             a.last_login_at.strftime("%Y-%m-%d %H:%M") if a.last_login_at else "never")
            for a in accounts
        ]  # fmt: skip
        print_table(console, columns, rows, title="Accounts")
    else:
        assert_never(output_format)


@user_app.command("set-password")
def set_password(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Set an account's password (clears a lockout)."""
    from openaims.cli.records import register_session
    from openaims.register.services.accounts import AccountService

    password = _password(password_stdin)
    with register_session(None, write=True) as (session, _settings):
        AccountService(session, _actor()).set_password(username, password)
    console.print(f"Password of {username} changed.", markup=False)


@user_app.command("deactivate")
def deactivate(username: str = typer.Argument(...)) -> None:
    """Deactivate an account and revoke its API tokens."""
    from openaims.cli.records import register_session
    from openaims.register.services.accounts import AccountService

    with register_session(None, write=True) as (session, _settings):
        AccountService(session, _actor()).deactivate(username)
    console.print(f"Account {username} deactivated; its API tokens are revoked.", markup=False)


@user_app.command("unlock")
def unlock(
    username: str | None = typer.Argument(None, help="Account whose sign-in lockouts to clear (from every address)."),
    address: str | None = typer.Option(None, "--address", help="Client address whose lockouts to clear."),
) -> None:
    """Clear sign-in lockouts of an account and/or a client address ('aims user lockouts' lists them)."""
    from openaims.cli.records import register_session
    from openaims.register.services.accounts import AccountService

    with register_session(None, write=True) as (session, _settings):
        cleared = AccountService(session, _actor()).unlock(username, address=address)
    target = " from ".join(part for part in (username, address) if part)
    console.print(f"Cleared {cleared} sign-in lockout record(s) of {target}.", markup=False)


@user_app.command("lockouts")
def lockouts() -> None:
    """List account and address sign-in lockouts in force."""
    from openaims.cli.records import register_session
    from openaims.register.services.accounts import AccountService
    from openaims.register.services.signin import ANY_ACCOUNT

    with register_session(None, write=False) as (session, _settings):
        locked = AccountService(session, _actor()).lockouts()
    if not locked:
        console.print("No sign-in lockouts in force.", markup=False)
        return
    table = Table(title="Sign-in lockouts")
    for column in ("Account", "Address", "Locked until"):
        table.add_column(column)
    for item in locked:
        account = "(any account)" if item.username == ANY_ACCOUNT else item.username
        table.add_row(account, item.address, item.locked_until.strftime("%Y-%m-%d %H:%M:%S UTC"))
    console.print(table)


@user_app.command("token")
def token(
    username: str = typer.Argument(..., help="Account the token acts as."),
    name: str = typer.Option("ci", "--name", help="What the token is for."),
    scope: list[str] = typer.Option(["read"], "--scope", "-s", help="read, write or scan:push (repeatable)."),
) -> None:
    """Issue an API token (printed once; only its hash is stored)."""
    from openaims.cli.records import register_session
    from openaims.register.services.accounts import AccountService

    with register_session(None, write=True) as (session, _settings):
        issued = AccountService(session, _actor()).issue_token(username, name, scope)
    console.print(
        f"Token {issued.token.id} for {username} ({', '.join(issued.token.scopes)}). Copy it now:", markup=False
    )
    typer.echo(issued.secret)


@user_app.command("revoke")
def revoke(token_id: str = typer.Argument(..., help="Token id (TOK-...).")) -> None:
    """Revoke an API token."""
    from openaims.cli.records import register_session
    from openaims.register.services.accounts import AccountService

    with register_session(None, write=True) as (session, _settings):
        AccountService(session, _actor()).revoke_token(token_id)
    console.print(f"Token {token_id} revoked.", markup=False)


@user_app.command("link-oidc")
def link_oidc(
    username: str = typer.Argument(..., help="Account to link."),
    subject: str | None = typer.Option(
        None, "--subject", metavar="TEXT",
        help="The person's subject ('sub') at the identity provider, as the refused sign-in page shows it.",
    ),
    issuer: str | None = typer.Option(
        None, "--issuer", metavar="URL", help="Issuer URL of the identity provider. Default: AIMS_OIDC_ISSUER."
    ),
    unlink: bool = typer.Option(False, "--unlink", help="Remove the account's OpenID Connect identity instead."),
) -> None:
    """Link an account to an OpenID Connect identity.

    The identity is the issuer and subject; sign-ins with it at the provider reach the account.
    """
    from openaims.cli.records import register_session
    from openaims.register.services.accounts import AccountService

    with register_session(None, write=True) as (session, settings):
        service = AccountService(session, _actor())
        if unlink:
            service.unlink_oidc(username)
            message = f"Account {username} no longer signs in with OpenID Connect."
        else:
            if not subject:
                raise UsageError("give the subject with --subject (or --unlink to remove the link)")
            chosen = issuer or settings.oidc_issuer
            if not chosen:
                raise UsageError("give the issuer with --issuer or set AIMS_OIDC_ISSUER")
            account = service.link_oidc(username, subject, issuer=chosen)
            message = f"Account {username} signs in as {account.oidc_subject} of {account.oidc_issuer}."
    console.print(message, markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
