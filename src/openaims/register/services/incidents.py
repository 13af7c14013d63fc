"""AI incidents: detection, classification, containment, communications, review [A.8.4]."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from openaims.register.models.incidents import Incident
from openaims.register.services.base import RecordFields, RecordOut, RecordService
from openaims.register.services.types import RecordId, Short, Text, Title, closed


class IncidentFields(RecordFields):
    """An incident with the systems it affected and what was done about it."""

    title: Title
    description: Text = None
    detected_at: dt.datetime | None = None
    detected_by: Short = None
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    category: Short = None
    system_ids: list[RecordId] = []
    containment: Text = None
    communications: Text = None
    post_incident_review: Text = None
    nonconformity_id: RecordId | None = None
    owner: Short = None


class IncidentOut(IncidentFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class IncidentService(RecordService[IncidentFields, IncidentOut]):
    """Containment is required once contained; a post-incident review before closing."""

    model = Incident
    fields = IncidentFields
    out = IncidentOut
    initial_status = "reported"
    transitions = closed(
        ("reported", ("investigating", "closed")),
        ("investigating", ("contained", "resolved")),
        ("contained", ("resolved", "investigating")),
        ("resolved", ("closed", "investigating")),
        ("closed", ("investigating",)),
    )
    required = {
        "investigating": ("owner",),
        "contained": ("owner", "containment"),
        "resolved": ("owner", "containment"),
        "closed": ("owner", "post_incident_review"),
    }
    references = {"system_ids": "SYS", "nonconformity_id": "NC"}
    search_fields = ("title", "description", "category")
