"""Alembic migrations of the register, shipped with the package and run from code.

``aims init`` and :func:`openaims.register.open_register` call :func:`upgrade`;
nobody needs an ``alembic.ini``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
#: Revision files are numbered in chain order (``0007_oidc_identity.py``) and name their revision.
_REVISION_FILE = re.compile(r"^\d{4}_[a-z0-9_]+\.py$")
_REVISION = re.compile(r'^revision: str = "([^"]+)"$', re.M)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def latest_revision() -> str:
    """The newest revision, from the file names alone: opening a register needs no Alembic
    unless it migrates (a test checks that this is Alembic's head)."""
    newest = max(p for p in (HERE / "versions").iterdir() if _REVISION_FILE.match(p.name))
    found = _REVISION.search(newest.read_text(encoding="utf-8"))
    assert found is not None, newest.name
    return found.group(1)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(HERE))
    head = script.get_current_head()
    assert head is not None
    return head


def known_revisions() -> frozenset[str]:
    """Every schema revision this version knows (a register at another one was made by a newer version)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(HERE))
    return frozenset(rev.revision for rev in script.walk_revisions())


def includes(revision: str | None, wanted: str) -> bool:
    """Whether a register at schema ``revision`` has already been through ``wanted`` (revisions are
    numbered in chain order; one this version does not know was made by a newer version)."""
    if revision is None:
        return False
    number = re.match(r"^(\d{4})_", revision)
    return number is None or number.group(1) >= wanted[:4]


def current_revision(engine: Engine) -> str | None:
    """The register's schema revision (None before the first migration), read without Alembic."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        rows = [str(r) for r in connection.execute(text("SELECT version_num FROM alembic_version")).scalars()]
    if len(rows) > 1:  # several heads: let Alembic say what it makes of them
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    return rows[0] if rows else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
    if revision == "head":
        # Record tables added by later revisions, or rebuilt by a batch migration on SQLite (which
        # does not carry expression indexes over), get their id-order index too.
        from openaims.register.models import RECORD_MODELS

        with engine.begin() as connection:
            create_order_indexes(connection, [m.__tablename__ for m in RECORD_MODELS])


def create_order_indexes(connection: Connection, tables: Iterable[str]) -> None:
    """The ``(length(id), id)`` index that serves lists in id order, on each of ``tables`` that
    exists and lacks it (see :func:`openaims.register.models.base.natural_order_index`)."""
    from openaims.register.models.base import natural_order_index_name

    existing = set(inspect(connection).get_table_names())
    for table in tables:
        if table in existing:
            name = natural_order_index_name(table)
            connection.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (length(id), id)"))


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)
