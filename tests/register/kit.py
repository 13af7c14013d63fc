"""Sample records for every record type, shared by the register tests.

Each :class:`Case` knows how to build valid input (creating what it refers to),
one field change, one allowed status change with the fields it requires, and a
status change the rules refuse.
"""

from __future__ import annotations

import atexit
import datetime as dt
import itertools
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.services import (
    AuditProgrammeService,
    AuditService,
    DocumentService,
    EvidenceService,
    NonconformityService,
    ObjectiveService,
    PersonService,
    RecordService,
    RiskMethodService,
    RiskService,
    RoleService,
    SupplierService,
    SystemService,
    registry,
)
from openaims.register.services.impact import ImpactArea
from openaims.register.services.reviews import ManagementReviewService

ADMIN = Actor("admin")
EVIDENCE_DIR = Path(tempfile.mkdtemp(prefix="aims-evd-"))
atexit.register(shutil.rmtree, EVIDENCE_DIR, ignore_errors=True)
_COUNTER = itertools.count(1)
TODAY = dt.date(2026, 5, 4)


def svc(session: Session, cls: type[RecordService[Any, Any]], actor: Actor = ADMIN) -> RecordService[Any, Any]:
    if cls is EvidenceService:
        return EvidenceService(session, actor, evidence_dir=EVIDENCE_DIR)
    return cls(session, actor)


def system(session: Session, name: str = "Support chatbot") -> str:
    return str(
        svc(session, SystemService)
        .create({"name": name, "owner": "alice", "purpose": "Answer customers", "intended_use": "Support"})
        .id
    )


def person(session: Session, username: str | None = None) -> str:
    username = username or f"user{next(_COUNTER)}"
    return str(svc(session, PersonService).create({"name": username.title(), "username": username}).id)


def risk(session: Session) -> str:
    return str(svc(session, RiskService).create({"title": "Harmful advice", "owner": "alice"}).id)


def nonconformity(session: Session) -> str:
    return str(svc(session, NonconformityService).create({"title": "Missed review", "owner": "alice"}).id)


def all_areas() -> dict[str, Any]:
    return {a.value: {"severity": 2, "likelihood": 2} for a in ImpactArea}


@dataclass
class Case:
    record_type: str
    make: Callable[[Session], dict[str, Any]]
    change: dict[str, Any]
    to_status: str
    with_fields: Callable[[Session, str], dict[str, Any]] = lambda s, rid: {}
    refused_status: str | None = None
    created_status: str | None = None

    @property
    def service(self) -> type[RecordService[Any, Any]]:
        return registry()[self.record_type]


