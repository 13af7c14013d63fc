"""Alembic environment: runs against the engine handed over in ``config.attributes``."""

from __future__ import annotations

import warnings

from alembic import context
from sqlalchemy import Connection

from openaims.register.models import Base

config = context.config
target_metadata = Base.metadata


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign-key enforcement on the driver's connection, outside any transaction
    (the engine's begin hook would otherwise wrap the pragma in one, where SQLite ignores it)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table (copy, drop, rename); with foreign keys enforced the
            # drop fails while other tables refer to it. SQLite only honours this outside a transaction.
            _foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
            )
            with context.begin_transaction(), warnings.catch_warnings():
                # A batch migration reflects the table it rebuilds; SQLAlchemy cannot reflect the
                # id-order expression indexes and says so, but upgrade() re-creates them afterwards.
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left {len(broken)} rows referring to missing records")
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _foreign_keys(connection, on=True)

if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run 'aims init'")
run_migrations_online()
