"""Roles are enforced by the services: the web app and the CLI get the same answers."""

from __future__ import annotations

import pytest

from openaims.errors import PermissionDeniedError
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.errors import RuleViolationError
from openaims.register.services import (
    DocumentService,
    DocumentVersionService,
    PersonService,
    RiskService,
    SystemService,
    TreatmentService,
)

ADMIN = Actor("root", frozenset({Role.ADMIN}))
MANAGER = Actor("maria", frozenset({Role.AIMS_MANAGER}))
ALICE = Actor("alice", frozenset({Role.CONTRIBUTOR}))
BOB = Actor("bob", frozenset({Role.CONTRIBUTOR}), person_id="USER-1")
AUDITOR = Actor("audrey", frozenset({Role.AUDITOR}))
VIEWER = Actor("victor", frozenset({Role.VIEWER}))


@pytest.mark.parametrize("actor", [AUDITOR, VIEWER], ids=["auditor", "viewer"])
def test_auditors_and_viewers_read_everything_and_change_nothing(database: Database, actor: Actor) -> None:
    with database.session() as s:
        risk = RiskService(s, ADMIN).create({"title": "Leak", "owner": actor.name})
    with database.read() as s:
        assert RiskService(s, actor).get(risk.id) == risk
        assert [r.id for r in RiskService(s, actor).list().items] == [risk.id]
        assert [e.action for e in RiskService(s, actor).history(risk.id)] == ["create"]
    with database.session() as s, pytest.raises(PermissionDeniedError, match="may read records but not change RISK-1"):
        RiskService(s, actor).update(risk.id, risk.version, {"title": "Changed"})
    with database.session() as s, pytest.raises(PermissionDeniedError, match="may read records but not create"):
        RiskService(s, actor).create({"title": "New"})


def test_contributor_changes_only_what_they_own_or_are_assigned(database: Database) -> None:
    with database.session() as s:
        PersonService(s, ADMIN).create({"name": "Bob", "username": "bob"})
        theirs = RiskService(s, ADMIN).create({"title": "Alice's risk", "owner": "alice"})
        other = RiskService(s, ADMIN).create({"title": "Maria's risk", "owner": "maria"})
        by_person_id = RiskService(s, ADMIN).create({"title": "Bob's risk", "owner": "USER-1"})
    with database.session() as s:
        RiskService(s, ALICE).update(theirs.id, theirs.version, {"description": "mine"})
        RiskService(s, BOB).update(by_person_id.id, by_person_id.version, {"description": "mine too"})
    with database.session() as s, pytest.raises(PermissionDeniedError, match="RISK-2 belongs to maria"):
        RiskService(s, ALICE).update(other.id, other.version, {"description": "not mine"})
    with database.session() as s:
        created = RiskService(s, ALICE).create({"title": "Found by Alice"})
    assert created.owner == "alice"


def test_only_managers_approve(database: Database) -> None:
    with database.session() as s:
        doc = DocumentService(s, ALICE).create({"title": "AI policy"})
        version = DocumentVersionService(s, ALICE).create({"document_id": doc.id, "content": "Text"})
        version = DocumentVersionService(s, ALICE).transition(version.id, version.version, "in_review")
    approval = {"next_review": "2099-01-01"}
    with database.session() as s, pytest.raises(PermissionDeniedError, match="only an admin or AIMS manager"):
        DocumentVersionService(s, ALICE).transition(version.id, version.version, "approved", approval)
    with database.session() as s:
        approved = DocumentVersionService(s, MANAGER).transition(version.id, version.version, "approved", approval)
    assert (approved.status, approved.approver) == ("approved", MANAGER.name)
    with database.session() as s:
        risk = RiskService(s, ALICE).create({"title": "Risk"})
        accept = TreatmentService(s, ALICE).create(
            {"risk_id": risk.id, "option": "accept", "rationale": "cheap", "owner": "alice"}
        )
    with database.session() as s, pytest.raises(RuleViolationError, match="risk acceptance needs the manager role"):
        TreatmentService(s, ALICE).approve_record(accept.id, accept.version)


def test_contributors_cannot_maintain_people(database: Database) -> None:
    with database.session() as s, pytest.raises(PermissionDeniedError, match="belongs to nobody"):
        PersonService(s, ALICE).create({"name": "Eve"})


def test_a_plain_name_is_a_local_operator(database: Database) -> None:
    with database.session() as s:
        system = SystemService(s, "ops").create({"name": "Batch scorer"})
    assert system.created_by == "ops"


def test_contributor_cannot_rate_before_a_method_is_approved(database: Database) -> None:
    from openaims.register.errors import RuleViolationError

    with database.session() as s, pytest.raises(RuleViolationError, match="no approved risk method yet"):
        RiskService(s, ALICE).create({"title": "Leak", "inherent_likelihood": 2, "inherent_impact": 2})
    with database.session() as s:
        RiskService(s, MANAGER).create({"title": "First", "inherent_likelihood": 1, "inherent_impact": 1})
        rated = RiskService(s, ALICE).create({"title": "Leak", "inherent_likelihood": 2, "inherent_impact": 2})
    assert (rated.method_id, rated.inherent_rating) == ("METHOD-1", "low")


def test_what_an_actor_may_do_next(database: Database) -> None:
    with database.session() as s:
        doc = DocumentService(s, ALICE).create({"title": "AI policy"})
        version = DocumentVersionService(s, ALICE).create({"document_id": doc.id, "content": "Text"})
        version = DocumentVersionService(s, ALICE).transition(version.id, version.version, "in_review")
        others = RiskService(s, ADMIN).create({"title": "Maria's", "owner": "maria"})
    with database.read() as s:
        assert DocumentVersionService(s, ALICE).next_statuses(version) == ["draft"]
        assert DocumentVersionService(s, MANAGER).next_statuses(version) == ["approved", "draft"]
        assert DocumentVersionService(s, AUDITOR).next_statuses(version) == []
        assert RiskService(s, ALICE).may_change(others) is False
        assert RiskService(s, MANAGER).may_change(others) is True
        assert RiskService(s, VIEWER).may_change(others) is False
