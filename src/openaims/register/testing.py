"""Helpers for test suites that need a register database (used by ``tests/conftest.py``)."""

from __future__ import annotations

from sqlalchemy import text

from openaims.register import migrations
from openaims.register.db import make_engine
from openaims.register.history import GENESIS
from openaims.register.models import Base


def upgraded_template(url: str) -> None:
    """Migrate the database at ``url`` to the newest schema."""
    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
    finally:
        engine.dispose()


def reset_database(url: str) -> None:
    """Empty every register table and restart the history chain (schema kept)."""
    engine = make_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f'DELETE FROM "{table}"'))
            connection.execute(
                text("INSERT INTO history_head (id, seq, hash) VALUES (1, 0, :genesis)"), {"genesis": GENESIS}
            )
    finally:
        engine.dispose()
