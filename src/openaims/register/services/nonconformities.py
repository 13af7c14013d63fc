"""Nonconformities and corrective actions [10.2].

A nonconformity cannot have actions planned without a root cause, and cannot
close until at least one corrective action was verified effective and every
other action is verified or cancelled. An action's effectiveness is verified by
someone other than its owner.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from openaims.register.approvals import ApprovalPoint, Duty
from openaims.register.models.nonconformities import CorrectiveAction, Nonconformity
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require, today
from openaims.register.services.types import RecordId, RequiredText, Short, Text, Title, closed

NonconformitySource = Literal["audit", "incident", "monitoring", "review", "complaint", "other"]


class NonconformityFields(RecordFields):
    """What went wrong, where it was found, containment, correction and root cause."""

    title: Title
    description: Text = None
    source: NonconformitySource = "other"
    source_ref: RecordId | None = None
    clause_ref: Short = None
    containment: Text = None
    correction: Text = None
    root_cause: Text = None
    owner: Short = None
    due_date: dt.date | None = None


class NonconformityOut(NonconformityFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class NonconformityService(RecordService[NonconformityFields, NonconformityOut]):
    model = Nonconformity
    fields = NonconformityFields
    out = NonconformityOut
    initial_status = "open"
    transitions = closed(
        ("open", ("analysing",)),
        ("analysing", ("action_planned",)),
        ("action_planned", ("verifying", "analysing")),
        ("verifying", ("closed", "action_planned")),
        ("closed", ("open",)),
    )
    required = {
        "analysing": ("owner",),
        "action_planned": ("owner", "root_cause"),
        "verifying": ("owner", "root_cause"),
        "closed": ("owner", "root_cause"),
    }
    references = {"source_ref": "*"}
    search_fields = ("title", "description", "root_cause")

    def actions(self, record_id: str) -> list[CorrectiveActionOut]:
        return self.service(CorrectiveActionService).all(nonconformity_id=record_id)

    def check(
        self, record_id: str, before: NonconformityOut | None, fields: NonconformityFields, status: str
    ) -> None:
        if before is None or before.status == status:
            return
        actions = [a for a in self.actions(record_id) if a.status != "cancelled"]
        if status == "action_planned":
            require(
                bool(actions),
                f"{record_id} needs a corrective action first; add one with "
                f"'aims corrective-action add --nonconformity-id {record_id} ...'",
            )
        if status == "closed":
            open_actions = [a.id for a in actions if a.status != "verified"]
            require(
                bool(actions) and not open_actions,
                f"{record_id} cannot close without a verified corrective action"
                + (f"; not yet verified: {', '.join(open_actions)}" if open_actions else ""),
            )


class CorrectiveActionFields(RecordFields):
    """An action against a nonconformity's cause, and the verification that it was effective."""

    nonconformity_id: RecordId
    description: RequiredText
    owner: Short = None
    due_date: dt.date | None = None
    completed_on: dt.date | None = None
    effective: bool | None = None
    verification_notes: Text = None
    verified_by: Short = None
    verified_on: dt.date | None = None


class CorrectiveActionOut(CorrectiveActionFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class CorrectiveActionService(RecordService[CorrectiveActionFields, CorrectiveActionOut]):
    model = CorrectiveAction
    fields = CorrectiveActionFields
    out = CorrectiveActionOut
    initial_status = "planned"
    transitions = closed(
        ("planned", ("in_progress", "cancelled")),
        ("in_progress", ("done", "cancelled")),
        ("done", ("verified", "in_progress")),
    )
    required = {
        "in_progress": ("owner", "due_date"),
        "done": ("owner", "completed_on"),
        "verified": ("owner", "completed_on", "verified_by", "verified_on", "verification_notes"),
    }
    references = {"nonconformity_id": "NC"}
    owner_fields = ("owner", "verified_by")
    frozen_statuses = frozenset({"verified", "cancelled"})
    search_fields = ("description",)
    label_field = "description"
    approval = ApprovalPoint(
        "verified", "verified", by_field="verified_by", on_field="verified_on", request_field="verified_by",
        duties=(Duty("owner is not verifier", "owner", ("owner",)),),
    )  # fmt: skip

    def prepare(
        self, record_id: str, before: CorrectiveActionOut | None, fields: CorrectiveActionFields, status: str
    ) -> CorrectiveActionFields:
        update: dict[str, Any] = {}
        if status == "done" and fields.completed_on is None:
            update["completed_on"] = today()
        return fields.model_copy(update=update) if update else fields

    def check(
        self, record_id: str, before: CorrectiveActionOut | None, fields: CorrectiveActionFields, status: str
    ) -> None:
        if status == "verified":
            require(
                fields.effective is True,
                f"{record_id} can be verified only as effective (effective=true); "
                "if it was not effective, move it back to in_progress and plan further action",
            )
            require(
                not self.same_person(fields.verified_by, fields.owner),
                f"{record_id}: effectiveness must be verified by someone other than "
                f"the owner ({fields.owner})",
            )
