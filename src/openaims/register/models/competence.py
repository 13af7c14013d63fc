"""Competence requirements and training records [7.2, 7.3]."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, date_col, json_list, ref, short, text


class CompetenceRequirement(Record):
    """A competence an AIMS role needs and the evidence that shows it [7.2]."""

    __tablename__ = "competence_requirements"
    prefix = "SKILL"
    record_type = "competence"

    title: Mapped[str] = short(nullable=False)
    role_id: Mapped[str | None] = ref("aims_roles")
    description: Mapped[str | None] = text()
    evidence_required: Mapped[str | None] = text()
    owner: Mapped[str | None] = short(index=True)


class TrainingRecord(Record):
    """Training or other action taken by a person to acquire competence [7.2, 7.3]."""

    __tablename__ = "training_records"
    prefix = "TRN"
    record_type = "training"

    person_id: Mapped[str] = ref("people", nullable=False)
    title: Mapped[str] = short(nullable=False)
    provider: Mapped[str | None] = short()
    requirement_ids: Mapped[list[str]] = json_list()
    completed_on: Mapped[dt.date | None] = date_col()
    expires_on: Mapped[dt.date | None] = date_col()
    result: Mapped[str | None] = text()
