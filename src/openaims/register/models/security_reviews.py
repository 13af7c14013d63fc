"""AI security reviews: the threat model of one AI system and the decisions on it [6.1.2, 6.1.3, A.6.2.4]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, date_col, json_dict, json_list, ref, short, text


class SecurityReview(Record):
    """Threats to an AI system proposed from its components and a questionnaire, with the
    reviewer's decision on each, the findings that enable them and red-team results."""

    __tablename__ = "security_reviews"
    prefix = "SECREV"
    record_type = "security_review"

    system_id: Mapped[str] = ref("ai_systems", nullable=False)
    title: Mapped[str] = short(nullable=False)
    owner: Mapped[str | None] = short(index=True)
    system_owner: Mapped[str | None] = short()
    answers: Mapped[dict[str, Any]] = json_dict()
    threats: Mapped[list[dict[str, Any]]] = json_list()
    items: Mapped[list[dict[str, Any]]] = json_list()
    results: Mapped[list[dict[str, Any]]] = json_list()
    basis: Mapped[list[str]] = json_list()
    catalogue_versions: Mapped[dict[str, Any]] = json_dict()
    summary: Mapped[str | None] = text()
    approved_by: Mapped[str | None] = short()
    approved_on: Mapped[dt.date | None] = date_col()
