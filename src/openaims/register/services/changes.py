"""Planned changes to the AIMS and life-cycle changes of AI systems [6.3, A.6.2].

A life-cycle change names a system and the stage it moves to; implementing it
moves the system to that stage (recorded in the system's history too).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from openaims.register.approvals import ApprovalPoint, Duty
from openaims.register.models.changes import Change
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require, today
from openaims.register.services.systems import LifecycleStage, SystemService
from openaims.register.services.types import RecordId, Short, Text, Title, closed


class ChangeFields(RecordFields):
    """What changes, why, its impact, who asked, who approved, when planned and done."""

    title: Title
    description: Text = None
    kind: Literal["aims", "lifecycle"] = "aims"
    system_id: RecordId | None = None
    from_stage: LifecycleStage | None = None
    to_stage: LifecycleStage | None = None
    reason: Text = None
    impact_analysis: Text = None
    requested_by: Short = None
    approver: Short = None
    approved_on: dt.date | None = None
    planned_on: dt.date | None = None
    implemented_on: dt.date | None = None
    owner: Short = None


class ChangeOut(ChangeFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class ChangeService(RecordService[ChangeFields, ChangeOut]):
    model = Change
    fields = ChangeFields
    out = ChangeOut
    initial_status = "proposed"
    transitions = closed(
        ("proposed", ("approved", "rejected", "cancelled")),
        ("approved", ("implemented", "cancelled")),
        ("rejected", ("proposed",)),
    )
    required = {
        "approved": ("reason", "impact_analysis", "approver", "approved_on"),
        "implemented": ("approver", "implemented_on"),
    }
    references = {"system_id": "SYS"}
    manager_statuses = frozenset({"approved", "rejected"})
    frozen_statuses = frozenset({"implemented", "cancelled"})
    approval = ApprovalPoint(
        "approved", "approved", by_field="approver", on_field="approved_on",
        duties=(Duty("requester is not approver", "requester", ("requested_by", "created_by")),),
    )  # fmt: skip

    def prepare(
        self, record_id: str, before: ChangeOut | None, fields: ChangeFields, status: str
    ) -> ChangeFields:
        update: dict[str, Any] = {}
        if before is None and fields.requested_by is None:
            update["requested_by"] = self.actor.name
        if status == "implemented" and fields.implemented_on is None:
            update["implemented_on"] = today()
        if fields.kind == "lifecycle" and fields.system_id and fields.from_stage is None:
            self._check_references({"system_id": fields.system_id})
            update["from_stage"] = self.service(SystemService).get(fields.system_id).lifecycle_stage
        return fields.model_copy(update=update) if update else fields

    def check(self, record_id: str, before: ChangeOut | None, fields: ChangeFields, status: str) -> None:
        if fields.kind == "lifecycle":
            require(
                bool(fields.system_id and fields.to_stage),
                f"{record_id}: a lifecycle change needs system_id and to_stage",
            )

    def after_write(self, before: ChangeOut | None, after: ChangeOut) -> None:
        if after.status != "implemented" or (before is not None and before.status == "implemented"):
            return
        if after.kind == "lifecycle" and after.system_id and after.to_stage:
            systems = self.service(SystemService)
            system = systems.get(after.system_id)
            if system.lifecycle_stage != after.to_stage:
                systems.update(system.id, system.version, {"lifecycle_stage": after.to_stage})
