"""A non-trivial register: one record of every type (most moved on in their life cycle) and file evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.register.kit import ADMIN, CASES, svc

from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.services import EvidenceService


def fill(database: Database, evidence_dir: Path, tmp_path: Path) -> None:
    with database.session() as s:
        # The custom 3x3 method last, so that risks are rated under the default 5x5 one.
        for case in sorted(CASES, key=lambda c: c.record_type == "risk_method"):
            service = svc(s, case.service)
            record = service.create(case.make(s), status=case.created_status)
            record = service.update(record.id, record.version, case.change)
            # Someone other than the creator moves it on, so that approvals pass separation of duties.
            mover = svc(s, case.service, Actor("ceo"))
            mover.transition(record.id, record.version, case.to_status, case.with_fields(s, record.id))
        source = tmp_path / "dpia.txt"
        source.write_text("Data protection impact assessment, signed 2026-04-30.\n", encoding="utf-8")
        store = EvidenceService(s, ADMIN, evidence_dir=evidence_dir)
        store.add_file(source, title="DPIA", record_ids=["SYS-1"], description="Signed copy")


@pytest.fixture
def evidence_dir(tmp_path: Path) -> Path:
    return tmp_path / "evidence-store"


@pytest.fixture
def filled(database: Database, evidence_dir: Path, tmp_path: Path) -> Database:
    fill(database, evidence_dir, tmp_path)
    return database
