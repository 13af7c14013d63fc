"""Planned changes to the AIMS and lifecycle changes to AI systems [6.3, A.6]."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, date_col, ref, short, text


class Change(Record):
    """A change to the AIMS or to an AI system's life-cycle stage, with its approval [6.3, A.6.2]."""

    __tablename__ = "changes"
    prefix = "CHG"
    record_type = "change"

    title: Mapped[str] = short(nullable=False)
    description: Mapped[str | None] = text()
    kind: Mapped[str] = short(nullable=False, length=20)
    system_id: Mapped[str | None] = ref("ai_systems")
    from_stage: Mapped[str | None] = short(length=20)
    to_stage: Mapped[str | None] = short(length=20)
    reason: Mapped[str | None] = text()
    impact_analysis: Mapped[str | None] = text()
    requested_by: Mapped[str | None] = short()
    approver: Mapped[str | None] = short()
    approved_on: Mapped[dt.date | None] = date_col()
    planned_on: Mapped[dt.date | None] = date_col()
    implemented_on: Mapped[dt.date | None] = date_col()
    owner: Mapped[str | None] = short(index=True)
