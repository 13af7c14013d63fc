"""Lists in id order are served by an index on every record table, also after upgrading an older register."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from openaims.register import migrations
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.models import RECORD_MODELS
from openaims.register.models.base import natural_order_index_name
from openaims.register.models.systems import Component
from openaims.register.services import SystemService

ADMIN = Actor("admin")


def _indexes(connection: Connection) -> dict[str, set[str]]:
    """Index names per record table, read from the database's own catalogue."""
    tables = [m.__tablename__ for m in RECORD_MODELS]
    if connection.dialect.name == "sqlite":
        rows = connection.execute(text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"))
    else:
        rows = connection.execute(text("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'"))
    found: dict[str, set[str]] = {t: set() for t in tables}
    for table, name in rows:
        if table in found:
            found[table].add(name)
    return found


def _missing(database: Database) -> list[str]:
    with database.engine.connect() as connection:
        return sorted(t for t, names in _indexes(connection).items() if natural_order_index_name(t) not in names)


def _plan(session: Session) -> str:
    """How the database reads the first page of the components list (as the list service asks)."""
    stmt = select(Component).order_by(func.length(Component.id), Component.id).limit(50).offset(100)
    sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    if session.get_bind().dialect.name == "sqlite":
        return " ".join(str(r[-1]) for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    session.execute(text("SET LOCAL enable_sort = off"))  # a sort is chosen only when no index can serve
    return " ".join(str(r[0]) for r in session.execute(text(f"EXPLAIN {sql}")))


def test_every_record_table_has_its_id_order_index_and_lists_read_it(database: Database) -> None:
    assert _missing(database) == []
    with database.read() as s:
        plan = _plan(s)
    assert natural_order_index_name("ai_components") in plan
    assert "SORT" not in plan.upper().replace("USING INDEX", "")


@pytest.mark.parametrize("older", ["0014_security_reviews", "0011_monitoring", "0006_org_scans"])
def test_an_older_register_gets_the_indexes_when_upgraded_and_keeps_its_order(
    database: Database, older: str
) -> None:
    with database.session() as s:
        for _ in range(10):
            SystemService(s, ADMIN).create({"name": "Scorer"})
    migrations.downgrade(database.engine, older)
    assert len(_missing(database)) > 20  # the older schema had none of them
    migrations.upgrade(database.engine)
    assert _missing(database) == []
    with database.read() as s:
        listed = [r.id for r in SystemService(s, ADMIN).list().items]
        plan = _plan(s)
    assert listed == [f"SYS-{n}" for n in range(1, 11)]
    assert natural_order_index_name("ai_components") in plan


def test_a_table_that_lost_its_index_gets_it_back_at_the_next_upgrade(database: Database) -> None:
    """A batch migration on SQLite rebuilds a table without its expression indexes: upgrading restores them."""
    with database.engine.begin() as connection:
        connection.execute(text(f"DROP INDEX {natural_order_index_name('risks')}"))
    assert _missing(database) == ["risks"]
    migrations.upgrade(database.engine)
    assert _missing(database) == []
