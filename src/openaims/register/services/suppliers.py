"""Suppliers and supplier assessments [A.10]."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from openaims.register.models.suppliers import Supplier, SupplierAssessment
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import RecordId, Short, Text, Title, closed


class SupplierFields(RecordFields):
    """A supplier of AI products, models, data or services [A.10.3]."""

    name: Title
    description: Text = None
    services: Text = None
    contact: Short = None
    criticality: Literal["low", "medium", "high"] = "medium"
    owner: Short = None


class SupplierOut(SupplierFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class SupplierService(RecordService[SupplierFields, SupplierOut]):
    """Approving a supplier needs a completed assessment with an acceptable or conditional outcome."""

    model = Supplier
    fields = SupplierFields
    out = SupplierOut
    initial_status = "proposed"
    transitions = closed(
        ("proposed", ("approved", "retired")),
        ("approved", ("suspended", "retired")),
        ("suspended", ("approved", "retired")),
        ("retired", ("proposed",)),
    )
    manager_statuses = frozenset({"approved"})
    search_fields = ("name", "services")
    label_field = "name"

    def check(self, record_id: str, before: SupplierOut | None, fields: SupplierFields, status: str) -> None:
        if status == "approved" and (before is None or before.status != "approved"):
            assessments = self.service(SupplierAssessmentService).all(
                supplier_id=record_id, status="completed"
            )
            require(
                any(a.outcome in ("acceptable", "conditional") for a in assessments),
                f"{record_id} cannot be approved without a completed assessment with an acceptable "
                "or conditional outcome; add one with 'aims supplier-assessment add'",
            )


class SupplierAssessmentFields(RecordFields):
    """An assessment of a supplier: who, when, scope, outcome, findings, next review [A.10.3]."""

    supplier_id: RecordId
    assessed_on: dt.date | None = None
    assessor: Short = None
    scope: Text = None
    outcome: Literal["acceptable", "conditional", "unacceptable"] | None = None
    findings: Text = None
    next_review: dt.date | None = None


class SupplierAssessmentOut(SupplierAssessmentFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class SupplierAssessmentService(RecordService[SupplierAssessmentFields, SupplierAssessmentOut]):
    model = SupplierAssessment
    fields = SupplierAssessmentFields
    out = SupplierAssessmentOut
    initial_status = "draft"
    transitions = closed(("draft", ("completed",)), ("completed", ("superseded",)))
    required = {"completed": ("assessed_on", "assessor", "outcome")}
    references = {"supplier_id": "SUP"}
    owner_fields = ("assessor",)
    frozen_statuses = frozenset({"completed", "superseded"})
    search_fields = ("findings", "scope")
    label_field = "supplier_id"
