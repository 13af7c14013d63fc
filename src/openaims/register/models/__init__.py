"""SQLAlchemy models of the register, one module per record family.

Importing this package registers every table on :data:`Base.metadata`.
"""

from __future__ import annotations

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
from openaims.register.models.nonconformities import CorrectiveAction, Nonconformity
from openaims.register.models.objectives import Measurement, Objective
from openaims.register.models.org import CheckResult, OrgJob, OrgRepository, OrgRun, OrgSource, PolicyViolation
from openaims.register.models.people import Person, RaciEntry, Role
from openaims.register.models.policy_exceptions import PolicyExceptionRecord
from openaims.register.models.readiness import ReadinessRun
from openaims.register.models.reviews import ManagementReview
from openaims.register.models.risks import Risk, RiskMethod, Treatment
from openaims.register.models.scope import Scope
from openaims.register.models.soa import SoaEntry
from openaims.register.models.soa_versions import SoaVersion
from openaims.register.models.suppliers import Supplier, SupplierAssessment
from openaims.register.models.systems import AISystem, Component, Dataset

#: Every record model, in a stable order.
RECORD_MODELS: tuple[type[Record], ...] = (
    ContextIssue,
    InterestedParty,
    Scope,
    Person,
    Role,
    RaciEntry,
    CompetenceRequirement,
    TrainingRecord,
    Communication,
    Document,
    DocumentVersion,
    AISystem,
    Component,
    Dataset,
    Supplier,
    SupplierAssessment,
    RiskMethod,
    Risk,
    Treatment,
    ImpactAssessment,
    SoaEntry,
    SoaVersion,
    Objective,
    Measurement,
    Change,
    Incident,
    Nonconformity,
    CorrectiveAction,
    AuditProgramme,
    Audit,
    Finding,
    ManagementReview,
    Evidence,
    PolicyExceptionRecord,
)

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
    "Risk",
    "RiskMethod",
    "Role",
    "Scope",
    "SignInFailure",
    "SoaEntry",
    "SoaVersion",
    "Supplier",
    "SupplierAssessment",
    "TrainingRecord",
    "Treatment",
    "WebSession",
]
