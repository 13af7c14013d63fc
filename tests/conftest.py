"""Fixtures shared by every test suite.

``db_url`` is a migrated, empty register database, parametrized over SQLite and a
real PostgreSQL server (see ``tests/support/postgres.py``); ``database`` is an
:class:`openaims.register.db.Database` on it. Suites that store records reuse them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Sign-ins and the organisation key of whoever runs the tests stay out of them (and theirs out of ours).
if "AIMS_CONFIG_DIR" not in os.environ:
    os.environ["AIMS_CONFIG_DIR"] = tempfile.mkdtemp(prefix="aims-config-")
    atexit.register(shutil.rmtree, os.environ["AIMS_CONFIG_DIR"], ignore_errors=True)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest_plugins = ["tests.support.postgres", "tests.support.redis", "tests.support.no_skips"]

from openaims.register.db import Database  # noqa: E402
from openaims.register.testing import end_open_transactions, reset_database, upgraded_template  # noqa: E402

if TYPE_CHECKING:
    from tests.support.postgres import PostgresServer


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite register migrated to head once per worker; tests get a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "aims.db"
    upgraded_template(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_register(postgres_server: PostgresServer) -> str:
    """A PostgreSQL database migrated to head once per worker; reset before each test."""
    url = postgres_server.create_database("aims_register")
    upgraded_template(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty register database at the newest schema, on SQLite and on PostgreSQL.

    On PostgreSQL, a test that leaves a session open (a service used after its ``with`` block,
    say) fails, and that session is ended: its locks would otherwise stall a later test."""
    if request.param == "sqlite":
        target = tmp_path / "aims.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    url: str = request.getfixturevalue("_postgres_register")
    reset_database(url)
    yield url
    left_open = end_open_transactions(url)
    if left_open:
        pytest.fail(
            f"the test left {len(left_open)} transaction(s) open on the register; last statement: {left_open[0]}"
        )


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """A :class:`Database` on ``db_url``."""
    db = Database(db_url)
    yield db
    db.dispose()
