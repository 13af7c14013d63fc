"""The Statement of Applicability as a controlled document [6.1.3 d, 7.5.2, 7.5.3].

The live SoA rows are the working draft. Approving the SoA freezes a copy of
every row as a new numbered version with the approver and the date; the version
before it becomes ``superseded``. Approved versions never change, and any two
versions can be compared row by row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from openaims.errors import ConflictError, NotFoundError, PermissionDeniedError
from openaims.register.approvals import ApprovalPoint
from openaims.register.errors import RuleViolationError
from openaims.register.models.soa_versions import SoaVersion
from openaims.register.services.base import RecordFields, RecordOut, RecordService, person_named, require
from openaims.register.services.people import RoleService
from openaims.register.services.soa import SoaService
from openaims.register.services.soa_completeness import (
    evidence_of,
    linked_evidence,
    refusals,
    repeated_justifications,
)
from openaims.register.services.types import Short, Text, Title

#: Row fields frozen into a version, in the order reports show them.
ROW_FIELDS = ("control_id", "applicable", "status", "justification", "owner", "treatment_ids", "evidence_ids", "notes")


class SoaVersionFields(RecordFields):
    """A frozen Statement of Applicability: every row as it stood when approved."""

    number: int
    title: Title
    change_summary: Text = None
    approver: Short = None
    approved_on: dt.date | None = None
    rows: list[dict[str, Any]] = []


class SoaVersionOut(SoaVersionFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class RowChange(BaseModel):
    control_id: str
    change: str  # added | removed | changed
    fields: dict[str, tuple[Any, Any]] = {}


class SoaComparison(BaseModel):
    older: str
    newer: str
    changes: list[RowChange]


def _control_key(control_id: str) -> tuple[Any, ...]:
    """Annex A in the standard's order, then the organisation's own controls by id."""
    if control_id.startswith("A."):
        return (0, tuple(int(p) for p in control_id.removeprefix("A.").split(".") if p.isdigit()), control_id)
    return (1, (), control_id)


class SoaVersionService(RecordService[SoaVersionFields, SoaVersionOut]):
    model = SoaVersion
    fields = SoaVersionFields
    out = SoaVersionOut
    initial_status = "approved"
    transitions = {"approved": frozenset({"superseded"}), "superseded": frozenset()}
    manager_statuses = frozenset({"approved"})
    frozen_statuses = frozenset({"approved", "superseded"})
    owner_fields = ()
    search_fields = ("title", "change_summary")
    label_field = "title"
    #: Making a version is the approval: the approver and date come from that event.
    approval = ApprovalPoint("approved", "approved", by_field="approver", on_field="approved_on")

    _freezing = False

    def check(self, record_id: str, before: SoaVersionOut | None, fields: SoaVersionFields, status: str) -> None:
        require(
            before is not None or self._freezing,
            "SoA versions are made by approving the Statement of Applicability ('aims soa approve')",
        )
        require(bool(fields.rows), f"{record_id}: a Statement of Applicability version needs its rows")
        require(fields.approver is not None, f"{record_id}: an approved version names its approver")

    def live_rows(self) -> list[dict[str, Any]]:
        """Every live row with all its fields, the evidence linked from either side as its evidence."""
        entries = SoaService(self.session, self.actor).all()
        from_evidence = linked_evidence(self.session, self.actor, (e.id for e in entries))
        rows = []
        for entry in entries:
            data = entry.model_dump(mode="json")
            data["evidence_ids"] = evidence_of(data, from_evidence[entry.id])
            rows.append(data)
        rows.sort(key=lambda r: _control_key(str(r["control_id"])))
        return rows

    def current_rows(self) -> list[dict[str, Any]]:
        """The live rows as a version freezes them."""
        return [{name: row.get(name) for name in ROW_FIELDS} for row in self.live_rows()]

    def latest(self) -> SoaVersionOut | None:
        versions = self.all()
        return max(versions, key=lambda v: v.number) if versions else None

    def approve(self, *, title: str | None = None, change_summary: str | None = None) -> SoaVersionOut:
        """Freeze the current SoA rows as the next approved version (AIMS managers and admins)."""
        if not self.actor.is_manager:
            raise PermissionDeniedError("only an AIMS manager or admin can approve the Statement of Applicability")
        live = self.live_rows()
        rows = [{name: row.get(name) for name in ROW_FIELDS} for row in live]
        if not rows:
            raise ConflictError("the Statement of Applicability has no rows yet; add one per Annex A control first")
        refused = refusals(live)
        if refused:
            raise RuleViolationError(
                "the Statement of Applicability cannot be approved while rows are incomplete: "
                + "; ".join(r.describe() for r in refused)
            )
        previous = self.latest()
        if previous is not None and previous.rows == rows:
            raise ConflictError(f"nothing changed since {previous.id} (version {previous.number}); no new version made")
        number = previous.number + 1 if previous else 1
        self._freezing = True
        try:
            created = self.create(
                {
                    "number": number,
                    "title": title or f"Statement of Applicability, version {number}",
                    "change_summary": change_summary,
                    "rows": rows,
                },
                status="approved",
            )
        finally:
            self._freezing = False
        if previous is not None and previous.status == "approved":
            self.update(previous.id, previous.version, {"status": "superseded"})
        return created

    def warnings(self) -> list[str]:
        """What an approver should look at although it does not stop the approval."""
        return [
            f"{', '.join(controls)} have the same justification word for word; say why for each control"
            for controls in repeated_justifications(self.current_rows())
        ]

    def approver_label(self, version: SoaVersionOut) -> str | None:
        """Who approved ``version`` as people read it: the person's name and role (job title, else
        the AIMS roles they hold), not a username; the name as recorded when no person matches."""
        if not version.approver:
            return None
        person = person_named(self.session, version.approver)
        if person is None:
            return version.approver
        role = person.job_title or ", ".join(
            r.name for r in RoleService(self.session, self.actor).all() if person.id in r.holder_ids
        )
        return f"{person.name} ({role})" if role else person.name

    def get_by_number(self, number: int) -> SoaVersionOut:
        for version in self.all():
            if version.number == number:
                return version
        raise NotFoundError(f"there is no SoA version {number}; list them with 'aims soa versions'")

    def compare(self, older_id: str, newer_id: str) -> SoaComparison:
        older, newer = self.get(older_id), self.get(newer_id)
        before = {str(r["control_id"]): r for r in older.rows}
        after = {str(r["control_id"]): r for r in newer.rows}
        changes: list[RowChange] = []
        for control in sorted(set(before) | set(after), key=_control_key):
            if control not in before:
                changes.append(RowChange(control_id=control, change="added"))
            elif control not in after:
                changes.append(RowChange(control_id=control, change="removed"))
            else:
                diff = {
                    k: (before[control].get(k), after[control].get(k))
                    for k in ROW_FIELDS
                    if before[control].get(k) != after[control].get(k)
                }
                if diff:
                    changes.append(RowChange(control_id=control, change="changed", fields=diff))
        return SoaComparison(older=older.id, newer=newer.id, changes=changes)