CASES: list[Case] = [
    Case("context_issue", lambda s: {"title": "New AI regulation", "kind": "external"}, {"effect": "More duties"},
         "monitored", refused_status=None),
    Case("interested_party", lambda s: {"name": "Customers", "requirements": [{"requirement": "Explanations"}]},
         {"description": "End users"}, "inactive"),
    Case("scope", lambda s: {"title": "AIMS scope", "included_system_ids": [system(s)]}, {"units": ["Support"]},
         "approved", lambda s, rid: {"statement": "All customer-facing AI"}, "superseded"),
    Case("person", lambda s: {"name": "Bob", "username": "bob"}, {"email": "bob@example.org"}, "inactive"),
    Case("role", lambda s: {"name": "AI risk owner", "holder_ids": [person(s)]}, {"authorities": "Accept risk"},
         "retired"),
    Case("raci", lambda s: {"process": "Risk assessment", "accountable": "alice"}, {"informed": ["board"]},
         "retired"),
    Case("competence", lambda s: {"title": "AI risk assessment", "owner": "alice"}, {"description": "Method"},
         "retired"),
    Case("training", lambda s: {"person_id": person(s), "title": "AI Act basics"}, {"provider": "Academy"},
         "completed", lambda s, rid: {"completed_on": TODAY}, "expired"),
    Case("communication", lambda s: {"topic": "AI policy", "audience": "All staff"}, {"purpose": "Awareness"},
         "active", lambda s, rid: {"timing": "yearly", "channel": "intranet", "communicator": "CISO"}),
    Case("document", lambda s: {"title": "AI policy", "kind": "policy", "owner": "alice"}, {"description": "Top"},
         "obsolete"),
    Case("document_version",
         lambda s: {"document_id": str(svc(s, DocumentService).create({"title": "AI policy"}).id), "content": "v1"},
         {"change_summary": "First"}, "in_review", refused_status="approved"),
    Case("system", lambda s: {"name": "Credit scoring", "owner": "alice", "purpose": "Score", "intended_use": "Loans"},
         {"risk_tier": "high"}, "retired", created_status="active"),
    Case("component",
         lambda s: {"kind": "dependency", "name": "openai", "ecosystem": "pypi", "provider": "openai",
                    "fingerprint": "f" * 16, "repository": "git@example.org:support-bot.git"},
         {"review_note": "Checked"}, "approved"),
    Case("dataset", lambda s: {"name": "Support tickets 2025", "owner": "alice"}, {"known_bias": "English only"},
         "retired"),
    Case("supplier", lambda s: {"name": "Hosted LLM Inc", "owner": "alice"}, {"criticality": "high"}, "retired",
         refused_status="approved"),
    Case("supplier_assessment",
         lambda s: {"supplier_id": str(svc(s, SupplierService).create({"name": "Hosted LLM Inc"}).id)},
         {"scope": "Data handling"}, "completed",
         lambda s, rid: {"assessed_on": TODAY, "assessor": "alice", "outcome": "acceptable"}, "superseded"),
    Case("risk_method", lambda s: {"name": "Custom 3x3", "likelihood_levels": ["l", "m", "h"],
                                   "impact_levels": ["l", "m", "h"], "rating_levels": ["low", "high"],
                                   "matrix": [["low", "low", "high"], ["low", "high", "high"], ["high"] * 3],
                                   "appetite": "low"},
         {"description": "Small"}, "approved", refused_status="retired"),
    Case("risk", lambda s: {"title": "Hallucinated policy answers", "owner": "alice", "system_ids": [system(s)]},
         {"description": "Wrong refunds"}, "assessed",
         lambda s, rid: {"inherent_likelihood": 4, "inherent_impact": 4}, "treated"),
    Case("treatment", lambda s: {"risk_id": risk(s), "option": "mitigate", "control_ids": ["A.6.2.4"]},
         {"description": "Guardrails"}, "in_progress", lambda s, rid: {"owner": "alice"}, "verified"),
    Case("impact_assessment", lambda s: {"system_id": system(s), "title": "Chatbot AIIA", "assessor": "alice"},
         {"mitigations": "Human handover"}, "in_review",
         lambda s, rid: {"affected_groups": ["customers"], "areas": all_areas()}, "approved"),
    Case("security_review", lambda s: {"system_id": system(s), "title": "Chatbot security review"},
         {"summary": "Prompt injection is the main exposure"}, "completed", refused_status="superseded"),
    Case("soa_entry", lambda s: {"control_id": f"A.6.2.{next(_COUNTER) % 7 + 2}", "justification": "We build models"},
         {"notes": "Test plans"}, "implemented", refused_status="excluded"),
    Case("objective", lambda s: {"title": "Answer accuracy", "owner": "alice"}, {"unit": "%"}, "active",
         lambda s, rid: {"metric": "accuracy", "target_value": 95, "due_date": TODAY}, "achieved"),
    Case("measurement",
         lambda s: {"objective_id": str(svc(s, ObjectiveService).create({"title": "Accuracy"}).id),
                    "measured_on": TODAY, "value": 93.5},
         {"note": "Monthly sample"}, "voided"),
    Case("change", lambda s: {"title": "Add a second model", "kind": "aims"}, {"reason": "Resilience"},
         "approved", lambda s, rid: {"reason": "Resilience", "impact_analysis": "Low"},
         "implemented"),
    Case("incident", lambda s: {"title": "Chatbot leaked an address", "severity": "high", "owner": "alice"},
         {"category": "privacy"}, "investigating", refused_status="contained"),
    Case("nonconformity", lambda s: {"title": "Risk review overdue", "source": "audit", "owner": "alice"},
         {"containment": "Review now"}, "analysing", refused_status="closed"),
    Case("corrective_action", lambda s: {"nonconformity_id": nonconformity(s), "description": "Calendar reminder"},
         {"due_date": TODAY}, "in_progress", lambda s, rid: {"owner": "alice", "due_date": TODAY}, "verified"),
    Case("audit_programme", lambda s: {"title": "2026 audits"}, {"objectives": "Cover all clauses"}, "approved",
         lambda s, rid: {"period_start": TODAY, "period_end": TODAY + dt.timedelta(days=365),
                         "scope": "AIMS", "criteria": "ISO/IEC 42001"}, "completed"),
    Case("audit", lambda s: {"title": "Clause 6 audit", "auditor": "carol"}, {"clauses": ["6.1.2"]},
         "in_progress", lambda s, rid: {"processes": ["Risk assessment"]}, "completed"),
    Case("finding",
         lambda s: {"audit_id": str(svc(s, AuditService).create({"title": "A", "auditor": "carol"}).id),
                    "grade": "minor", "description": "No review date"},
         {"clause_ref": "7.5.2"}, "closed", lambda s, rid: {"nonconformity_id": nonconformity(s)}),
    # held only once its inputs are compiled: tests/register/test_review_inputs.py
    Case("management_review", lambda s: {"title": "2026 management review"}, {"summary": "Annual"}, "cancelled"),
    Case("review_action",
         lambda s: {"review_id": svc(s, ManagementReviewService).create({"title": "Review"}).id,
                    "description": "Retrain the scorer", "owner": "alice", "due_date": TODAY},
         {"outcome": "Started"}, "done"),
    Case("evidence", lambda s: {"title": "Test report", "kind": "link", "url": "https://example.org/report"},
         {"description": "Q1"}, "withdrawn"),
    Case("monitoring_plan",
         lambda s: {"title": "Support chatbot monitoring", "system_id": system(s), "owner": "alice",
                    "metrics": [{"name": "refusal_rate", "kind": "performance", "breach": 0.2}]},
         {"schedule": "weekly"}, "suspended"),
    Case("policy_exception",
         lambda s: {"match": "pypi:torch", "owner": "ml-platform", "reason": "Training pilot",
                    "expires": dt.date.today() + dt.timedelta(days=60), "repositories": ["acme/ml-*"]},
         {"reason": "Training pilot, reviewed"}, "revoked"),
]

CASES_BY_TYPE = {c.record_type: c for c in CASES}

#: Record types made only by a workflow of their own, tested with it (type -> where).
COVERED_ELSEWHERE: dict[str, str] = {
    "soa_version": "made by approving the SoA (SoaVersionService.approve); tests/reports/test_soa_versions.py",
}

__all__ = ["ADMIN", "CASES", "CASES_BY_TYPE", "COVERED_ELSEWHERE", "TODAY", "AuditProgrammeService", "RiskMethodService",
           "RoleService", "svc"]
