"""The AIMS scope [4.3]."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from openaims.register.approvals import ApprovalPoint
from openaims.register.models.scope import Scope
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import OrgRole, RecordId, RequiredText, Short, Text, Title, closed


class ExcludedSystem(BaseModel):
    """An AI system left out of the AIMS and why."""

    model_config = ConfigDict(extra="forbid")

    system_id: RecordId
    justification: RequiredText


class ScopeFields(RecordFields):
    """Boundaries and applicability of the AIMS [4.3]: systems in and out, units, locations, roles."""

    title: Title
    statement: Text = None
    included_system_ids: list[RecordId] = []
    excluded_systems: list[ExcludedSystem] = []
    units: list[str] = []
    locations: list[str] = []
    system_roles: dict[RecordId, list[OrgRole]] = {}
    approver: Short = None
    approved_on: dt.date | None = None
    owner: Short = None


class ScopeOut(ScopeFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class ScopeService(RecordService[ScopeFields, ScopeOut]):
    """Approving a scope supersedes the previously approved one; an approved scope is frozen."""

    model = Scope
    fields = ScopeFields
    out = ScopeOut
    initial_status = "draft"
    transitions = closed(("draft", ("approved",)), ("approved", ("superseded",)))
    required = {"approved": ("statement", "approver", "approved_on")}
    references = {"included_system_ids": "SYS"}
    manager_statuses = frozenset({"approved"})
    frozen_statuses = frozenset({"approved", "superseded"})
    approval = ApprovalPoint("approved", "approved", by_field="approver", on_field="approved_on")

    def check(self, record_id: str, before: ScopeOut | None, fields: ScopeFields, status: str) -> None:
        excluded = [e.system_id for e in fields.excluded_systems]
        self._check_references({"included_system_ids": excluded})
        both = sorted(set(excluded) & set(fields.included_system_ids))
        require(not both, f"{', '.join(both)} cannot be both included in and excluded from the scope")
        stray = sorted(set(fields.system_roles) - set(fields.included_system_ids))
        require(not stray, f"roles are given for {', '.join(stray)}, which the scope does not include")

    def after_write(self, before: ScopeOut | None, after: ScopeOut) -> None:
        if after.status == "approved" and (before is None or before.status != "approved"):
            for other in self.all(status="approved"):
                if other.id != after.id:
                    self.transition(other.id, other.version, "superseded")

    def current(self) -> ScopeOut | None:
        """The approved scope in force, if any."""
        approved = self.all(status="approved")
        return approved[-1] if approved else None
