"""A register that meets every readiness rule, built through the register's services."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openaims.frameworks.euaiact.classifier import classify
from openaims.frameworks.loader import load_catalogue
from openaims.register.actors import Actor, Role
from openaims.register.monitoring import push
from openaims.register.review_inputs import prepare_review
from openaims.register.services import (
    AuditProgrammeService,
    AuditService,
    ChangeService,
    CommunicationService,
    CompetenceService,
    ComponentService,
    ContextIssueService,
    CorrectiveActionService,
    DatasetService,
    DocumentService,
    DocumentVersionService,
    EvidenceService,
    FindingService,
    ImpactAssessmentService,
    IncidentService,
    InterestedPartyService,
    ManagementReviewService,
    MeasurementService,
    NonconformityService,
    ObjectiveService,
    PersonService,
    RaciService,
    RiskMethodService,
    RiskService,
    RoleService,
    ScopeService,
    SoaService,
    SupplierAssessmentService,
    SupplierService,
    SystemService,
    TrainingService,
    TreatmentService,
)
from openaims.register.services.classification import store_classification
from openaims.register.services.monitoring_plans import MonitoringPlanService
from openaims.register.services.security_reviews import SecurityReviewService
from openaims.register.threat_model import Answers, DataReach, OutputUse

ADMIN = Actor("admin")
REDTEAM = Path(__file__).resolve().parents[2] / "examples" / "redteam"
TODAY = dt.datetime.now(dt.UTC).date()
DOCUMENTS = [
    ("policy", "AI policy"),
    ("policy", "Information security policy"),
    ("process", "AI management system description"),
    ("process", "AI system impact assessment process"),
    ("process", "Responsible AI development lifecycle"),
    ("procedure", "Reporting concerns procedure"),
    ("procedure", "Acceptable use of AI"),
    ("record", "Statement of Applicability"),
    ("procedure", "AI system verification and validation"),
]


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def as_of(session: Session, cls: type[Any], on: dt.date, actor: str = "dana") -> Any:
    """``cls`` acting as ``actor`` on day ``on`` (approvals are dated by when they are made)."""
    moment = dt.datetime.combine(on, dt.time(9), tzinfo=dt.UTC)
    return cls(session, Actor(actor), clock=lambda: moment)


def approve(session: Session, cls: type[Any], record: Any, on: dt.date, actor: str = "dana", **changes: Any) -> Any:
    """``actor`` approves ``record`` on day ``on``."""
    return as_of(session, cls, on, actor).approve_record(record.id, record.version, changes)


def approved_version(session: Session, doc_id: str, content: str, on: dt.date | None = None, **changes: Any) -> Any:
    """A version of ``doc_id`` written by alice and approved by dana on ``on`` (yesterday)."""
    day = on or days(-1)
    versions = as_of(session, DocumentVersionService, day, "alice")
    version = versions.create({"document_id": doc_id, "content": content, "author": "alice", **changes})
    version = versions.transition(version.id, version.version, "in_review")
    return approve(session, DocumentVersionService, version, day, next_review=days(300))


def approved_document(session: Session, kind: str, title: str, *, next_review: dt.date | None = None) -> str:
    """An owned document with one approved version, approved by someone other than its author."""
    doc = DocumentService(session, ADMIN).create({"title": title, "kind": kind, "owner": "alice"})
    versions = as_of(session, DocumentVersionService, days(-61), "alice")
    version = versions.create({"document_id": doc.id, "content": f"{title} text", "author": "alice"})
    version = versions.transition(version.id, version.version, "in_review")
    approve(session, DocumentVersionService, version, days(-60), next_review=next_review or days(300))
    return doc.id


def security_review(session: Session, system_id: str, risk_id: str, store: EvidenceService) -> str:
    """A completed AI security review of ``system_id``: every applicable threat linked to ``risk_id``,
    promptfoo results imported, approved by someone other than the system's owner."""
    reviews = SecurityReviewService(session, Actor("dana", frozenset({Role.AIMS_MANAGER})))
    answers = Answers(untrusted_input=True, acts_externally=False, data=(DataReach.PERSONAL,),
                      output=OutputUse.SHOWN, other_agents=False)  # fmt: skip
    review = reviews.start(system_id, answers)
    _, imported = reviews.import_results(system_id, REDTEAM / "promptfoo-results.json", evidence=store)
    for category in imported.categories:
        if category.failed:
            reviews.raise_from_result(review.id, imported.evidence_id, category.category)
    for entry in reviews.get(review.id).undecided():
        reviews.decide(review.id, entry.key, risk_id=risk_id, gap="Covered by the fairness risk's testing")
    return reviews.complete(review.id).id


