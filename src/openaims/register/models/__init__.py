"""SQLAlchemy models of the register, one module per record family.

A model module is imported when one of its names is used, so a command that reads
accounts does not map every record table. :func:`load_all` imports them all; using
:data:`Base`, :data:`Record` or :data:`RECORD_MODELS` from this package does so first, so
``Base.metadata`` then holds every table, and every flush loads them all before it
orders its rows by foreign keys.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openaims.register.models.accounts import Account, ApiToken, SignInFailure, WebSession
    from openaims.register.models.audits import Audit, AuditProgramme, Finding
    from openaims.register.models.base import Base, Record
    from openaims.register.models.changes import Change
    from openaims.register.models.communication import Communication
    from openaims.register.models.competence import CompetenceRequirement, TrainingRecord
    from openaims.register.models.context import ContextIssue, InterestedParty
    from openaims.register.models.documents import Document, DocumentVersion
    from openaims.register.models.evidence import Evidence
    from openaims.register.models.impact import ImpactAssessment
    from openaims.register.models.incidents import Incident
    from openaims.register.models.internal import HistoryEvent, HistoryHead, IdCounter
    from openaims.register.models.monitoring import MonitoringPlan, MonitoringResult
    from openaims.register.models.nonconformities import CorrectiveAction, Nonconformity
    from openaims.register.models.objectives import Measurement, Objective
    from openaims.register.models.org import CheckResult, OrgJob, OrgRepository, OrgRun, OrgSource, PolicyViolation
    from openaims.register.models.people import Person, RaciEntry, Role
    from openaims.register.models.policy_exceptions import PolicyExceptionRecord
    from openaims.register.models.readiness import ReadinessRun
    from openaims.register.models.reviews import ManagementReview, ReviewAction
    from openaims.register.models.risks import Risk, RiskMethod, Treatment
    from openaims.register.models.scope import Scope
    from openaims.register.models.security_reviews import SecurityReview
    from openaims.register.models.soa import SoaEntry
    from openaims.register.models.soa_versions import SoaVersion
    from openaims.register.models.suppliers import Supplier, SupplierAssessment
    from openaims.register.models.systems import AISystem, Component, Dataset

    #: Every record model, in a stable order.
    RECORD_MODELS: tuple[type[Record], ...]

#: Name -> the module of this package that defines it.
_EXPORTS: dict[str, str] = {
    "AISystem": "systems",
    "Account": "accounts",
    "ApiToken": "accounts",
    "Audit": "audits",
    "AuditProgramme": "audits",
    "Base": "base",
    "Change": "changes",
    "CheckResult": "org",
    "Communication": "communication",
    "CompetenceRequirement": "competence",
    "Component": "systems",
    "ContextIssue": "context",
    "CorrectiveAction": "nonconformities",
    "Dataset": "systems",
    "Document": "documents",
    "DocumentVersion": "documents",
    "Evidence": "evidence",
    "Finding": "audits",
    "HistoryEvent": "internal",
    "HistoryHead": "internal",
    "IdCounter": "internal",
    "ImpactAssessment": "impact",
    "Incident": "incidents",
    "InterestedParty": "context",
    "ManagementReview": "reviews",
    "ReviewAction": "reviews",
    "Measurement": "objectives",
    "MonitoringPlan": "monitoring",
    "MonitoringResult": "monitoring",
    "Nonconformity": "nonconformities",
    "Objective": "objectives",
    "OrgJob": "org",
    "OrgRepository": "org",
    "OrgRun": "org",
    "OrgSource": "org",
    "Person": "people",
    "PolicyExceptionRecord": "policy_exceptions",
    "PolicyViolation": "org",
    "RaciEntry": "people",
    "ReadinessRun": "readiness",
    "Record": "base",
    "Risk": "risks",
    "RiskMethod": "risks",
    "Role": "people",
    "Scope": "scope",
    "SecurityReview": "security_reviews",
    "SignInFailure": "accounts",
    "SoaEntry": "soa",
    "SoaVersion": "soa_versions",
    "Supplier": "suppliers",
    "SupplierAssessment": "suppliers",
    "TrainingRecord": "competence",
    "Treatment": "risks",
    "WebSession": "accounts",
}

#: Every model module.
MODEL_MODULES: tuple[str, ...] = (
    "accounts",
    "audits",
    "changes",
    "communication",
    "competence",
    "context",
    "documents",
    "evidence",
    "impact",
    "incidents",
    "internal",
    "monitoring",
    "nonconformities",
    "objectives",
    "org",
    "people",
    "policy_exceptions",
    "readiness",
    "reviews",
    "risks",
    "scope",
    "security_reviews",
    "soa",
    "soa_versions",
    "suppliers",
    "systems",
)

#: Record model names in a stable order (:data:`RECORD_MODELS`).
_RECORD_ORDER: tuple[str, ...] = (
    "ContextIssue",
    "InterestedParty",
    "Scope",
    "Person",
    "Role",
    "RaciEntry",
    "CompetenceRequirement",
    "TrainingRecord",
    "Communication",
    "Document",
    "DocumentVersion",
    "AISystem",
    "Component",
    "Dataset",
    "Supplier",
    "SupplierAssessment",
    "RiskMethod",
    "Risk",
    "Treatment",
    "ImpactAssessment",
    "SecurityReview",
    "SoaEntry",
    "SoaVersion",
    "Objective",
    "Measurement",
    "MonitoringPlan",
    "Change",
    "Incident",
    "Nonconformity",
    "CorrectiveAction",
    "AuditProgramme",
    "Audit",
    "Finding",
    "ManagementReview",
    "ReviewAction",
    "Evidence",
    "PolicyExceptionRecord",
)


def load_all() -> None:
    """Import every model module: every table is then on ``Base.metadata``."""
    for module in MODEL_MODULES:
        importlib.import_module(f"{__name__}.{module}")


def __getattr__(name: str) -> Any:
    if name == "RECORD_MODELS":
        load_all()
        return tuple(__getattr__(n) for n in _RECORD_ORDER)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if module == "base":
        load_all()
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "RECORD_MODELS",
    "AISystem",
    "Account",
    "ApiToken",
    "Audit",
    "AuditProgramme",
    "Base",
    "Change",
    "CheckResult",
    "Communication",
    "CompetenceRequirement",
    "Component",
    "ContextIssue",
    "CorrectiveAction",
    "Dataset",
    "Document",
    "DocumentVersion",
    "Evidence",
    "Finding",
    "HistoryEvent",
    "HistoryHead",
    "IdCounter",
    "ImpactAssessment",
    "Incident",
    "InterestedParty",
    "ManagementReview",
    "Measurement",
    "MonitoringPlan",
    "MonitoringResult",
    "Nonconformity",
    "Objective",
    "OrgJob",
    "OrgRepository",
    "OrgRun",
    "OrgSource",
    "Person",
    "PolicyExceptionRecord",
    "PolicyViolation",
    "RaciEntry",
    "ReadinessRun",
    "Record",
    "ReviewAction",
    "Risk",
    "RiskMethod",
    "Role",
    "Scope",
    "SecurityReview",
    "SignInFailure",
    "SoaEntry",
    "SoaVersion",
    "Supplier",
    "SupplierAssessment",
    "TrainingRecord",
    "Treatment",
    "WebSession",
]
