"""Approvals are events by the acting identity; separation of duties refuses, writing nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.register.kit import all_areas

from openaims.register import history
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.errors import RecordValidationError, RuleViolationError
from openaims.register.models.internal import HistoryEvent
from openaims.register.review_inputs import prepare_review
from openaims.register.services import (
    ChangeService,
    CorrectiveActionService,
    DocumentService,
    DocumentVersionService,
    ImpactAssessmentService,
    IncidentService,
    ManagementReviewService,
    NonconformityService,
    RiskService,
    ScopeService,
    SoaService,
    SoaVersionService,
    SystemService,
    TreatmentService,
)
from openaims.register.services.base import RecordService, service_for_id

MARIA = Actor("maria", frozenset({Role.AIMS_MANAGER}))
ELENA = Actor("elena", frozenset({Role.AIMS_MANAGER}))
RAJ = Actor("raj", frozenset({Role.CONTRIBUTOR}))
LENA = Actor("lena", frozenset({Role.CONTRIBUTOR}))
MOMENT = dt.datetime(2026, 6, 27, 10, 30, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return MOMENT


def svc(cls: type[RecordService[Any, Any]], session: Any, actor: Actor) -> Any:
    return cls(session, actor, clock=clock)


def _state(database: Database, record_id: str) -> tuple[int, str, int]:
    """The record's version and status and the number of history events: unchanged after a refusal."""
    with database.read() as s:
        record = service_for_id(record_id)(s, MARIA).get(record_id)
        events = s.execute(select(func.count()).select_from(HistoryEvent)).scalar_one()
    return record.version, record.status, events


def _refused(database: Database, record_id: str, attempt: Callable[[Any], Any], match: str) -> None:
    before = _state(database, record_id)
    with database.session() as s, pytest.raises(RuleViolationError, match=match):
        attempt(s)
    assert _state(database, record_id) == before


def _approval_event(database: Database, record_id: str) -> tuple[str, str, dt.datetime]:
    with database.read() as s:
        last = [e for e in history.events_for(s, record_id) if e.action == "approve"]
    assert len(last) == 1
    return last[0].action, last[0].actor, last[0].at


def _version_in_review(database: Database, author: Actor = RAJ) -> Any:
    with database.session() as s:
        doc = svc(DocumentService, s, MARIA).create({"title": "AI policy", "owner": "raj"})
        version = svc(DocumentVersionService, s, author).create({"document_id": doc.id, "content": "Rules"})
        return svc(DocumentVersionService, s, author).transition(version.id, version.version, "in_review")


def test_document_version_approval_is_an_event_by_the_approver(database: Database) -> None:
    version = _version_in_review(database, MARIA)
    review = {"next_review": dt.date(2027, 6, 1)}
    _refused(
        database, version.id,
        lambda s: svc(DocumentVersionService, s, MARIA).approve_record(version.id, version.version, review),
        r"separation of duties \(author is not approver\).*maria is its author",
    )  # fmt: skip
    with database.session() as s:
        approved = svc(DocumentVersionService, s, ELENA).approve_record(version.id, version.version, review)
    assert (approved.status, approved.approver, approved.approved_on) == ("approved", "elena", MOMENT.date())
    assert _approval_event(database, version.id) == ("approve", "elena", MOMENT)
    with database.read() as s:
        (approval,) = DocumentVersionService(s, MARIA).approvals(version.id)
    assert approval.describe() == "approved by elena on 2026-06-27"


@pytest.mark.parametrize("typed", [{"approver": "elena"}, {"approved_on": "2026-06-22"}])
def test_nobody_types_who_approved_or_when(database: Database, typed: dict[str, str]) -> None:
    version = _version_in_review(database)
    before = _state(database, version.id)
    with database.session() as s, pytest.raises(RecordValidationError, match="recorded from the approval itself"):
        svc(DocumentVersionService, s, ELENA).update(version.id, version.version, {"status": "approved", **typed})
    with database.session() as s, pytest.raises(RecordValidationError, match="recorded from the approval itself"):
        svc(DocumentVersionService, s, RAJ).create({"document_id": version.document_id, "content": "x", **typed})
    assert _state(database, version.id) == before


