"""Documents under document control and their versions [5.2, 7.5].

A version moves draft -> in_review -> approved -> obsolete. An approved version
never changes: a change is a new version (:meth:`DocumentVersionService.new_version`).
Approving a version makes the previously approved one obsolete.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import func, select

from openaims.register.approvals import ApprovalPoint, Duty
from openaims.register.models.documents import Document, DocumentVersion
from openaims.register.services.base import RecordFields, RecordOut, RecordService
from openaims.register.services.types import RecordId, Short, Text, Title, closed

DocumentKind = Literal[
    "policy", "policy-as-code", "procedure", "process", "plan", "method", "record", "template", "other"
]


class DocumentFields(RecordFields):
    """A controlled document such as the AI policy [5.2, 7.5.2]."""

    title: Title
    kind: DocumentKind = "policy"
    description: Text = None
    owner: Short = None
    review_interval_months: int | None = None


class DocumentOut(DocumentFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class DocumentService(RecordService[DocumentFields, DocumentOut]):
    model = Document
    fields = DocumentFields
    out = DocumentOut
    initial_status = "active"
    transitions = closed(("active", ("obsolete",)), ("obsolete", ("active",)))

    def versions(self, document_id: str) -> list[DocumentVersionOut]:
        self.get(document_id)
        found = self.service(DocumentVersionService).all(document_id=document_id)
        return sorted(found, key=lambda v: v.number)

    def current_version(self, document_id: str) -> DocumentVersionOut | None:
        """The approved version in force, if any."""
        approved = [v for v in self.versions(document_id) if v.status == "approved"]
        return approved[-1] if approved else None


class DocumentVersionFields(RecordFields):
    """One version of a document: content, author, approver, approval and next review [7.5.2]."""

    document_id: RecordId
    number: int = 0
    content: Text = None
    change_summary: Text = None
    author: Short = None
    approver: Short = None
    approved_on: dt.date | None = None
    next_review: dt.date | None = None


class DocumentVersionOut(DocumentVersionFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class DocumentVersionService(RecordService[DocumentVersionFields, DocumentVersionOut]):
    model = DocumentVersion
    fields = DocumentVersionFields
    out = DocumentVersionOut
    initial_status = "draft"
    transitions = closed(
        ("draft", ("in_review", "obsolete")),
        ("in_review", ("draft", "approved")),
        ("approved", ("obsolete",)),
    )
    required = {
        "in_review": ("content", "author"),
        "approved": ("content", "author", "approver", "next_review"),
    }
    references = {"document_id": "DOC"}
    owner_fields = ("author",)
    manager_statuses = frozenset({"approved"})
    frozen_statuses = frozenset({"approved", "obsolete"})
    search_fields = ("content", "change_summary")
    label_field = "document_id"
    approval = ApprovalPoint(
        "approved", "approved", by_field="approver", on_field="approved_on",
        duties=(Duty("author is not approver", "author", ("author", "created_by")),),
    )  # fmt: skip

    def prepare(
        self, record_id: str, before: DocumentVersionOut | None, fields: DocumentVersionFields, status: str
    ) -> DocumentVersionFields:
        update: dict[str, Any] = {}
        if before is None:
            last = self.session.execute(
                select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == fields.document_id)
            ).scalar_one_or_none()
            update["number"] = int(last or 0) + 1
            if fields.author is None:
                update["author"] = self.actor.name
        elif fields.number != before.number or fields.document_id != before.document_id:
            update["number"], update["document_id"] = before.number, before.document_id
        return fields.model_copy(update=update) if update else fields

    def check(
        self, record_id: str, before: DocumentVersionOut | None, fields: DocumentVersionFields, status: str
    ) -> None:
        if status == "approved" and fields.approved_on and fields.next_review:
            self.invalid_unless(
                fields.next_review > fields.approved_on,
                "next_review",
                f"must be after the approval date {fields.approved_on}",
            )

    def after_write(self, before: DocumentVersionOut | None, after: DocumentVersionOut) -> None:
        if after.status == "approved" and (before is None or before.status != "approved"):
            for other in self.all(document_id=after.document_id, status="approved"):
                if other.id != after.id:
                    self.transition(other.id, other.version, "obsolete")

    def new_version(self, document_id: str, changes: dict[str, Any] | None = None) -> DocumentVersionOut:
        """A new draft that starts from the newest version's content."""
        existing = sorted(self.all(document_id=document_id), key=lambda v: v.number)
        base: dict[str, Any] = {"document_id": document_id}
        if existing:
            base["content"] = existing[-1].content
        return self.create({**base, **(changes or {})})
