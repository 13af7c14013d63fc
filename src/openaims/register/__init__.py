"""The AIMS register: records, services holding every business rule, and the history chain.

Open a register with :func:`open_register`; it migrates the schema to the newest
revision. Use the services in :mod:`openaims.register.services` to read and change
records; never write rows directly, or the history chain will not describe them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import DatabaseError

from openaims.errors import UsageError
from openaims.register import migrations
from openaims.register.db import Database, sqlite_path
from openaims.settings import Settings, load_settings


class RegisterDamagedError(UsageError):
    """The register's database file is damaged (a usage error elsewhere; damage found for verify)."""


@contextmanager
def _reachable(db: Database) -> Iterator[None]:
    """Connection failures and corrupt files become one clear line instead of a driver traceback."""
    try:
        yield
    except DatabaseError as exc:  # unreachable server, or a file that is not (or no longer) a database
        where = db.engine.url.render_as_string(hide_password=True)
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        db.dispose()
        if "malformed" in first:
            raise RegisterDamagedError(f"the register at {where} is damaged: {first}") from None
        raise UsageError(f"cannot open the register at {where}: {first}") from None


@dataclass(frozen=True)
class InitResult:
    """What :func:`init_register` found and left: schema revisions before and after."""

    db: Database
    before: str | None
    after: str | None

    @property
    def created(self) -> bool:
        return self.before is None

    @property
    def upgraded(self) -> bool:
        return self.before is not None and self.before != self.after


def _seed(db: Database, before: str | None, *, fresh_too: bool) -> None:
    """Give the register the Annex A SoA rows it lacks: when it was created or upgraded past the
    revision that brought them, and (``fresh_too``, for ``aims init``) when it holds nothing yet."""
    from openaims.register.annex_a import SEED_REVISION, seed_annex_a

    due = not migrations.includes(before, SEED_REVISION)
    with db.session() as session:
        if not due and fresh_too:
            from openaims.register.exchange.restore import register_is_empty

            due = register_is_empty(session)[0]
        if due:
            seed_annex_a(session)


def initialise(settings: Settings | None = None) -> InitResult:
    """Create the register if needed and migrate it to the newest schema (idempotent)."""
    settings = settings or load_settings()
    path = sqlite_path(settings.database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url, echo=settings.sql_echo)
    with _reachable(db):
        before = migrations.current_revision(db.engine)
        migrations.upgrade(db.engine)
        after = migrations.current_revision(db.engine)
        _seed(db, before, fresh_too=True)
    return InitResult(db=db, before=before, after=after)


def init_register(settings: Settings | None = None) -> Database:
    """Create the register if needed and migrate it to the newest schema (idempotent)."""
    return initialise(settings).db


def open_register(settings: Settings | None = None, *, migrate: bool = True) -> Database:
    """Open an existing register; older schemas are migrated to the newest revision."""
    settings = settings or load_settings()
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        raise UsageError(f"no register at {path}; run 'aims init' first (or set AIMS_DATABASE_URL)")
    db = Database(settings.database_url, echo=settings.sql_echo)
    with _reachable(db):
        current = migrations.current_revision(db.engine)
        if current is None:
            db.dispose()
            raise UsageError("the database has no register yet; run 'aims init' first")
        if migrate and current != migrations.latest_revision():
            migrations.upgrade(db.engine)
            _seed(db, current, fresh_too=False)
    return db


def registry_names() -> list[str]:
    """Command-line names of every record type (``risk``, ``corrective-action``...)."""
    from openaims.register.services import registry

    return [cls.cli_name() for cls in registry().values()]


__all__ = [
    "Database",
    "InitResult",
    "RegisterDamagedError",
    "init_register",
    "initialise",
    "open_register",
    "registry_names",
]
