"""AI system impact assessments [6.1.4, 8.4, A.5].

Every impact area (fairness, privacy, safety, human rights, environment, society)
is rated for severity and likelihood before review. The reviewer must be someone
other than the assessor. Approving an assessment supersedes the system's previous one.
"""

from __future__ import annotations

import datetime as dt
import enum

from pydantic import BaseModel, ConfigDict

from openaims.register.approvals import ApprovalPoint, Duty
from openaims.register.models.impact import ImpactAssessment
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require, today
from openaims.register.services.types import Level, RecordId, Short, Text, Title, closed


class ImpactArea(enum.StrEnum):
    FAIRNESS = "fairness"
    PRIVACY = "privacy"
    SAFETY = "safety"
    HUMAN_RIGHTS = "human_rights"
    ENVIRONMENT = "environment"
    SOCIETY = "society"


class AreaAssessment(BaseModel):
    """Severity and likelihood of the impact in one area (1 = lowest, 5 = highest)."""

    model_config = ConfigDict(extra="forbid")

    severity: Level
    likelihood: Level
    description: Text = None


class ImpactAssessmentFields(RecordFields):
    """Who is affected (incl. vulnerable groups), impact per area, mitigations, review, triggers."""

    system_id: RecordId
    title: Title
    affected_groups: list[str] = []
    vulnerable_groups: list[str] = []
    areas: dict[ImpactArea, AreaAssessment] = {}
    mitigations: Text = None
    assessor: Short = None
    reviewer: Short = None
    assessed_on: dt.date | None = None
    next_review: dt.date | None = None
    reassessment_triggers: list[str] = []


class ImpactAssessmentOut(ImpactAssessmentFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class ImpactAssessmentService(RecordService[ImpactAssessmentFields, ImpactAssessmentOut]):
    model = ImpactAssessment
    fields = ImpactAssessmentFields
    out = ImpactAssessmentOut
    initial_status = "draft"
    transitions = closed(
        ("draft", ("in_review",)), ("in_review", ("draft", "approved")), ("approved", ("superseded",))
    )
    required = {
        "in_review": ("affected_groups", "areas", "assessor"),
        "approved": ("affected_groups", "areas", "assessor", "reviewer", "assessed_on", "next_review"),
    }
    references = {"system_id": "SYS"}
    owner_fields = ("assessor", "reviewer")
    frozen_statuses = frozenset({"approved", "superseded"})
    search_fields = ("title", "mitigations")
    approval = ApprovalPoint(
        "approved", "approved", by_field="reviewer", request_field="reviewer",
        duties=(Duty("assessor is not reviewer", "assessor", ("assessor",)),),
    )  # fmt: skip

    def prepare(
        self, record_id: str, before: ImpactAssessmentOut | None, fields: ImpactAssessmentFields, status: str
    ) -> ImpactAssessmentFields:
        if before is None and fields.assessor is None:
            fields = fields.model_copy(update={"assessor": self.actor.name})
        if status == "approved" and fields.assessed_on is None:
            fields = fields.model_copy(update={"assessed_on": today()})
        return fields

    def check(
        self, record_id: str, before: ImpactAssessmentOut | None, fields: ImpactAssessmentFields, status: str
    ) -> None:
        if status in ("in_review", "approved"):
            missing = [a.value for a in ImpactArea if a not in fields.areas]
            require(
                not missing,
                f"{record_id} cannot be {status!r} until every area is rated; missing: " + ", ".join(missing),
            )
        if status == "approved":
            require(
                not self.same_person(fields.reviewer, fields.assessor),
                f"{record_id}: the reviewer must be someone other than the assessor ({fields.assessor})",
            )

    def after_write(self, before: ImpactAssessmentOut | None, after: ImpactAssessmentOut) -> None:
        if after.status == "approved" and (before is None or before.status != "approved"):
            for other in self.all(system_id=after.system_id, status="approved"):
                if other.id != after.id:
                    self.transition(other.id, other.version, "superseded")

    def current(self, system_id: str) -> ImpactAssessmentOut | None:
        """The approved assessment in force for a system."""
        approved = self.all(system_id=system_id, status="approved")
        return approved[-1] if approved else None
