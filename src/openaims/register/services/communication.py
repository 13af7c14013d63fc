"""The communication plan [7.4]."""

from __future__ import annotations

from openaims.register.models.communication import Communication
from openaims.register.services.base import RecordFields, RecordOut, RecordService
from openaims.register.services.types import Short, Text, Title, closed


class CommunicationFields(RecordFields):
    """What to communicate, when, with whom, how and who communicates [7.4 a-e]."""

    topic: Title
    audience: Title
    timing: Short = None
    channel: Short = None
    communicator: Short = None
    purpose: Text = None
    owner: Short = None


class CommunicationOut(CommunicationFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class CommunicationService(RecordService[CommunicationFields, CommunicationOut]):
    model = Communication
    fields = CommunicationFields
    out = CommunicationOut
    initial_status = "planned"
    transitions = closed(
        ("planned", ("active", "retired")), ("active", ("retired",)), ("retired", ("active",))
    )
    required = {"active": ("timing", "channel", "communicator")}
    search_fields = ("topic", "audience")
    label_field = "topic"
