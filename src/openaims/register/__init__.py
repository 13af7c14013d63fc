"""The AIMS register: records, services holding every business rule, and the history chain.

Open a register with :func:`open_register`; it migrates the schema to the newest
revision. Use the services in :mod:`openaims.register.services` to read and change
records; never write rows directly, or the history chain will not describe them.
"""

from __future__ import annotations

from openaims.errors import UsageError
from openaims.register import migrations
from openaims.register.db import Database, sqlite_path
from openaims.settings import Settings, load_settings


def init_register(settings: Settings | None = None) -> Database:
    """Create the register if needed and migrate it to the newest schema (idempotent)."""
    settings = settings or load_settings()
    path = sqlite_path(settings.database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url, echo=settings.sql_echo)
    migrations.upgrade(db.engine)
    return db


def open_register(settings: Settings | None = None, *, migrate: bool = True) -> Database:
    """Open an existing register; older schemas are migrated to the newest revision."""
    settings = settings or load_settings()
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        raise UsageError(f"no register at {path}; run 'aims init' first (or set AIMS_DATABASE_URL)")
    db = Database(settings.database_url, echo=settings.sql_echo)
    if migrate and migrations.current_revision(db.engine) != migrations.head_revision():
        migrations.upgrade(db.engine)
    return db


def registry_names() -> list[str]:
    """Command-line names of every record type (``risk``, ``corrective-action``...)."""
    from openaims.register.services import registry

    return [cls.cli_name() for cls in registry().values()]


__all__ = ["Database", "init_register", "open_register", "registry_names"]
