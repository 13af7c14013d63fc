"""Internal audit programme, audits and findings [9.2].

Independence: an auditor may not audit an AIMS process they are accountable or
responsible for in the RACI, nor a process whose audit they own.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from openaims.register.models.audits import Audit, AuditProgramme, Finding
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.people import RaciService
from openaims.register.services.types import RecordId, RequiredText, Short, Text, Title, closed


class AuditProgrammeFields(RecordFields):
    """The audit programme for a period: objectives, scope, criteria [9.2.2]."""

    title: Title
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    objectives: Text = None
    scope: Text = None
    criteria: Text = None
    owner: Short = None


class AuditProgrammeOut(AuditProgrammeFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class AuditProgrammeService(RecordService[AuditProgrammeFields, AuditProgrammeOut]):
    model = AuditProgramme
    fields = AuditProgrammeFields
    out = AuditProgrammeOut
    initial_status = "draft"
    transitions = closed(("draft", ("approved",)), ("approved", ("completed", "draft")))
    required = {"approved": ("period_start", "period_end", "scope", "criteria")}
    manager_statuses = frozenset({"approved"})

    def check(
        self, record_id: str, before: AuditProgrammeOut | None, fields: AuditProgrammeFields, status: str
    ) -> None:
        if fields.period_start and fields.period_end:
            self.invalid_unless(
                fields.period_end > fields.period_start,
                "period_end",
                f"must be after the period start {fields.period_start}",
            )


class AuditFields(RecordFields):
    """One audit: processes and clauses covered, criteria, auditor, dates, report [9.2.2]."""

    programme_id: RecordId | None = None
    title: Title
    processes: list[str] = []
    clauses: list[str] = []
    criteria: Text = None
    auditor: Title
    planned_on: dt.date | None = None
    performed_on: dt.date | None = None
    report: Text = None
    owner: Short = None


class AuditOut(AuditFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class AuditService(RecordService[AuditFields, AuditOut]):
    model = Audit
    fields = AuditFields
    out = AuditOut
    initial_status = "planned"
    transitions = closed(
        ("planned", ("in_progress", "cancelled")),
        ("in_progress", ("completed", "planned")),
        ("cancelled", ("planned",)),
    )
    required = {
        "in_progress": ("processes",),
        "completed": ("processes", "performed_on", "report"),
    }
    references = {"programme_id": "AP"}
    owner_fields = ("owner", "auditor")

    def check(self, record_id: str, before: AuditOut | None, fields: AuditFields, status: str) -> None:
        raci = self.service(RaciService)
        assert isinstance(raci, RaciService)
        for process in fields.processes:
            for owner, entry in sorted(raci.process_owners(process).items()):
                require(
                    not self.same_person(fields.auditor, owner),
                    f"{fields.auditor} cannot audit {process!r}: they own it ({entry}); "
                    "choose an auditor independent of the process",
                )
        if fields.planned_on and fields.performed_on:
            require(
                fields.performed_on >= fields.planned_on - dt.timedelta(days=366),
                f"{record_id}: performed_on is implausibly far before planned_on",
            )


FindingGrade = Literal["major", "minor", "observation", "ofi"]


class FindingFields(RecordFields):
    """A finding graded major, minor, observation or opportunity for improvement (ofi) [9.2]."""

    audit_id: RecordId
    grade: FindingGrade
    clause_ref: Short = None
    control_ref: Short = None
    description: RequiredText
    nonconformity_id: RecordId | None = None
    owner: Short = None


class FindingOut(FindingFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class FindingService(RecordService[FindingFields, FindingOut]):
    """A major or minor finding is a nonconformity: it closes only when linked to one."""

    model = Finding
    fields = FindingFields
    out = FindingOut
    initial_status = "open"
    transitions = closed(("open", ("closed",)), ("closed", ("open",)))
    references = {"audit_id": "AUD", "nonconformity_id": "NC"}
    search_fields = ("description", "clause_ref", "control_ref")
    label_field = "description"

    def check(self, record_id: str, before: FindingOut | None, fields: FindingFields, status: str) -> None:
        if status == "closed" and fields.grade in ("major", "minor"):
            require(
                fields.nonconformity_id is not None,
                f"{record_id} is a {fields.grade} nonconformity: link it to a nonconformity record "
                "(--nonconformity-id) before closing it",
            )
