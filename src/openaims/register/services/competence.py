"""Competence requirements and training records [7.2, 7.3]."""

from __future__ import annotations

import datetime as dt

from openaims.register.models.competence import CompetenceRequirement, TrainingRecord
from openaims.register.services.base import RecordFields, RecordOut, RecordService
from openaims.register.services.types import RecordId, Short, Text, Title, closed


class CompetenceFields(RecordFields):
    """A competence a role needs and the evidence that shows it [7.2]."""

    title: Title
    role_id: RecordId | None = None
    description: Text = None
    evidence_required: Text = None
    owner: Short = None


class CompetenceOut(CompetenceFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class CompetenceService(RecordService[CompetenceFields, CompetenceOut]):
    model = CompetenceRequirement
    fields = CompetenceFields
    out = CompetenceOut
    initial_status = "active"
    transitions = closed(("active", ("retired",)), ("retired", ("active",)))
    references = {"role_id": "ROLE"}


class TrainingFields(RecordFields):
    """Training or another action a person took to become competent [7.2 c, 7.3]."""

    person_id: RecordId
    title: Title
    provider: Short = None
    requirement_ids: list[RecordId] = []
    completed_on: dt.date | None = None
    expires_on: dt.date | None = None
    result: Text = None


class TrainingOut(TrainingFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class TrainingService(RecordService[TrainingFields, TrainingOut]):
    """The trainee counts as the record's assignee."""

    model = TrainingRecord
    fields = TrainingFields
    out = TrainingOut
    initial_status = "planned"
    transitions = closed(
        ("planned", ("completed", "cancelled")), ("completed", ("expired",)), ("cancelled", ("planned",))
    )
    required = {"completed": ("completed_on",), "expired": ("completed_on",)}
    references = {"person_id": "USER", "requirement_ids": "SKILL"}
    owner_fields = ("person_id",)

    def check(self, record_id: str, before: TrainingOut | None, fields: TrainingFields, status: str) -> None:
        if fields.completed_on and fields.expires_on:
            self.invalid_unless(
                fields.expires_on > fields.completed_on,
                "expires_on",
                f"must be after the completion date {fields.completed_on}",
            )
