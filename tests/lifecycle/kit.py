"""A system that meets every default criterion for deployment, and ways to take each one away."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openaims.frameworks.euaiact.classifier import classify
from openaims.register.actors import Actor, Role
from openaims.register.services import (
    ChangeService,
    EvidenceService,
    ImpactAssessmentService,
    RiskService,
    SystemService,
    TreatmentService,
)
from openaims.register.services.classification import store_classification

ADMIN = Actor("admin")
ALICE = Actor("alice")
CAROL = Actor("carol", frozenset({Role.CONTRIBUTOR}))
AREAS = ("fairness", "privacy", "safety", "human_rights", "environment", "society")
#: A bought coding assistant its engineers use: deployer only, no high-risk use.
ANSWERS: dict[str, Any] = {
    "subject": "system", "role.provider": False, "role.deployer": True, "role.importer": False,
    "role.distributor": False, "role.authorised_representative": False, "role.modifies_high_risk": False,
    "prohibited.practices": "none", "annex_i.legislation": "none", "annex_iii.points": "none",
    "transparency.interacts_with_people": True, "transparency.obvious_ai": True,
    "transparency.synthetic_content": True, "transparency.assistive_editing": False,
    "transparency.on_market_before_2026_08_02": True, "transparency.public_interest_text": False,
    "transparency.emotion_or_biometric_categorisation": False, "transparency.deep_fake": False,
}  # fmt: skip


def evidence_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="aims-gates-"))
    return path


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def new_system(session: Session, stage: str = "verification", name: str = "Coding assistant") -> Any:
    return SystemService(session, ADMIN).create(
        {"name": name, "owner": "alice", "purpose": "Help engineers write code",
         "intended_use": "Engineers on internal repositories", "lifecycle_stage": stage}
    )  # fmt: skip


def classify_system(session: Session, system_id: str) -> None:
    store_classification(SystemService(session, ADMIN), system_id, classify(ANSWERS, today=dt.date(2026, 5, 4)))


def approved_assessment(session: Session, system_id: str, *, next_review: dt.date | None = None) -> Any:
    service = ImpactAssessmentService(session, ADMIN)
    record = service.create(
        {"system_id": system_id, "title": "Coding assistant impact", "affected_groups": ["engineers"],
         "areas": {a: {"severity": 2, "likelihood": 2} for a in AREAS}, "assessor": "carol", "reviewer": "alice"}
    )  # fmt: skip
    record = service.transition(record.id, record.version, "in_review")
    review = next_review or dt.date.today() + dt.timedelta(days=300)
    return ImpactAssessmentService(session, ALICE).approve_record(record.id, record.version, {"next_review": review})


def low_risk(session: Session, system_id: str) -> Any:
    return RiskService(session, ADMIN).create(
        {"title": "Generated code leaks secrets", "system_ids": [system_id], "inherent_likelihood": 1,
         "inherent_impact": 2, "owner": "alice"},
        status="assessed",
    )  # fmt: skip


def high_risk(session: Session, system_id: str) -> Any:
    """A risk rated critical (above the default appetite 'medium')."""
    return RiskService(session, ADMIN).create(
        {"title": "Licence-infringing suggestions", "system_ids": [system_id], "inherent_likelihood": 5,
         "inherent_impact": 5, "owner": "alice"},
        status="assessed",
    )  # fmt: skip


def treat(session: Session, risk: Any, *, residual: tuple[int, int]) -> Any:
    TreatmentService(session, ADMIN).create(
        {"risk_id": risk.id, "description": "Public-code filter", "owner": "alice", "control_ids": ["A.6.2.4"]}
    )  # fmt: skip
    return RiskService(session, ADMIN).update(
        risk.id, risk.version,
        {"status": "treated", "residual_likelihood": residual[0], "residual_impact": residual[1]},
    )  # fmt: skip


def accept(session: Session, risk: Any) -> Any:
    """An AIMS manager approves accepting the residual risk; the risk is accepted."""
    treatment = TreatmentService(session, ADMIN).create(
        {"risk_id": risk.id, "option": "accept", "rationale": "Filter on; residual tolerated for 6 months",
         "owner": "alice"}
    )  # fmt: skip
    TreatmentService(session, ADMIN).approve_record(treatment.id, treatment.version)
    risk = RiskService(session, ADMIN).get(risk.id)
    return RiskService(session, ADMIN).update(risk.id, risk.version, {"status": "accepted"})


def attach_evidence(session: Session, folder: Path, system_id: str) -> Any:
    return EvidenceService(session, ADMIN, evidence_dir=folder).add_link(
        "https://example.com/validation-report", title="Validation report", record_ids=[system_id]
    )


def approved_change(session: Session, system_id: str, to_stage: str = "deployment") -> Any:
    change = ChangeService(session, ALICE).create(
        {"title": f"To {to_stage}", "kind": "lifecycle", "system_id": system_id, "to_stage": to_stage,
         "reason": "Validated", "impact_analysis": "See the impact assessment"}
    )  # fmt: skip
    return ChangeService(session, ADMIN).approve_record(change.id, change.version)


def ready_for_deployment(session: Session, folder: Path) -> Any:
    """A system in verification that meets every default criterion of deployment."""
    system = new_system(session)
    classify_system(session, system.id)
    approved_assessment(session, system.id)
    low_risk(session, system.id)
    attach_evidence(session, folder, system.id)
    approved_change(session, system.id)
    security_review(session, system.id)
    return SystemService(session, ADMIN).get(system.id)


def security_review(session: Session, system_id: str) -> str:
    """A completed AI security review of the system: every applicable threat's gap accepted."""
    from openaims.register.services.security_reviews import SecurityReviewService
    from openaims.register.threat_model import Answers

    service = SecurityReviewService(session, ADMIN)
    review = service.start(system_id, Answers(untrusted_input=False, acts_externally=False, data=(),
                                              output=None, other_agents=False))  # fmt: skip
    for entry in review.undecided():
        service.decide(review.id, entry.key, accept=True, rationale="Internal use only")
    return service.complete(review.id).id
