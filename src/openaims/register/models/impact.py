"""AI system impact assessments after ISO/IEC 42005 [6.1.4, 8.4, A.5]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, date_col, json_dict, json_list, ref, short, text


class ImpactAssessment(Record):
    """Impacts of an AI system on the groups it affects and on society [6.1.4, 8.4, A.5; ISO/IEC 42005]."""

    __tablename__ = "impact_assessments"
    prefix = "IA"
    record_type = "impact_assessment"

    system_id: Mapped[str] = ref("ai_systems", nullable=False)
    title: Mapped[str] = short(nullable=False)
    scope: Mapped[str | None] = text()
    system_description: Mapped[str | None] = text()
    intended_uses: Mapped[str | None] = text()
    foreseeable_misuses: Mapped[str | None] = text()
    dataset_ids: Mapped[list[str]] = json_list()
    model_ids: Mapped[list[str]] = json_list()
    data_and_models: Mapped[str | None] = text()
    deployment_context: Mapped[str | None] = text()
    #: Per group: name, vulnerable, description, benefits, harms, severity, likelihood, measures.
    impacted_groups: Mapped[list[dict[str, Any]]] = json_list()
    failure_modes: Mapped[list[dict[str, Any]]] = json_list()
    areas: Mapped[dict[str, Any]] = json_dict()
    mitigations: Mapped[str | None] = text()
    assessor: Mapped[str | None] = short()
    reviewer: Mapped[str | None] = short()
    assessed_on: Mapped[dt.date | None] = date_col()
    next_review: Mapped[dt.date | None] = date_col()
    reassessment_triggers: Mapped[list[str]] = json_list()
    #: Why the assessment no longer reflects the system (kept by the register when a trigger fires).
    stale_reasons: Mapped[list[dict[str, Any]]] = json_list()
    #: Group names of the earlier per-area form, kept as recorded.
    affected_groups: Mapped[list[str]] = json_list()
    vulnerable_groups: Mapped[list[str]] = json_list()
