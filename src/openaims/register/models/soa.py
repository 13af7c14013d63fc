"""Statement of Applicability rows, one per Annex A control and per control of the organisation's own [6.1.3 d]."""

from __future__ import annotations

from sqlalchemy import Boolean
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, json_list, short, text


class SoaEntry(Record):
    """Applicability, justification and implementation of one control; status is implementation [6.1.3 d]."""

    __tablename__ = "soa_entries"
    prefix = "SOA"
    record_type = "soa_entry"

    control_id: Mapped[str] = short(nullable=False, length=40)
    title: Mapped[str | None] = short()
    applicable: Mapped[bool] = mapped_column(Boolean, nullable=False)
    justification: Mapped[str] = text()
    owner: Mapped[str | None] = short(index=True)
    treatment_ids: Mapped[list[str]] = json_list()
    evidence_ids: Mapped[list[str]] = json_list()
    notes: Mapped[str | None] = text()
