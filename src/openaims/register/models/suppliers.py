"""Suppliers of AI products and services and their assessments [A.10]."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, date_col, ref, short, text


class Supplier(Record):
    """A supplier of AI products, models, data or services [A.10.3]."""

    __tablename__ = "suppliers"
    prefix = "SUP"
    record_type = "supplier"

    name: Mapped[str] = short(nullable=False)
    description: Mapped[str | None] = text()
    services: Mapped[str | None] = text()
    contact: Mapped[str | None] = short()
    criticality: Mapped[str] = short(nullable=False, length=20)
    owner: Mapped[str | None] = short(index=True)


class SupplierAssessment(Record):
    """An assessment of a supplier against the organisation's responsible-AI approach [A.10.3]."""

    __tablename__ = "supplier_assessments"
    prefix = "SUPA"
    record_type = "supplier_assessment"

    supplier_id: Mapped[str] = ref("suppliers", nullable=False)
    assessed_on: Mapped[dt.date | None] = date_col()
    assessor: Mapped[str | None] = short()
    scope: Mapped[str | None] = text()
    outcome: Mapped[str | None] = short(length=20)
    findings: Mapped[str | None] = text()
    next_review: Mapped[dt.date | None] = date_col()
