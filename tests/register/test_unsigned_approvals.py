"""Upgrading a register keeps typed-in approvals as events marked as recorded before approvals were signed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from tests.register.kit import all_areas

from openaims.register import history, migrations
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.integrity import verify_register
from openaims.register.models.internal import HistoryEvent
from openaims.register.services import (
    DocumentService,
    DocumentVersionService,
    ImpactAssessmentService,
    ManagementReviewService,
    ScopeService,
    SystemService,
)

ADMIN = Actor("admin")
NOTE = "(recorded before approvals were signed)"


def _legacy_register(database: Database) -> None:
    """Records as a register from before signed approvals held them: approvals typed into fields."""
    with database.session() as s:
        doc = DocumentService(s, ADMIN).create({"title": "AI policy"})
        system = SystemService(s, ADMIN).create({"name": "Scorer"})
        DocumentVersionService(s, ADMIN).restore({
            "id": "DOCV-7", "document_id": doc.id, "number": 1, "content": "Rules", "author": "raj",
            "approver": "elena", "approved_on": "2026-06-27", "next_review": "2027-06-27", "status": "approved",
            "created_by": "maria", "updated_by": "maria",
        })  # fmt: skip
        ImpactAssessmentService(s, ADMIN).restore({
            "id": "IA-3", "system_id": system.id, "title": "AIIA", "affected_groups": ["applicants"],
            "areas": all_areas(), "assessor": "raj", "reviewer": "lena", "status": "approved",
        })  # fmt: skip
        ManagementReviewService(s, ADMIN).restore({"id": "MR-2", "title": "H1 review", "status": "closed"})
        ScopeService(s, ADMIN).restore({"id": "SCOPE-4", "title": "Draft scope", "status": "draft"})


def _unsigned(database: Database) -> list[tuple[str, str]]:
    with database.read() as s:
        rows = s.execute(select(HistoryEvent).where(HistoryEvent.action == "approve-unsigned")).scalars()
        return sorted((e.record_id, e.actor) for e in rows)


def test_typed_approvals_become_unsigned_events_and_the_register_still_verifies(database: Database) -> None:
    _legacy_register(database)
    migrations.downgrade(database.engine, "0007_oidc_identity")
    migrations.upgrade(database.engine)
    assert _unsigned(database) == [
        ("DOCV-7", "register upgrade"), ("IA-3", "register upgrade"), ("MR-2", "register upgrade"),
    ]  # fmt: skip
    with database.read() as s:
        shown = {
            "DOCV-7": [a.describe() for a in DocumentVersionService(s, ADMIN).approvals("DOCV-7")],
            "IA-3": [a.describe() for a in ImpactAssessmentService(s, ADMIN).approvals("IA-3")],
            "MR-2": [a.describe() for a in ManagementReviewService(s, ADMIN).approvals("MR-2")],
        }
        version = DocumentVersionService(s, ADMIN).get("DOCV-7")
        report = verify_register(s)
    assert shown == {
        "DOCV-7": [f"approved by elena on 2026-06-27 {NOTE}"],
        "IA-3": [f"approved by lena {NOTE}"],
        "MR-2": [f"closed {NOTE}"],
    }
    assert (version.approver, version.approved_on) == ("elena", dt.date(2026, 6, 27))
    assert report.ok
    # Upgrading again adds nothing.
    with database.read() as s:
        count = s.execute(select(func.count()).select_from(HistoryEvent)).scalar_one()
    migrations.downgrade(database.engine, "0007_oidc_identity")
    migrations.upgrade(database.engine)
    with database.read() as s:
        assert s.execute(select(func.count()).select_from(HistoryEvent)).scalar_one() == count
        assert history.verify(s).ok


def test_an_import_the_history_does_not_vouch_for_keeps_its_approvals_unsigned(database: Database) -> None:
    with database.session() as s:
        doc = DocumentService(s, ADMIN).create({"title": "AI policy"})
        DocumentVersionService(s, Actor("importer")).restore(
            {"id": "DOCV-9", "document_id": doc.id, "number": 1, "content": "Rules", "author": "raj",
             "approver": "elena", "approved_on": "2026-06-27", "next_review": "2027-06-27", "status": "approved"},
            provenance=False,
        )  # fmt: skip
    with database.read() as s:
        shown = [a.describe() for a in DocumentVersionService(s, ADMIN).approvals("DOCV-9")]
        actions = [(e.action, e.actor) for e in history.events_for(s, "DOCV-9")]
        report = verify_register(s)
    assert shown == [f"approved by elena on 2026-06-27 {NOTE}"]
    assert actions == [("import", "importer"), ("approve-unsigned", "importer")]
    assert report.ok
