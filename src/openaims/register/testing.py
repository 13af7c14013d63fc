"""Helpers for test suites that need a register database (used by ``tests/conftest.py``)."""

from __future__ import annotations

import atexit

from sqlalchemy import Engine, text

from openaims.register import migrations
from openaims.register.db import make_engine
from openaims.register.history import GENESIS
from openaims.register.models import Base

_ENGINES: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = make_engine(url)
    return engine


@atexit.register
def _dispose_all() -> None:
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def upgraded_template(url: str) -> None:
    """Migrate the database at ``url`` to the newest schema."""
    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
    finally:
        engine.dispose()


def reset_database(url: str) -> None:
    """Empty every register table and restart the history chain (schema kept).

    DELETE rather than TRUNCATE: on the few rows a test leaves behind it is an order
    of magnitude faster on PostgreSQL (no new relation files).
    """
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with _engine(url).begin() as connection:
        for table in tables:
            connection.execute(text(f'DELETE FROM "{table}"'))
        connection.execute(
            text("INSERT INTO history_head (id, seq, hash) VALUES (1, 0, :genesis)"), {"genesis": GENESIS}
        )


def dispose(url: str) -> None:
    """Close the pooled connections kept for ``url`` (before dropping its database)."""
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def end_open_transactions(url: str) -> list[str]:
    """End every other connection to the PostgreSQL database at ``url`` that sits inside a
    transaction (a session a test left open), returning the statement each one ran last.

    Such a connection keeps its locks until it is closed, so a later test that alters the schema
    (a downgrade, an index) would wait for it forever. Nothing to do on SQLite.
    """
    if not url.startswith("postgresql"):
        return []
    with _engine(url).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT pid, left(query, 160) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IN ('idle in transaction', 'idle in transaction (aborted)')"
            )
        ).all()
        for pid, _query in rows:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        connection.commit()
    return [str(query) for _pid, query in rows]
