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
"""

from __future__ import annotations

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
from openaims.register.services.nonconformities import CorrectiveActionService, NonconformityService
from openaims.register.services.objectives import MeasurementService, ObjectiveService
from openaims.register.services.people import PersonService, RaciService, RoleService
from openaims.register.services.policy_exceptions import PolicyExceptionService
from openaims.register.services.reviews import ManagementReviewService
from openaims.register.services.risks import RiskMethodService, RiskService, TreatmentService
from openaims.register.services.scope import ScopeService
from openaims.register.services.soa import SoaService
from openaims.register.services.soa_versions import SoaVersionService
from openaims.register.services.suppliers import SupplierAssessmentService, SupplierService
from openaims.register.services.systems import ComponentService, DatasetService, SystemService

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
    "NonconformityService",
    "ObjectiveService",
    "Page",
    "PersonService",
    "PolicyExceptionService",
    "RaciService",
    "RecordFields",
    "RecordOut",
    "RecordService",
    "RiskMethodService",
    "RiskService",
    "RoleService",
    "ScopeService",
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