def test_scope_and_soa_version_approvals_record_the_acting_manager(database: Database) -> None:
    with database.session() as s:
        scope = svc(ScopeService, s, RAJ).create({"title": "AIMS scope", "statement": "Support AI"})
    with database.session() as s:
        approved = svc(ScopeService, s, ELENA).approve_record(scope.id, scope.version)
        svc(SoaService, s, MARIA).create(
            {"control_id": "A.2.2", "justification": "We have an AI policy"}, status="planned"
        )
        soa = svc(SoaVersionService, s, MARIA).approve()
    assert (approved.approver, approved.approved_on) == ("elena", MOMENT.date())
    assert (soa.approver, soa.approved_on) == ("maria", MOMENT.date())
    assert _approval_event(database, scope.id)[1] == "elena"
    assert _approval_event(database, soa.id)[1] == "maria"


def _risk_above_appetite(database: Database) -> Any:
    with database.session() as s:
        risks = svc(RiskService, s, MARIA)
        risk = risks.create({"title": "Biased scores", "owner": "raj", "inherent_likelihood": 4, "inherent_impact": 4})
        return risks.transition(risk.id, risk.version, "assessed", {"residual_likelihood": 4, "residual_impact": 4})


def test_risk_acceptance_above_appetite_needs_the_manager_role(database: Database) -> None:
    risk = _risk_above_appetite(database)
    with database.session() as s:
        accept = svc(TreatmentService, s, RAJ).create(
            {"risk_id": risk.id, "option": "accept", "rationale": "Human review of every score", "owner": "raj"}
        )
    _refused(database, accept.id, lambda s: svc(TreatmentService, s, RAJ).approve_record(accept.id, accept.version),
             r"risk acceptance needs the manager role.*only an admin or AIMS manager")  # fmt: skip
    with database.session() as s:
        accept = svc(TreatmentService, s, MARIA).approve_record(accept.id, accept.version)
    assert (accept.approver, accept.approved_on) == ("maria", MOMENT.date())
    _refused(database, risk.id, lambda s: svc(RiskService, s, RAJ).transition(risk.id, risk.version, "accepted"),
             r"risk acceptance above appetite needs the manager role")  # fmt: skip
    with database.session() as s:
        accepted = svc(RiskService, s, MARIA).approve_record(risk.id, risk.version)
    assert accepted.status == "accepted"
    assert _approval_event(database, risk.id)[1] == "maria"


def _assessment_in_review(database: Database, reviewer: str | None) -> Any:
    with database.session() as s:
        system = svc(SystemService, s, MARIA).create({"name": "Scorer", "owner": "raj"})
        ias = svc(ImpactAssessmentService, s, RAJ)
        ia = ias.create({"system_id": system.id, "title": "Scorer AIIA", "affected_groups": ["applicants"],
                         "areas": all_areas(), "reviewer": reviewer})  # fmt: skip
        return ias.transition(ia.id, ia.version, "in_review")


def test_contributor_cannot_approve_their_own_assessment_by_naming_someone_else(database: Database) -> None:
    ia = _assessment_in_review(database, "lena")
    assert ia.assessor == "raj"
    done = {"next_review": dt.date(2027, 6, 1)}
    _refused(database, ia.id, lambda s: svc(ImpactAssessmentService, s, RAJ).approve_record(ia.id, ia.version, done),
             r"reviewer asks lena to approve it, so only lena.*can approve it \(raj cannot\)")  # fmt: skip
    _refused(
        database, ia.id,
        lambda s: svc(ImpactAssessmentService, s, RAJ).approve_record(ia.id, ia.version, {**done, "reviewer": "raj"}),
        r"separation of duties \(assessor is not reviewer\)",
    )  # fmt: skip
    with database.session() as s:
        approved = svc(ImpactAssessmentService, s, LENA).approve_record(ia.id, ia.version, done)
    assert (approved.status, approved.reviewer) == ("approved", "lena")
    assert _approval_event(database, ia.id)[1] == "lena"


def test_change_requester_does_not_approve_it(database: Database) -> None:
    with database.session() as s:
        change = svc(ChangeService, s, MARIA).create(
            {"title": "Second model", "reason": "Resilience", "impact_analysis": "Low"}
        )
    assert change.requested_by == "maria"
    _refused(database, change.id, lambda s: svc(ChangeService, s, MARIA).approve_record(change.id, change.version),
             r"separation of duties \(requester is not approver\)")  # fmt: skip
    with database.session() as s:
        approved = svc(ChangeService, s, ELENA).approve_record(change.id, change.version)
    assert (approved.approver, approved.approved_on) == ("elena", MOMENT.date())


