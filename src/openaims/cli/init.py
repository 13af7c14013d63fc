"""``aims init``: create the register (SQLite under .aims/ by default) and migrate it."""

from __future__ import annotations

import typer

from openaims.cli.console import console
from openaims.cli.records import DatabaseOption, settings_for
from openaims.register import init_register, migrations
from openaims.register.db import sqlite_path


def init(database_url: str | None = DatabaseOption) -> None:
    """Create the AIMS register and bring its schema up to date (safe to run again)."""
    settings = settings_for(database_url)
    path = sqlite_path(settings.database_url)
    existed = path.exists() if path is not None else None
    db = init_register(settings)
    try:
        revision = migrations.current_revision(db.engine)
        where = str(path) if path is not None else db.engine.url.render_as_string(hide_password=True)
    finally:
        db.dispose()
    verb = "Register is up to date" if existed else "Created the register"
    console.print(f"{verb}: {where} (schema {revision}).", markup=False, soft_wrap=True)
    if not existed:
        console.print(
            "Next: 'aims system add --name ...', or 'aims --help' for every record type.", markup=False
        )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
