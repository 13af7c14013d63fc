"""Readiness sees evidence linked to an SoA row from the evidence side as it sees the row's own."""

from __future__ import annotations

import datetime as dt

from openaims.readiness.checks import CHECKS
from openaims.readiness.snapshot import load_snapshot
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.services import EvidenceService, PersonService, SoaService

ADMIN = Actor("maria")


def test_evidence_naming_the_row_is_seen_and_counted_when_it_also_proves_the_control(database: Database) -> None:
    with database.session() as s:
        row = SoaService(s, ADMIN).create({"control_id": "A.2.2", "justification": "Our policy"}, status="implemented")
        unrelated = EvidenceService(s, ADMIN).add_link("https://wiki.example/scan", title="Scan", record_ids=[row.id])
        policy = PersonService(s, ADMIN).create({"name": "Policy owner"})  # a record that proves A.2.2
        proof = EvidenceService(s, ADMIN).add_link(
            "https://wiki.example/policy", title="Policy minutes", record_ids=[row.id, policy.id]
        )
    with database.read() as s:
        snap = load_snapshot(s, ADMIN, today=dt.date(2026, 12, 1))
    result = CHECKS["soa_row"](snap, {"control": "A.2.2", "proving": [policy.id]})
    assert f"; {unrelated.id} linked to SOA-A.2.2 but not to any record that proves A.2.2, so not counted" in (
        result.reason
    )
    assert result.links == ("SOA-A.2.2", proof.id)
