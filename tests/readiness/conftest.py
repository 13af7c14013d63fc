"""Fixtures of the readiness tests: a register on SQLite that meets every rule."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.readiness.kit import ready_register

from openaims.register.db import Database


@pytest.fixture
def sqlite_database(_sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """The rule-by-rule cases run on SQLite; the whole-register tests run on both databases."""
    target = tmp_path / "aims.db"
    shutil.copyfile(_sqlite_template, target)
    db = Database(f"sqlite:///{target}")
    yield db
    db.dispose()


@pytest.fixture
def ready(sqlite_database: Database, tmp_path: Path) -> tuple[Database, dict[str, Any]]:
    """A register that meets every clause and control, and the ids tests refer to."""
    with sqlite_database.session() as session:
        ids = ready_register(session, tmp_path / "evidence")
    return sqlite_database, ids
