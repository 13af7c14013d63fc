"""Nonconformities and corrective actions [10.2]."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, date_col, ref, short, text


class Nonconformity(Record):
    """A nonconformity with containment, correction and root cause [10.2]."""

    __tablename__ = "nonconformities"
    prefix = "NC"
    record_type = "nonconformity"

    title: Mapped[str] = short(nullable=False)
    description: Mapped[str | None] = text()
    source: Mapped[str] = short(nullable=False, length=20)
    source_ref: Mapped[str | None] = short(length=40)
    clause_ref: Mapped[str | None] = short(length=40)
    containment: Mapped[str | None] = text()
    correction: Mapped[str | None] = text()
    root_cause: Mapped[str | None] = text()
    owner: Mapped[str | None] = short(index=True)
    due_date: Mapped[dt.date | None] = date_col(index=True)


class CorrectiveAction(Record):
    """An action to remove the cause of a nonconformity, and the check that it worked [10.2]."""

    __tablename__ = "corrective_actions"
    prefix = "CA"
    record_type = "corrective_action"

    nonconformity_id: Mapped[str] = ref("nonconformities", nullable=False)
    description: Mapped[str] = text()
    owner: Mapped[str | None] = short(index=True)
    due_date: Mapped[dt.date | None] = date_col(index=True)
    completed_on: Mapped[dt.date | None] = date_col()
    effective: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    verification_notes: Mapped[str | None] = text()
    verified_by: Mapped[str | None] = short()
    verified_on: Mapped[dt.date | None] = date_col()
