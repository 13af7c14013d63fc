"""``aims init``: create the register (SQLite under .aims/ by default) and migrate it."""

from __future__ import annotations

import typer

from openaims.cli.console import console
from openaims.cli.records import DatabaseOption, settings_for
from openaims.register import initialise
from openaims.register.db import sqlite_path


def init(database_url: str | None = DatabaseOption) -> None:
    """Create the AIMS register and bring its schema up to date (safe to run again)."""
    settings = settings_for(database_url)
    result = initialise(settings)
    try:
        path = sqlite_path(settings.database_url)
        where = str(path) if path is not None else result.db.engine.url.render_as_string(hide_password=True)
    finally:
        result.db.dispose()
    if result.created:
        verb = "Created the register"
    elif result.upgraded:
        verb = f"Upgraded the register from schema {result.before}"
    else:
        verb = "Register is up to date"
    console.print(f"{verb}: {where} (schema {result.after}).", markup=False, soft_wrap=True)
    if result.created:
        console.print(
            "Next: 'aims system add --name ...', or 'aims --help' for every record type.", markup=False
        )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