def ready_register(session: Session, evidence_dir: Path) -> dict[str, Any]:
    """Create every record the rules look for; returns the ids tests refer to."""
    ids: dict[str, Any] = {}
    people = PersonService(session, ADMIN)
    alice = people.create({"name": "Alice", "username": "alice"})
    carol = people.create({"name": "Carol", "username": "carol"})
    people.create({"name": "Bob", "username": "bob"})
    ids["alice"], ids["carol"] = alice.id, carol.id
    roles = RoleService(session, ADMIN)
    ids["role"] = roles.create(
        {"name": "AI governance lead", "responsibilities": "Runs the AIMS", "holder_ids": [alice.id]}
    ).id
    risk_role = roles.create({"name": "AI risk owner", "responsibilities": "Owns AI risks", "holder_ids": [carol.id]})
    needs = CompetenceService(session, ADMIN)
    skills = {
        ids["role"]: needs.create({"title": "ISO/IEC 42001 management systems", "role_id": ids["role"]}).id,
        risk_role.id: needs.create({"title": "AI risk assessment", "role_id": risk_role.id}).id,
    }
    ids["skills"] = skills
    trainings = TrainingService(session, ADMIN)
    for person, role_id in ((alice, ids["role"]), (carol, risk_role.id)):
        trainings.create({"person_id": person.id, "title": "AI risk training", "completed_on": days(-30),
                          "requirement_ids": [skills[role_id]]}, status="completed")  # fmt: skip
    RaciService(session, ADMIN).create(
        {"process": "AI risk management", "accountable": "alice", "responsible": ["carol"]}
    )
    ContextIssueService(session, ADMIN).create({"title": "EU AI Act applies to our products", "kind": "external"})
    InterestedPartyService(session, ADMIN).create(
        {"name": "Customers", "requirements": [{"requirement": "Explain automated decisions"}]}
    )
    dataset = DatasetService(session, ADMIN).create(
        {"name": "Loan history", "source": "Core banking", "provenance": "Exported monthly", "retention": "7 years",
         "collection_method": "Batch export", "quality_checks": "Schema and drift checks", "known_bias": "Age skew"}
    )  # fmt: skip
    system = SystemService(session, ADMIN).create(
        {"name": "Credit scorer", "owner": "alice", "purpose": "Score loan applications",
         "intended_use": "Assist credit officers", "description": "Gradient boosting on a managed GPU cluster",
         "human_oversight": "Officer reviews each decision", "organisation_roles": ["provider"],
         "dataset_ids": [dataset.id], "repositories": ["git.example.com/credit"], "lifecycle_stage": "verification"}
    )  # fmt: skip
    ids["system"] = system.id
    outcome = classify(
        {"subject": "system", "role.provider": True, "role.deployer": False, "prohibited.practices": "none",
         "annex_i.legislation": "none", "annex_iii.points": ["AnnexIII.5(b)"], "annex_iii.profiling": True,
         "transparency.interacts_with_people": False, "transparency.synthetic_content": False,
         "transparency.emotion_or_biometric_categorisation": False, "transparency.deep_fake": False},
        today=TODAY,
    )  # fmt: skip
    store_classification(SystemService(session, ADMIN), system.id, outcome)
    scope = ScopeService(session, ADMIN).create(
        {"title": "AIMS scope", "statement": "All lending AI",
         "included_system_ids": [system.id], "units": ["Lending"], "system_roles": {system.id: ["provider"]}},
    )  # fmt: skip
    ids["scope"] = approve(session, ScopeService, scope, days(-90)).id
    ids["documents"] = [approved_document(session, kind, title) for kind, title in DOCUMENTS]
    method = RiskMethodService(session, ADMIN).default()
    risks = RiskService(session, ADMIN)
    risk = risks.create(
        {"title": "Unfair denials", "system_ids": [system.id], "method_id": method.id, "inherent_likelihood": 4,
         "inherent_impact": 4, "owner": "carol"},
        status="assessed",
    )  # fmt: skip
    ids["risk"] = risk.id
    treatment = TreatmentService(session, ADMIN).create(
        {"risk_id": risk.id, "description": "Bias testing before release", "owner": "carol",
         "control_ids": ["A.6.2.4"]},
        status="implemented",
    )  # fmt: skip
    ids["treatment"] = approve(session, TreatmentService, treatment, days(-50)).id
    risk = risks.update(risk.id, risk.version, {"status": "treated", "residual_likelihood": 2, "residual_impact": 2})
    risks.update(risk.id, risk.version, {"status": "accepted"})
    # an incident on the system before its impact assessment (one after it would make it stale)
    IncidentService(session, ADMIN).create({"title": "Score outage", "system_ids": [system.id]})
    assessment = ImpactAssessmentService(session, ADMIN).create(
        {"system_id": system.id, "title": "Credit scorer impact", "affected_groups": ["applicants"],
         "areas": {a: {"severity": 3, "likelihood": 2} for a in ("fairness", "privacy", "safety", "human_rights", "environment", "society")},
         "assessor": "carol", "reviewer": "alice", "assessed_on": days(-10)},
    )  # fmt: skip
    assessment = ImpactAssessmentService(session, ADMIN).transition(assessment.id, assessment.version, "in_review")
    ids["impact"] = approve(session, ImpactAssessmentService, assessment, days(-10), "alice",
                            next_review=days(355)).id  # fmt: skip
    store = EvidenceService(session, ADMIN, evidence_dir=evidence_dir)
    evidence = store.create(
        {"title": "Validation report", "kind": "link", "url": "https://example.com/validation",
         "record_ids": [system.id], "owner": "carol"}
    )  # fmt: skip
    ids["evidence"] = evidence.id
    ids["security_review"] = security_review(session, system.id, risk.id, store)
    for raised in risks.all(system_ids=system.id, status="identified"):  # the red-team failures, assessed
        raised = risks.transition(raised.id, raised.version, "assessed",
                                  {"method_id": method.id, "inherent_likelihood": 1, "inherent_impact": 2,
                                   "residual_likelihood": 1, "residual_impact": 2, "owner": "carol"})
        risks.transition(raised.id, raised.version, "accepted")
    for title in ("Credit scorer model card (technical documentation)", "Credit scorer event logging and log retention"):
        store.create({"title": title, "kind": "link", "url": "https://example.com/docs", "record_ids": [system.id],
                      "owner": "alice"})  # fmt: skip
    # the approved life-cycle change, implemented once its gates pass, moves the system into operation
    for data, approved_on, implemented_on in (
        ({"title": "Retrain model", "kind": "lifecycle", "system_id": system.id, "to_stage": "operation",
          "reason": "Drift", "impact_analysis": "Low"}, days(-25), days(-20)),
        ({"title": "New risk method", "kind": "aims", "reason": "Audit", "impact_analysis": "None"},
         days(-45), days(-40)),
    ):  # fmt: skip
        change = approve(session, ChangeService, ChangeService(session, ADMIN).create(data), approved_on)
        ChangeService(session, ADMIN).transition(change.id, change.version, "implemented",
                                                 {"implemented_on": implemented_on})  # fmt: skip
    soa = SoaService(session, ADMIN)
    for control in load_catalogue().framework("iso42001").of_kind("control"):
        soa.create({"control_id": control.id, "justification": "Needed for lending AI", "owner": "alice",
                    "evidence_ids": [evidence.id]}, status="implemented")  # fmt: skip
    objective = ObjectiveService(session, ADMIN).create(
        {"title": "Fair approvals", "metric": "approval gap", "target_value": 0.05, "direction": "at_most",
         "owner": "alice", "due_date": days(180)},
        status="active",
    )  # fmt: skip
    MeasurementService(session, ADMIN).create({"objective_id": objective.id, "measured_on": days(-5), "value": 0.04})
    ids["monitoring_plan"] = MonitoringPlanService(session, ADMIN).put_for_system(system.id, {
        "title": "Credit scorer monitoring", "owner": "alice", "schedule": "monthly",
        "metrics": [{"name": "latency_ms", "kind": "performance", "warning": 300, "breach": 800}],
    })[0].id  # fmt: skip
    push(session, ADMIN, system.id, "latency_ms", 120, at=dt.datetime.combine(days(-2), dt.time(9), tzinfo=dt.UTC))
    CommunicationService(session, ADMIN).create(
        {"topic": "AI policy and incidents", "audience": "All staff", "timing": "Quarterly", "channel": "Intranet",
         "communicator": "alice"},
        status="active",
    )  # fmt: skip
    ComponentService(session, ADMIN).create(
        {"kind": "dependency", "name": "xgboost", "fingerprint": "f1", "repository": "git.example.com/credit",
         "system_id": system.id},
        status="approved",
    )
    programme = AuditProgrammeService(session, ADMIN).create(
        {"title": "2026 audits", "period_start": days(-200), "period_end": days(165), "scope": "AIMS",
         "criteria": "ISO/IEC 42001"},
        status="approved",
    )  # fmt: skip
    audit = AuditService(session, ADMIN).create(
        {"programme_id": programme.id, "title": "AIMS audit", "processes": ["AI risk management"],
         "clauses": ["4", "5", "6", "7", "8", "9", "10"], "auditor": "bob", "performed_on": days(-40),
         "report": "Two minor findings"},
        status="completed",
    )  # fmt: skip
    ids["audit"] = audit.id
    FindingService(session, ADMIN).create({"audit_id": audit.id, "grade": "minor", "description": "Stale RACI"})
    reviews = ManagementReviewService(session, ADMIN)
    review = reviews.create({"title": "Q3 review", "decisions": ["Hire a data lead"]})
    prepare_review(session, ADMIN, review.id, today=days(-15))
    review = reviews.get(review.id)
    ids["review"] = reviews.transition(
        review.id, review.version, "held", {"held_on": days(-15), "chair": "dana", "attendees": ["alice", "carol"]}
    ).id
    ncs = NonconformityService(session, ADMIN)
    nc = ncs.create({"title": "RACI out of date", "owner": "alice", "due_date": days(30)})
    action = CorrectiveActionService(session, ADMIN).create(
        {"nonconformity_id": nc.id, "description": "Update RACI", "owner": "alice", "completed_on": days(-3),
         "verified_by": "carol", "verification_notes": "Checked", "effective": True},
        status="done",
    )  # fmt: skip
    approve(session, CorrectiveActionService, action, days(-2), "carol")
    current = nc
    for status, changes in (("analysing", {}), ("action_planned", {"root_cause": "No owner"}),
                            ("verifying", {}), ("closed", {})):  # fmt: skip
        current = ncs.update(nc.id, current.version, {"status": status, **changes})
    ids["nc"] = nc.id
    suppliers = SupplierService(session, ADMIN)
    supplier = suppliers.create({"name": "Model host"})
    assessment = SupplierAssessmentService(session, ADMIN).create(
        {"supplier_id": supplier.id, "assessed_on": days(-60), "assessor": "carol", "outcome": "acceptable",
         "next_review": days(300)},
    )  # fmt: skip
    SupplierAssessmentService(session, ADMIN).transition(assessment.id, assessment.version, "completed")
    suppliers.update(supplier.id, supplier.version, {"status": "approved"})
    ids["supplier"] = supplier.id
    return ids
