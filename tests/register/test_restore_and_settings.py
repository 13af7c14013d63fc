"""Restoring exported records keeps their ids and times; settings refuse insecure production values."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from openaims.errors import ConflictError
from openaims.register import history
from openaims.register.db import Database
from openaims.register.services import RiskService, SystemService
from openaims.settings import Environment, Settings


def test_restore_keeps_identity_and_moves_the_id_counter(database: Database) -> None:
    created = dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)
    with database.session() as s:
        system = SystemService(s, "importer").restore(
            {"id": "SYS-7", "status": "retired", "version": 4, "name": "Old scorer", "created_at": created.isoformat(),
             "created_by": "carol", "updated_at": created.isoformat(), "updated_by": "carol"}
        )  # fmt: skip
        later = SystemService(s, "alice").create({"name": "New bot"})
        events = history.events_for(s, "SYS-7")
    assert (system.id, system.status, system.created_by, system.created_at) == ("SYS-7", "retired", "carol", created)
    assert system.version == 4
    assert later.id == "SYS-8"
    assert [(e.action, e.actor) for e in events] == [("import", "importer")]
    with database.session() as s, pytest.raises(ConflictError, match="SYS-7 already exists"):
        SystemService(s, "importer").restore({"id": "SYS-7", "name": "Again"})
    with database.session() as s:
        changed = SystemService(s, "alice").update("SYS-7", 4, {"description": "Kept for audit"})
        assert changed.version == 5
        RiskService(s, "importer").restore({"id": "RISK-3", "title": "Imported", "system_ids": ["SYS-7"]})
        assert RiskService(s, "alice").create({"title": "Next"}).id == "RISK-4"


def test_development_defaults_and_production_refusals(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.delenv("AIMS_DATABASE_URL", raising=False)
    monkeypatch.chdir(str(tmp_path))
    settings = Settings()
    assert settings.database_url == f"sqlite:///{tmp_path}/.aims/aims.db"
    assert settings.environment is Environment.DEV
    with pytest.raises(ValidationError, match="AIMS_SECRET_KEY must be a random value"):
        Settings(environment=Environment.PROD, secret_key="change-me")
    with pytest.raises(ValidationError, match="default 'postgres' password"):
        Settings(environment=Environment.PROD, secret_key="k" * 40,
                 database_url="postgresql://postgres:postgres@db/aims")  # fmt: skip
    monkeypatch.setenv("AIMS_ENVIRONMENT", "prod")
    monkeypatch.setenv("AIMS_SECRET_KEY", "x" * 48)
    assert Settings().environment is Environment.PROD


def test_restore_in_foreign_key_order_with_list_references_checked_afterwards(database: Database) -> None:
    from openaims.register.errors import RecordValidationError
    from openaims.register.services import DatasetService, registry, restore_order

    order = restore_order()
    assert sorted(order) == sorted(registry())
    for record_type, cls in registry().items():
        for field, prefix in cls.references.items():
            column = cls.model.__table__.columns[field]
            if column.foreign_keys and prefix != "*":
                target = next(rt for rt, c in registry().items() if c.prefix() == prefix)
                assert order.index(target) < order.index(record_type), (record_type, field)
    # Systems and datasets name each other (lists): load both unchecked, then check.
    with database.session() as s:
        SystemService(s, "importer").restore(
            {"id": "SYS-1", "name": "Scorer", "dataset_ids": ["DATA-1"]}, check_references=False
        )
        DatasetService(s, "importer").restore(
            {"id": "DATA-1", "name": "Loans", "system_ids": ["SYS-1", "SYS-2"]}, check_references=False
        )
        SystemService(s, "importer").check_references_of("SYS-1")
        with pytest.raises(RecordValidationError, match="System IDs: SYS-2 does not exist"):
            DatasetService(s, "importer").check_references_of("DATA-1")
