"""Management reviews [9.3] and the actions they decide [9.3.3].

The inputs clause 9.3.2 requires are compiled from the register (``aims management-review
prepare``), not typed: :meth:`ManagementReviewService.record_inputs` stores what the compiler
found, and a review counts as held only once its inputs were compiled. The manager records
decisions and actions; each action is a tracked record (:class:`ReviewActionService`) with an
owner and a due date, and actions left open appear in the next review's inputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from openaims.register.approvals import ApprovalPoint
from openaims.register.models.reviews import ManagementReview, ReviewAction
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import RecordId, RequiredText, Short, Text, Title, closed

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


class LegacyAction(BaseModel):
    """An action recorded inside a review before actions were tracked records."""

    model_config = ConfigDict(extra="forbid")

    description: RequiredText
    owner: Short = None
    due_date: dt.date | None = None
    done: bool = False


class ManagementReviewFields(RecordFields):
    """When, who attended, the compiled inputs [9.3.2], decisions [9.3.3], summary, next review."""

    title: Title
    held_on: dt.date | None = None
    chair: Short = None
    attendees: list[str] = []
    inputs: dict[str, str] = {}
    compiled_inputs: dict[str, Any] = {}
    prepared_at: dt.datetime | None = None
    decisions: list[str] = []
    actions: list[LegacyAction] = []
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
    transitions = closed(("planned", ("held", "cancelled")), ("held", ("closed",)), ("cancelled", ("planned",)))
    required = {"held": ("held_on", "chair", "attendees"), "closed": ("held_on", "decisions")}
    frozen_statuses = frozenset({"closed"})
    approval = ApprovalPoint("closed", "closed")
    #: ``inputs`` and ``actions`` hold what older reviews typed; compiled inputs replace them.
    maintained_fields = frozenset({"compiled_inputs", "prepared_at", "inputs", "actions"})

    def check(
        self, record_id: str, before: ManagementReviewOut | None, fields: ManagementReviewFields, status: str
    ) -> None:
        if status in ("held", "closed") and (before is None or before.status != status):
            covered = covered_inputs(fields)
            missing = [k for k in REQUIRED_INPUTS if k not in covered]
            require(
                not missing,
                f"{record_id} cannot be {status!r} until its inputs [9.3.2] are compiled from the register; "
                f"run 'aims management-review prepare {record_id}' first",
            )
        if status == "closed":
            open_without_owner = [
                a.id for a in self.service(ReviewActionService).all(review_id=record_id) if not a.owner
            ]
            require(
                not open_without_owner,
                f"{record_id}: every action needs an owner; missing for: {', '.join(open_without_owner)}",
            )

    def record_inputs(self, review_id: str, compiled: Mapping[str, Any]) -> ManagementReviewOut:
        """Store inputs compiled from the register (refused once the review is closed)."""
        review = self.get(review_id)
        require(
            review.status in ("planned", "held"),
            f"{review_id} is {review.status}; inputs are compiled for a planned or held review",
        )
        self._authorise("prepare", review_id, review.model_dump(), review.status)
        return self.maintain(review_id, {"compiled_inputs": dict(compiled), "prepared_at": self.clock()})

    def previous(self, review: ManagementReviewOut) -> ManagementReviewOut | None:
        """The latest review held before ``review`` (by date held), if any."""
        before = [
            r
            for r in self.all()
            if r.id != review.id and r.status in ("held", "closed") and r.held_on is not None
            and (review.held_on is None or r.held_on <= review.held_on)
        ]  # fmt: skip
        return max(before, key=lambda r: (r.held_on, len(r.id), r.id)) if before else None


def covered_inputs(review: ManagementReviewFields) -> set[str]:
    """The required inputs a review covers: compiled ones, or (older reviews) typed ones."""
    sections = review.compiled_inputs.get("sections", []) if review.compiled_inputs else []
    covered = {s.get("key") for s in sections if isinstance(s, dict)}
    covered |= {k for k, v in review.inputs.items() if (v or "").strip()}
    return {k for k in covered if isinstance(k, str)}


class ReviewActionFields(RecordFields):
    """An action from a management review: what, who owns it, when it is due, the outcome [9.3.3]."""

    review_id: RecordId
    description: RequiredText
    owner: Short = None
    due_date: dt.date | None = None
    completed_on: dt.date | None = None
    outcome: Text = None


class ReviewActionOut(ReviewActionFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class ReviewActionService(RecordService[ReviewActionFields, ReviewActionOut]):
    """Every action has an owner and a due date from the start; ``done`` records when it was completed."""

    model = ReviewAction
    fields = ReviewActionFields
    out = ReviewActionOut
    initial_status = "open"
    transitions = closed(("open", ("done", "cancelled")), ("done", ("open",)), ("cancelled", ("open",)))
    required = {"open": ("owner", "due_date"), "done": ("owner", "due_date", "completed_on")}
    references = {"review_id": "MR"}
    search_fields = ("description", "outcome")
    label_field = "description"
    final_statuses = frozenset({"done", "cancelled"})

    def prepare(
        self, record_id: str, before: ReviewActionOut | None, fields: ReviewActionFields, status: str
    ) -> ReviewActionFields:
        if status == "done" and fields.completed_on is None:
            fields = fields.model_copy(update={"completed_on": self.clock().date()})
        if status == "open" and fields.completed_on is not None and before is not None and before.status != "open":
            fields = fields.model_copy(update={"completed_on": None})
        return fields

    def check(self, record_id: str, before: ReviewActionOut | None, fields: ReviewActionFields, status: str) -> None:
        if before is None:
            review = self.service(ManagementReviewService).get(fields.review_id)
            require(
                review.status in ("planned", "held"),
                f"{fields.review_id} is {review.status}: actions are recorded while a review is planned or held",
            )

    def open_actions(self, *, excluding_review: str | None = None) -> list[ReviewActionOut]:
        """Actions still open, oldest first (those of ``excluding_review`` left out)."""
        return [a for a in self.all(status="open") if a.review_id != excluding_review]


__all__ = [
    "REQUIRED_INPUTS",
    "LegacyAction",
    "ManagementReviewFields",
    "ManagementReviewOut",
    "ManagementReviewService",
    "ReviewActionFields",
    "ReviewActionOut",
    "ReviewActionService",
    "covered_inputs",
]
