"""AI system impact assessments [6.1.4, 8.4, A.5]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, date_col, json_dict, json_list, ref, short, text


class ImpactAssessment(Record):
    """Impacts of an AI system on individuals, groups and society, per area [6.1.4, 8.4, A.5]."""

    __tablename__ = "impact_assessments"
    prefix = "IA"
    record_type = "impact_assessment"

    system_id: Mapped[str] = ref("ai_systems", nullable=False)
    title: Mapped[str] = short(nullable=False)
    affected_groups: Mapped[list[str]] = json_list()
    vulnerable_groups: Mapped[list[str]] = json_list()
    areas: Mapped[dict[str, Any]] = json_dict()
    mitigations: Mapped[str | None] = text()
    assessor: Mapped[str | None] = short()
    reviewer: Mapped[str | None] = short()
    assessed_on: Mapped[dt.date | None] = date_col()
    next_review: Mapped[dt.date | None] = date_col()
    reassessment_triggers: Mapped[list[str]] = json_list()
