"""Register services: every business rule about records lives here.

Each record family has a module with pydantic input (``...Fields``) and output
(``...Out``) models and a service class built on :class:`RecordService`.
Services work on a SQLAlchemy session (one unit of work) on behalf of an
:class:`~openaims.register.actors.Actor`::

    with db.session() as session:
        risks = RiskService(session, actor)
        risk = risks.create({"title": "Chatbot gives harmful advice", "owner": "alice"})
        risks.update(risk.id, risk.version, {"inherent_likelihood": 3, "inherent_impact": 4,
                                             "status": "assessed"})

:func:`registry` maps record types to services; :func:`service_for_id` finds the
service of any id such as ``RISK-12``.

The package imports a service module only when one of its names is used, so a command
that needs accounts does not build every record family's models; :func:`registry` imports
them all (:data:`RECORD_SERVICE_MODULES`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openaims.register.services.audits import AuditProgrammeService, AuditService, FindingService
    from openaims.register.services.base import (
        Page,
        RecordFields,
        RecordOut,
        RecordService,
        registry,
        restore_order,
        service_for_id,
        service_for_prefix,
    )
    from openaims.register.services.changes import ChangeService
    from openaims.register.services.communication import CommunicationService
    from openaims.register.services.competence import CompetenceService, TrainingService
    from openaims.register.services.context import ContextIssueService, InterestedPartyService
    from openaims.register.services.documents import DocumentService, DocumentVersionService
    from openaims.register.services.evidence import EvidenceService
    from openaims.register.services.impact import ImpactAssessmentService
    from openaims.register.services.incidents import IncidentService
    from openaims.register.services.monitoring_plans import MonitoringPlanService
    from openaims.register.services.nonconformities import CorrectiveActionService, NonconformityService
    from openaims.register.services.objectives import MeasurementService, ObjectiveService
    from openaims.register.services.people import PersonService, RaciService, RoleService
    from openaims.register.services.policy_exceptions import PolicyExceptionService
    from openaims.register.services.reviews import ManagementReviewService, ReviewActionService
    from openaims.register.services.risks import RiskMethodService, RiskService, TreatmentService
    from openaims.register.services.scope import ScopeService
    from openaims.register.services.security_reviews import SecurityReviewService
    from openaims.register.services.soa import SoaService
    from openaims.register.services.soa_versions import SoaVersionService
    from openaims.register.services.suppliers import SupplierAssessmentService, SupplierService
    from openaims.register.services.systems import ComponentService, DatasetService, SystemService

#: Name -> the module of this package that defines it.
_EXPORTS: dict[str, str] = {
    "AuditProgrammeService": "audits",
    "AuditService": "audits",
    "ChangeService": "changes",
    "CommunicationService": "communication",
    "CompetenceService": "competence",
    "ComponentService": "systems",
    "ContextIssueService": "context",
    "CorrectiveActionService": "nonconformities",
    "DatasetService": "systems",
    "DocumentService": "documents",
    "DocumentVersionService": "documents",
    "EvidenceService": "evidence",
    "FindingService": "audits",
    "ImpactAssessmentService": "impact",
    "IncidentService": "incidents",
    "InterestedPartyService": "context",
    "ManagementReviewService": "reviews",
    "MeasurementService": "objectives",
    "MonitoringPlanService": "monitoring_plans",
    "NonconformityService": "nonconformities",
    "ObjectiveService": "objectives",
    "Page": "base",
    "PersonService": "people",
    "PolicyExceptionService": "policy_exceptions",
    "RaciService": "people",
    "RecordFields": "base",
    "RecordOut": "base",
    "RecordService": "base",
    "ReviewActionService": "reviews",
    "RiskMethodService": "risks",
    "RiskService": "risks",
    "RoleService": "people",
    "ScopeService": "scope",
    "SecurityReviewService": "security_reviews",
    "SoaService": "soa",
    "SoaVersionService": "soa_versions",
    "SupplierAssessmentService": "suppliers",
    "SupplierService": "suppliers",
    "SystemService": "systems",
    "TrainingService": "competence",
    "TreatmentService": "risks",
    "registry": "base",
    "restore_order": "base",
    "service_for_id": "base",
    "service_for_prefix": "base",
}

#: Every module that defines record services (importing them fills :func:`registry`).
RECORD_SERVICE_MODULES: tuple[str, ...] = (
    "audits",
    "changes",
    "communication",
    "competence",
    "context",
    "documents",
    "evidence",
    "impact",
    "incidents",
    "monitoring_plans",
    "nonconformities",
    "objectives",
    "people",
    "policy_exceptions",
    "reviews",
    "risks",
    "scope",
    "security_reviews",
    "soa",
    "soa_versions",
    "suppliers",
    "systems",
)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "AuditProgrammeService",
    "AuditService",
    "ChangeService",
    "CommunicationService",
    "CompetenceService",
    "ComponentService",
    "ContextIssueService",
    "CorrectiveActionService",
    "DatasetService",
    "DocumentService",
    "DocumentVersionService",
    "EvidenceService",
    "FindingService",
    "ImpactAssessmentService",
    "IncidentService",
    "InterestedPartyService",
    "ManagementReviewService",
    "MeasurementService",
    "MonitoringPlanService",
    "NonconformityService",
    "ObjectiveService",
    "Page",
    "PersonService",
    "PolicyExceptionService",
    "RaciService",
    "RecordFields",
    "RecordOut",
    "RecordService",
    "ReviewActionService",
    "RiskMethodService",
    "RiskService",
    "RoleService",
    "ScopeService",
    "SecurityReviewService",
    "SoaService",
    "SoaVersionService",
    "SupplierAssessmentService",
    "SupplierService",
    "SystemService",
    "TrainingService",
    "TreatmentService",
    "registry",
    "restore_order",
    "service_for_id",
    "service_for_prefix",
]
