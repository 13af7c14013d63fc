"""AI incidents [A.8.4, 10.2 source]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, UTCDateTime, json_dict, json_list, ref, short, text


class Incident(Record):
    """An AI incident from detection to post-incident review [A.8.4]."""

    __tablename__ = "incidents"
    prefix = "INC"
    record_type = "incident"

    title: Mapped[str] = short(nullable=False)
    description: Mapped[str | None] = text()
    detected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    detected_by: Mapped[str | None] = short()
    severity: Mapped[str] = short(nullable=False, length=20, index=True)
    category: Mapped[str | None] = short()
    system_ids: Mapped[list[str]] = json_list()
    containment: Mapped[str | None] = text()
    communications: Mapped[str | None] = text()
    post_incident_review: Mapped[str | None] = text()
    nonconformity_id: Mapped[str | None] = ref("nonconformities")
    owner: Mapped[str | None] = short(index=True)
    aware_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    serious_incident: Mapped[str | None] = short(length=40)
    authority_reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    root_cause: Mapped[str | None] = text()
    no_nonconformity_reason: Mapped[str | None] = text()
    playbook_steps: Mapped[dict[str, Any]] = json_dict()
