"""Storing a classification on the AI system: who answered and when, history, re-classification."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.frameworks.kit import answers

from openaims.errors import PermissionDeniedError
from openaims.frameworks.euaiact.classifier import classify
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.services.classification import (
    needs_reclassification,
    reclassification_reason,
    store_classification,
    stored_classification,
)
from openaims.register.services.systems import SystemService

ALICE = Actor("alice")
WHEN = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
HIRING = answers(**{"role.deployer": True, "annex_iii.points": ["AnnexIII.4(a)"], "annex_iii.profiling": True,
                    "deployer.public_service": False})  # fmt: skip


def test_the_outcome_is_stored_with_who_and_when_and_a_history_event(database: Database) -> None:
    with database.session() as session:
        systems = SystemService(session, ALICE)
        sys_ = systems.create({"name": "Screener", "owner": "alice", "purpose": "Rank applicants",
                               "intended_use": "HR shortlist", "organisation_roles": ["developer"]})  # fmt: skip
        assert needs_reclassification(sys_)
        assert reclassification_reason(sys_) == f"{sys_.id} has no EU AI Act classification yet"
        outcome = classify(HIRING, today=WHEN.date())
        saved = store_classification(systems, sys_.id, outcome, answered_by="bob", answered_at=WHEN)
        assert saved.risk_tier == "high"
        assert saved.organisation_roles == ["developer", "provider", "deployer"]
        stored = stored_classification(saved)
        assert stored is not None
        assert (stored["answered_by"], stored["answered_at"]) == ("bob", "2026-11-23T09:30:00+00:00")
        assert stored["classification"]["tiers"] == ["high"]
        assert "Art. 26" in stored["classification"]["articles"]
        assert not needs_reclassification(saved)
        events = systems.history(sys_.id)
        assert [e.action for e in events] == ["create", "update"]
        assert events[-1].actor == "alice"
        assert {"eu_ai_act", "risk_tier", "organisation_roles"} <= set(events[-1].changes())


def test_changing_the_purpose_requires_reclassification(database: Database) -> None:
    with database.session() as session:
        systems = SystemService(session, ALICE)
        sys_ = systems.create({"name": "Bot", "owner": "alice", "purpose": "Answer FAQs", "intended_use": "Web"})
        saved = store_classification(systems, sys_.id, classify(answers(), today=WHEN.date()), answered_at=WHEN)
        assert stored_classification(saved)["answered_by"] == "alice"  # type: ignore[index]
        renamed = systems.update(sys_.id, saved.version, {"name": "FAQ bot"})
        assert not needs_reclassification(renamed)
        moved = systems.update(sys_.id, renamed.version, {"purpose": "Screen loan applicants"})
        assert needs_reclassification(moved)
        assert reclassification_reason(moved) == (
            f"the purpose of {sys_.id} changed since it was classified on 2026-11-23"
        )


def test_readers_cannot_store_a_classification(database: Database) -> None:
    with database.session() as session:
        sys_ = SystemService(session, ALICE).create({"name": "Bot"})
    outcome = classify(answers(), today=WHEN.date())
    with database.session() as session:
        viewer = SystemService(session, Actor("vera", roles=frozenset({Role.VIEWER})))
        with pytest.raises(PermissionDeniedError):
            store_classification(viewer, sys_.id, outcome)