def test_corrective_action_is_verified_by_the_verifier_asked_not_its_owner(database: Database) -> None:
    with database.session() as s:
        nc = svc(NonconformityService, s, MARIA).create({"title": "Review overdue", "owner": "raj"})
        actions = svc(CorrectiveActionService, s, MARIA)
        ca = actions.create({"nonconformity_id": nc.id, "description": "Reminder", "owner": "raj",
                             "verified_by": "lena", "due_date": dt.date(2026, 7, 1)})  # fmt: skip
        ca = actions.transition(ca.id, ca.version, "in_progress")
        ca = actions.transition(ca.id, ca.version, "done")
    checked = {"effective": True, "verification_notes": "No recurrence"}
    _refused(database, ca.id, lambda s: svc(CorrectiveActionService, s, RAJ).approve_record(ca.id, ca.version, checked),
             r"verified_by asks lena to verify it")  # fmt: skip
    _refused(
        database, ca.id,
        lambda s: svc(CorrectiveActionService, s, RAJ).approve_record(ca.id, ca.version,
                                                                      {**checked, "verified_by": "raj"}),
        r"separation of duties \(owner is not verifier\)",
    )  # fmt: skip
    with database.session() as s:
        verified = svc(CorrectiveActionService, s, LENA).approve_record(ca.id, ca.version, checked)
    assert (verified.verified_by, verified.verified_on) == ("lena", MOMENT.date())
    assert _approval_event(database, ca.id)[1] == "lena"


def test_management_review_closing_is_an_event_by_who_closes_it(database: Database) -> None:
    with database.session() as s:
        reviews = svc(ManagementReviewService, s, MARIA)
        review = reviews.create({"title": "Q2 review"})
        prepare_review(s, MARIA, review.id, today=dt.date(2026, 6, 20))
        review = reviews.get(review.id)
        review = reviews.transition(review.id, review.version, "held", {
            "held_on": dt.date(2026, 6, 20), "chair": "elena", "attendees": ["elena", "maria"]})  # fmt: skip
    with database.session() as s:
        svc(ManagementReviewService, s, ELENA).approve_record(review.id, review.version, {"decisions": ["Hire"]})
        (approval,) = ManagementReviewService(s, MARIA).approvals(review.id)
    assert approval.describe() == "closed by elena on 2026-06-27"


@pytest.mark.parametrize(
    ("cls", "data", "status"),
    [
        (ImpactAssessmentService, {"title": "AIIA", "affected_groups": ["a"], "reviewer": "lena"}, "approved"),
        (IncidentService, {"title": "Leak", "owner": "raj", "post_incident_review": "Done"}, "closed"),
        (CorrectiveActionService, {"description": "Fix", "owner": "raj", "verified_by": "lena"}, "verified"),
        (ChangeService, {"title": "Swap model", "reason": "Cost", "impact_analysis": "Low"}, "approved"),
    ],
)
def test_records_are_not_created_in_a_status_the_workflow_reaches(
    database: Database, cls: type[RecordService[Any, Any]], data: dict[str, Any], status: str
) -> None:
    with database.session() as s:
        system = svc(SystemService, s, MARIA).create({"name": "Scorer", "owner": "raj"})
        nc = svc(NonconformityService, s, MARIA).create({"title": "NC", "owner": "raj"})
    extra = {"system_id": system.id, "areas": all_areas()} if cls is ImpactAssessmentService else {}
    if cls is CorrectiveActionService:
        extra = {"nonconformity_id": nc.id}
    before = _state(database, system.id)[2]
    for actor in (RAJ, MARIA):
        with database.session() as s, pytest.raises(RuleViolationError, match=f"cannot be created as '{status}'"):
            svc(cls, s, actor).create({**data, **extra}, status=status)
    with database.read() as s:
        assert s.execute(select(func.count()).select_from(HistoryEvent)).scalar_one() == before
        assert svc(cls, s, MARIA).all() == []
