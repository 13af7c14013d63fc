"""Management reviews [9.3].

A review counts as held only when every input 9.3.2 requires was considered;
closing it needs decisions, and every action needs an owner.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from openaims.register.approvals import ApprovalPoint
from openaims.register.models.reviews import ManagementReview
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import RequiredText, Short, Text, Title, closed

#: The inputs a management review must consider [9.3.2], by stable key.
REQUIRED_INPUTS: dict[str, str] = {
    "previous_actions": "status of actions from previous management reviews",
    "external_internal_issues": "changes in external and internal issues relevant to the AIMS",
    "interested_party_needs": "changes in needs and expectations of interested parties",
    "nonconformities_corrective_actions": "nonconformities and corrective actions",
    "monitoring_results": "monitoring and measurement results",
    "audit_results": "audit results",
    "opportunities": "opportunities for continual improvement",
}


class ReviewAction(BaseModel):
    """An action decided in a review."""

    model_config = ConfigDict(extra="forbid")

    description: RequiredText
    owner: Short = None
    due_date: dt.date | None = None
    done: bool = False


class ManagementReviewFields(RecordFields):
    """When, who attended, what was considered (by input key), decisions and actions [9.3]."""

    title: Title
    held_on: dt.date | None = None
    chair: Short = None
    attendees: list[str] = []
    inputs: dict[str, str] = {}
    decisions: list[str] = []
    actions: list[ReviewAction] = []
    summary: Text = None
    next_review: dt.date | None = None
    owner: Short = None


class ManagementReviewOut(ManagementReviewFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class ManagementReviewService(RecordService[ManagementReviewFields, ManagementReviewOut]):
    model = ManagementReview
    fields = ManagementReviewFields
    out = ManagementReviewOut
    initial_status = "planned"
    transitions = closed(
        ("planned", ("held", "cancelled")), ("held", ("closed",)), ("cancelled", ("planned",))
    )
    required = {"held": ("held_on", "chair", "attendees", "inputs"), "closed": ("held_on", "decisions")}
    frozen_statuses = frozenset({"closed"})
    approval = ApprovalPoint("closed", "closed")

    def check(
        self, record_id: str, before: ManagementReviewOut | None, fields: ManagementReviewFields, status: str
    ) -> None:
        unknown = sorted(set(fields.inputs) - set(REQUIRED_INPUTS) - {"other"})
        require(
            not unknown,
            f"{record_id}: unknown review inputs {', '.join(unknown)}; "
            f"use {', '.join(REQUIRED_INPUTS)} or other",
        )
        if status in ("held", "closed"):
            missing = [k for k in REQUIRED_INPUTS if not fields.inputs.get(k, "").strip()]
            require(
                not missing,
                f"{record_id} cannot be {status!r} until every required input [9.3.2] is covered; missing: "
                + ", ".join(missing),
            )
        if status == "closed":
            ownerless = [a.description for a in fields.actions if not a.owner]
            require(
                not ownerless,
                f"{record_id}: every action needs an owner; missing for: {'; '.join(ownerless)}",
            )
