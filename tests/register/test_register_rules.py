"""Record rules a user relies on, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.register.kit import TODAY, all_areas

from openaims.errors import ConflictError
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.errors import RecordValidationError, RuleViolationError
from openaims.register.review_inputs import prepare_review
from openaims.register.services import (
    AuditService,
    ChangeService,
    CorrectiveActionService,
    DocumentService,
    DocumentVersionService,
    FindingService,
    ImpactAssessmentService,
    ManagementReviewService,
    NonconformityService,
    PersonService,
    RaciService,
    RiskMethodService,
    RiskService,
    ScopeService,
    SoaService,
    SupplierAssessmentService,
    SupplierService,
    SystemService,
    TreatmentService,
)

SYSTEM = {"name": "Support chatbot", "owner": "alice", "purpose": "Answer customers", "intended_use": "Support"}


def test_risk_cannot_be_treated_without_a_treatment(database: Database) -> None:
    with database.session() as s:
        risks = RiskService(s, "alice")
        risk = risks.create({"title": "Invented refunds", "inherent_likelihood": 4, "inherent_impact": 5})
        risk = risks.transition(risk.id, risk.version, "assessed")
    assert (risk.method_id, risk.inherent_rating) == ("METHOD-1", "critical")
    changes = {"residual_likelihood": 2, "residual_impact": 2}
    with (
        database.session() as s,
        pytest.raises(RuleViolationError, match="RISK-1 cannot be 'treated' without a treatment"),
    ):
        RiskService(s, "alice").transition(risk.id, risk.version, "treated", changes)
    with database.session() as s:
        TreatmentService(s, "alice").create(
            {"risk_id": risk.id, "option": "mitigate", "control_ids": ["A.6.2.4"], "owner": "bob"}
        )
        treated = RiskService(s, "alice").transition(risk.id, risk.version, "treated", changes)
    assert (treated.status, treated.residual_rating) == ("treated", "low")


def test_risk_above_appetite_is_accepted_only_with_an_approved_acceptance(database: Database) -> None:
    with database.session() as s:
        risks = RiskService(s, "alice")
        risk = risks.create({"title": "Bias in scores", "inherent_likelihood": 4, "inherent_impact": 4})
        risk = risks.transition(risk.id, risk.version, "assessed", {"residual_likelihood": 4, "residual_impact": 4})
    assert risk.residual_rating == "high"
    with database.session() as s, pytest.raises(RuleViolationError, match="above the appetite 'medium'"):
        RiskService(s, "alice").transition(risk.id, risk.version, "accepted")
    with database.session() as s, pytest.raises(RuleViolationError, match="needs a rationale"):
        TreatmentService(s, "alice").create({"risk_id": risk.id, "option": "accept"})
    with database.session() as s:
        accept = TreatmentService(s, "alice").create(
            {"risk_id": risk.id, "option": "accept", "rationale": "Compensating review"}
        )
        accept = TreatmentService(s, "ceo").approve_record(accept.id, accept.version)
        accepted = RiskService(s, "alice").transition(risk.id, risk.version, "accepted")
    assert (accept.approver, accept.approved_on) == ("ceo", dt.datetime.now(dt.UTC).date())
    assert accepted.status == "accepted"


def test_ratings_follow_the_method_and_levels_stay_on_its_scale(database: Database) -> None:
    with database.session() as s:
        method = RiskMethodService(s, "alice").create(
            {"name": "3x3", "likelihood_levels": ["low", "mid", "high"], "impact_levels": ["low", "mid", "high"],
             "rating_levels": ["green", "red"], "matrix": [["green", "green", "red"], ["green", "red", "red"],
                                                          ["red", "red", "red"]], "appetite": "green"}
        )  # fmt: skip
        risk = RiskService(s, "alice").create(
            {"title": "x", "method_id": method.id, "inherent_likelihood": 2, "inherent_impact": 2,
             "inherent_rating": "typed by hand"}
        )  # fmt: skip
    assert risk.inherent_rating == "red"
    with (
        database.session() as s,
        pytest.raises(RecordValidationError, match="Inherent likelihood must be 1 to 3 on the likelihood scale"),
    ):
        RiskService(s, "alice").update(risk.id, risk.version, {"inherent_likelihood": 5})
    with database.session() as s, pytest.raises(RecordValidationError, match="matrix must have 2 rows"):
        RiskMethodService(s, "alice").create(
            {"name": "bad", "likelihood_levels": ["a", "b"], "impact_levels": ["a", "b"], "rating_levels": ["r"],
             "matrix": [["r", "r"]], "appetite": "r"}
        )  # fmt: skip


def test_nonconformity_closes_only_with_a_verified_corrective_action(database: Database) -> None:
    with database.session() as s:
        ncs = NonconformityService(s, "alice")
        nc = ncs.create({"title": "Risk review overdue", "source": "audit", "owner": "alice"})
        nc = ncs.transition(nc.id, nc.version, "analysing", {"root_cause": "No reminder"})
    with database.session() as s, pytest.raises(RuleViolationError, match="needs a corrective action first"):
        NonconformityService(s, "alice").transition(nc.id, nc.version, "action_planned")
    with database.session() as s:
        actions = CorrectiveActionService(s, "alice")
        ca = actions.create({"nonconformity_id": nc.id, "description": "Calendar reminder", "owner": "alice"})
        nc = NonconformityService(s, "alice").transition(nc.id, nc.version, "action_planned")
        nc = NonconformityService(s, "alice").transition(nc.id, nc.version, "verifying")
        ca = actions.transition(ca.id, ca.version, "in_progress", {"due_date": TODAY})
        ca = actions.transition(ca.id, ca.version, "done")
    with database.session() as s, pytest.raises(RuleViolationError, match="not yet verified: CA-1"):
        NonconformityService(s, "alice").transition(nc.id, nc.version, "closed")
    # The owner cannot verify their own action; an action must be found effective.
    with (
        database.session() as s,
        pytest.raises(RuleViolationError, match=r"separation of duties \(owner is not verifier\)"),
    ):
        CorrectiveActionService(s, "alice").transition(
            ca.id, ca.version, "verified", {"effective": True, "verification_notes": "ok"}
        )
    with database.session() as s, pytest.raises(RuleViolationError, match="only as effective"):
        CorrectiveActionService(s, "carol").transition(
            ca.id, ca.version, "verified", {"effective": False, "verification_notes": "recurred"}
        )
    with database.session() as s:
        ca = CorrectiveActionService(s, "carol").transition(
            ca.id, ca.version, "verified", {"effective": True, "verification_notes": "No recurrence in 3 months"}
        )
        closed = NonconformityService(s, "alice").transition(nc.id, nc.version, "closed")
    assert (ca.verified_by, ca.verified_on is not None, closed.status) == ("carol", True, "closed")


def test_auditor_cannot_audit_a_process_they_own(database: Database) -> None:
    with database.session() as s:
        person = PersonService(s, "admin").create({"name": "Alice", "username": "alice", "email": "a@example.org"})
        RaciService(s, "admin").create({"process": "Risk assessment", "accountable": person.id})
        RaciService(s, "admin").create({"process": "Incident handling", "accountable": "bob", "responsible": ["carol"]})
    for auditor in ("alice", "a@example.org", person.id):
        with database.session() as s, pytest.raises(RuleViolationError, match="they own it \\(RACI-1\\)"):
            AuditService(s, "admin").create({"title": "Q2", "auditor": auditor, "processes": ["risk assessment"]})
    with database.session() as s, pytest.raises(RuleViolationError, match="carol cannot audit 'Incident handling'"):
        AuditService(s, "admin").create({"title": "Q2", "auditor": "carol", "processes": ["Incident handling"]})
    with database.session() as s:
        audit = AuditService(s, "admin").create({"title": "Q2", "auditor": "carol", "processes": ["Risk assessment"]})
    with database.session() as s, pytest.raises(RuleViolationError, match="alice cannot audit"):
        AuditService(s, "admin").update(audit.id, audit.version, {"auditor": "alice"})


def test_approved_document_version_is_immutable_and_changes_make_a_new_version(database: Database) -> None:
    with database.session() as s:
        doc = DocumentService(s, "alice").create({"title": "AI policy"})
        versions = DocumentVersionService(s, "alice")
        v1 = versions.create({"document_id": doc.id, "content": "We use AI responsibly."})
        v1 = versions.transition(v1.id, v1.version, "in_review")
        v1 = DocumentVersionService(s, "ceo").transition(
            v1.id, v1.version, "approved", {"next_review": dt.date.today() + dt.timedelta(days=90)}
        )
    assert (v1.number, v1.author, v1.approved_on is not None) == (1, "alice", True)
    with database.session() as s, pytest.raises(RuleViolationError, match="is approved and can no longer change"):
        DocumentVersionService(s, "alice").update(v1.id, v1.version, {"content": "Quietly edited"})
    with database.session() as s:
        versions = DocumentVersionService(s, "bob")
        v2 = versions.new_version(doc.id, {"change_summary": "Add GPAI section"})
        assert (v2.number, v2.content, v2.status) == (2, "We use AI responsibly.", "draft")
        v2 = versions.update(v2.id, v2.version, {"content": "We use AI responsibly, incl. GPAI."})
        v2 = versions.transition(v2.id, v2.version, "in_review")
        v2 = DocumentVersionService(s, "ceo").transition(
            v2.id, v2.version, "approved", {"next_review": dt.date.today() + dt.timedelta(days=365)}
        )
        current = DocumentService(s, "bob").current_version(doc.id)
        old = versions.get(v1.id)
    assert current is not None
    assert current.id == v2.id
    assert old.status == "obsolete"
    assert old.content == "We use AI responsibly."


def test_impact_assessment_rates_every_group_records_measures_and_has_an_independent_reviewer(
    database: Database,
) -> None:
    applicants = {"name": "Applicants", "harms": "Wrongful refusal", "benefits": "Faster answers"}
    minors = {"name": "Minors", "vulnerable": True, "severity": 4, "likelihood": 2, "harms": "Credit they cannot bear",
              "measures": "Age check before scoring"}  # fmt: skip
    with database.session() as s:
        system = SystemService(s, "alice").create(SYSTEM)
        ias = ImpactAssessmentService(s, "alice")
        ia = ias.create({"system_id": system.id, "title": "AIIA", "impacted_groups": [applicants, minors]})
    assert ia.assessor == "alice"
    assert [g.name for g in ia.impacted_groups if g.vulnerable] == ["Minors"]
    with database.session() as s, pytest.raises(RuleViolationError, match=r"rated for severity and likelihood; not rated: Applicants$"):
        ImpactAssessmentService(s, "alice").transition(ia.id, ia.version, "in_review")
    rated = {**applicants, "severity": 3, "likelihood": 3}
    with database.session() as s:
        ia = ImpactAssessmentService(s, "alice").transition(
            ia.id, ia.version, "in_review", {"impacted_groups": [rated, minors]}
        )
    with database.session() as s, pytest.raises(RuleViolationError, match=r"measures taken .* missing for: Applicants$"):
        ImpactAssessmentService(s, "bob").transition(ia.id, ia.version, "approved", {"reviewer": "bob", "next_review": TODAY})
    measured = {**rated, "measures": "An analyst reviews every refusal"}
    with (
        database.session() as s,
        pytest.raises(RuleViolationError, match=r"separation of duties \(assessor is not reviewer\)"),
    ):
        ImpactAssessmentService(s, "alice").transition(
            ia.id, ia.version, "approved", {"reviewer": "alice", "next_review": TODAY, "impacted_groups": [measured, minors]}
        )
    with database.session() as s:
        ia = ImpactAssessmentService(s, "alice").transition(ia.id, ia.version, "draft", {"impacted_groups": [measured, minors]})
        ia = ImpactAssessmentService(s, "alice").transition(ia.id, ia.version, "in_review")
        approved = ImpactAssessmentService(s, "bob").transition(
            ia.id, ia.version, "approved", {"reviewer": "bob", "next_review": TODAY}
        )
        second = ImpactAssessmentService(s, "alice").create(
            {"system_id": system.id, "title": "AIIA v2", "affected_groups": ["customers"], "areas": all_areas()}
        )
        second = ImpactAssessmentService(s, "alice").transition(second.id, 1, "in_review")
        ImpactAssessmentService(s, "bob").transition(
            second.id, second.version, "approved", {"reviewer": "bob", "next_review": TODAY}
        )
        current = ImpactAssessmentService(s, "bob").current(system.id)
        first = ImpactAssessmentService(s, "bob").get(approved.id)
    assert current is not None
    assert current.id == second.id
    assert first.status == "superseded"


def test_an_assessment_in_the_earlier_per_area_form_is_converted_to_rated_groups(database: Database) -> None:
    with database.session() as s:
        system = SystemService(s, "alice").create(SYSTEM)
        ia = ImpactAssessmentService(s, "alice").create({
            "system_id": system.id, "title": "AIIA", "affected_groups": ["customers"], "vulnerable_groups": ["minors"],
            "areas": {"fairness": {"severity": 3, "likelihood": 2, "description": "Dialects"},
                      "privacy": {"severity": 2, "likelihood": 4}},
            "mitigations": "Language tests",
        })  # fmt: skip
    assert [g.model_dump(exclude_none=True) for g in ia.impacted_groups] == [
        {"name": name, "vulnerable": name == "minors", "severity": 3, "likelihood": 4,
         "harms": "fairness (severity 3, likelihood 2): Dialects", "measures": "Language tests"}
        for name in ("customers", "minors")
    ]  # fmt: skip
    assert (ia.affected_groups, ia.vulnerable_groups) == (["customers"], ["minors"])


def test_soa_rows_are_keyed_by_control_and_exclusions_are_consistent(database: Database) -> None:
    with database.session() as s:
        soa = SoaService(s, "alice")
        row = soa.create({"control_id": "A.7.4", "justification": "We train on customer data"})
        excluded = soa.create(
            {"control_id": "A.10.4", "applicable": False, "justification": "No customers use our AI"},
            status="excluded",
        )
    assert (row.id, excluded.id, excluded.status) == ("SOA-A.7.4", "SOA-A.10.4", "excluded")
    with database.session() as s, pytest.raises(ConflictError, match=r"already has a row for A\.7\.4"):
        SoaService(s, "alice").create({"control_id": "A.7.4", "justification": "again"})
    with database.session() as s, pytest.raises(RuleViolationError, match="set applicable to false"):
        SoaService(s, "alice").transition(row.id, row.version, "excluded")
    with database.session() as s, pytest.raises((RecordValidationError, RuleViolationError), match=r"[Jj]ustification"):
        SoaService(s, "alice").update(excluded.id, excluded.version, {"justification": " "})
    with (
        database.session() as s,
        pytest.raises(RecordValidationError, match=r"A\.99 is not an ISO/IEC 42001 Annex A control"),
    ):
        SoaService(s, "alice").create({"control_id": "A.99", "justification": "x"})


def test_scope_cannot_include_and_exclude_the_same_system(database: Database) -> None:
    with database.session() as s:
        system = SystemService(s, "alice").create(SYSTEM)
    with database.session() as s, pytest.raises(RuleViolationError, match="both included in and excluded"):
        ScopeService(s, "alice").create({
            "title": "Scope", "included_system_ids": [system.id],
            "excluded_systems": [{"system_id": system.id, "justification": "Pilot"}],
        })  # fmt: skip
    with database.session() as s, pytest.raises(RecordValidationError, match="SYS-9 does not exist"):
        ScopeService(s, "alice").create({"title": "Scope", "included_system_ids": ["SYS-9"]})


def test_implemented_lifecycle_change_moves_the_system(database: Database) -> None:
    with database.session() as s:
        system = SystemService(s, "alice").create({**SYSTEM, "lifecycle_stage": "development"})
        changes = ChangeService(s, "alice")
        change = changes.create(
            {
                "title": "Go live",
                "kind": "lifecycle",
                "system_id": system.id,
                "to_stage": "verification",
                "reason": "Validated",
                "impact_analysis": "AIIA-1",
            }
        )
        assert change.from_stage == "development"
        change = ChangeService(s, "ceo").transition(change.id, change.version, "approved")
        changes.transition(change.id, change.version, "implemented")
        moved = SystemService(s, "alice").get(system.id)
        events = SystemService(s, "alice").history(system.id)
    assert moved.lifecycle_stage == "verification"
    assert [e.action for e in events] == ["create", "update"]


def test_major_finding_closes_only_when_linked_to_a_nonconformity(database: Database) -> None:
    with database.session() as s:
        audit = AuditService(s, "admin").create({"title": "Q2", "auditor": "carol"})
        finding = FindingService(s, "carol").create(
            {"audit_id": audit.id, "grade": "major", "description": "No AI policy approved", "owner": "carol"}
        )
    with database.session() as s, pytest.raises(RuleViolationError, match="link it to a nonconformity"):
        FindingService(s, "carol").transition(finding.id, finding.version, "closed")
    with database.session() as s:
        nc = NonconformityService(s, "alice").create(
            {"title": "No approved AI policy", "source": "audit", "source_ref": finding.id}
        )
        closed = FindingService(s, "carol").transition(
            finding.id, finding.version, "closed", {"nonconformity_id": nc.id}
        )
    assert closed.status == "closed"


def test_management_review_needs_every_required_input(database: Database) -> None:
    with database.session() as s:
        review = ManagementReviewService(s, "alice").create({"title": "2026 review"})
    held = {"held_on": TODAY, "chair": "ceo", "attendees": ["ceo"]}
    with database.session() as s, pytest.raises(RuleViolationError, match=r"inputs \[9\.3\.2\] are compiled") as refused:
        ManagementReviewService(s, "alice").transition(review.id, review.version, "held", held)
    assert f"aims management-review prepare {review.id}" in refused.value.message
    with database.session() as s, pytest.raises(RecordValidationError, match="cannot be typed"):
        ManagementReviewService(s, "alice").update(review.id, review.version, {"inputs": {"audit_results": "ok"}})
    with database.session() as s:
        prepare_review(s, Actor("alice"), review.id, today=TODAY)
        review = ManagementReviewService(s, "alice").get(review.id)
        held_review = ManagementReviewService(s, "alice").transition(review.id, review.version, "held", held)
    assert held_review.status == "held"
    keys = [section["key"] for section in held_review.compiled_inputs["sections"]]
    assert {"previous_actions", "audit_results", "monitoring_results"} <= set(keys)


def test_supplier_is_approved_only_after_an_acceptable_assessment(database: Database) -> None:
    with database.session() as s:
        supplier = SupplierService(s, "alice").create({"name": "Hosted LLM Inc"})
    with database.session() as s, pytest.raises(RuleViolationError, match="without a completed assessment"):
        SupplierService(s, "alice").transition(supplier.id, supplier.version, "approved")
    with database.session() as s:
        assessment = SupplierAssessmentService(s, "alice").create({"supplier_id": supplier.id})
        SupplierAssessmentService(s, "alice").transition(
            assessment.id, assessment.version, "completed",
            {"assessed_on": TODAY, "assessor": "alice", "outcome": "conditional"},
        )  # fmt: skip
        approved = SupplierService(s, "alice").transition(supplier.id, supplier.version, "approved")
    assert approved.status == "approved"


def test_validation_names_each_bad_field(database: Database) -> None:
    with database.session() as s, pytest.raises(RecordValidationError) as err:
        SystemService(s, "alice").create({"name": "", "lifecycle_stage": "flying", "colour": "red"})
    fields = [p.field for p in err.value.problems]
    assert fields == ["name", "lifecycle_stage", "colour"]
    assert err.value.message == (
        "invalid system: Name must not be empty; Lifecycle stage must be one of: inception, design, development, "
        "verification, deployment, operation, retirement (got 'flying'); Colour is not a field of this record"
    )
    assert err.value.exit_code == 2


def test_incomplete_system_is_proposed_until_it_has_owner_purpose_and_use(database: Database) -> None:
    with database.session() as s:
        system = SystemService(s, "alice").create({"name": "Coding assistant"})
    assert system.status == "proposed"
    with database.session() as s, pytest.raises(RuleViolationError, match="without Owner, Purpose, Intended use"):
        SystemService(s, "alice").transition(system.id, system.version, "active")
