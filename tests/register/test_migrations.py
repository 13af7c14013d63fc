"""Migrations: upgrade to head and downgrade to base on SQLite and PostgreSQL; head matches the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from tests.support.postgres import PostgresServer

from openaims.register import migrations
from openaims.register.db import make_engine
from openaims.register.models import Base


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database("aims_migrations")
    yield url
    server.drop_database(url)


def test_upgrade_head_downgrade_base_and_back(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        assert migrations.current_revision(engine) is None
        migrations.upgrade(engine)
        assert migrations.current_revision(engine) == migrations.head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
            )
        assert diff == []

        migrations.downgrade(engine)
        assert migrations.current_revision(engine) is None
        engine.dispose()
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        migrations.upgrade(engine)
        assert migrations.current_revision(engine) == migrations.head_revision()
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        migrations.upgrade(engine)
        migrations.upgrade(engine)
        assert migrations.current_revision(engine) == migrations.head_revision()
    finally:
        engine.dispose()


def test_the_newest_revision_file_is_alembics_head() -> None:
    """Opening a register compares its revision with the newest numbered file's, without Alembic."""
    assert migrations.latest_revision() == migrations.head_revision()
