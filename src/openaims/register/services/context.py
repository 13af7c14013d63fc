"""Context issues and interested parties [4.1, 4.2]."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from openaims.register.models.context import ContextIssue, InterestedParty
from openaims.register.services.base import RecordFields, RecordOut, RecordService
from openaims.register.services.types import RequiredText, Short, Text, Title, closed


class ContextIssueFields(RecordFields):
    """An internal or external issue that affects the AIMS's intended results [4.1]."""

    title: Title
    description: Text = None
    kind: Literal["internal", "external"] = "external"
    category: Short = None
    effect: Text = None
    owner: Short = None


class ContextIssueOut(ContextIssueFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class ContextIssueService(RecordService[ContextIssueFields, ContextIssueOut]):
    model = ContextIssue
    fields = ContextIssueFields
    out = ContextIssueOut
    initial_status = "open"
    transitions = closed(
        ("open", ("monitored", "closed")), ("monitored", ("open", "closed")), ("closed", ("open",))
    )


class PartyRequirement(BaseModel):
    """One requirement of an interested party and how the AIMS addresses it [4.2 c]."""

    model_config = ConfigDict(extra="forbid")

    requirement: RequiredText
    addressed_by: Short = None
    relevant: bool = True


class InterestedPartyFields(RecordFields):
    """An interested party and its requirements relevant to the AIMS [4.2]."""

    name: Title
    kind: Literal["internal", "external"] = "external"
    description: Text = None
    requirements: list[PartyRequirement] = []
    owner: Short = None


class InterestedPartyOut(InterestedPartyFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class InterestedPartyService(RecordService[InterestedPartyFields, InterestedPartyOut]):
    model = InterestedParty
    fields = InterestedPartyFields
    out = InterestedPartyOut
    initial_status = "active"
    transitions = closed(("active", ("inactive",)), ("inactive", ("active",)))
    search_fields = ("name",)
    label_field = "name"
