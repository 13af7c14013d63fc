"""Statement of Applicability rows, one per Annex A control [6.1.3 d].

The row id is derived from the control (``SOA-A.6.2.4``); ``status`` is the
implementation status. An excluded control has ``applicable = false`` and status
``excluded``; either way a justification is required.
"""

from __future__ import annotations

from openaims.errors import ConflictError
from openaims.register.models.soa import SoaEntry
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import ControlId, RecordId, RequiredText, Short, Text

IMPLEMENTATION = ("not_started", "planned", "partial", "implemented")


class SoaFields(RecordFields):
    """Applicability of one control, the justification either way, owner, treatments and evidence."""

    control_id: ControlId
    applicable: bool = True
    justification: RequiredText
    owner: Short = None
    treatment_ids: list[RecordId] = []
    evidence_ids: list[RecordId] = []
    notes: Text = None


class SoaOut(SoaFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class SoaService(RecordService[SoaFields, SoaOut]):
    model = SoaEntry
    fields = SoaFields
    out = SoaOut
    initial_status = "not_started"
    transitions = {
        **{s: frozenset(set(IMPLEMENTATION) - {s} | {"excluded"}) for s in IMPLEMENTATION},
        "excluded": frozenset(IMPLEMENTATION),
    }
    references = {"treatment_ids": "TREAT", "evidence_ids": "EVD"}
    search_fields = ("control_id", "justification")
    label_field = "control_id"

    def allocate_id(self, fields: SoaFields) -> str:
        record_id = f"SOA-{fields.control_id}"
        if self.exists(record_id):
            raise ConflictError(
                f"the SoA already has a row for {fields.control_id} ({record_id}); update it instead"
            )
        return record_id

    def check(self, record_id: str, before: SoaOut | None, fields: SoaFields, status: str) -> None:
        if before is not None:
            require(fields.control_id == before.control_id, f"{record_id}: the control id cannot change")
        if fields.applicable:
            require(
                status != "excluded", f"{record_id}: set applicable to false to exclude {fields.control_id}"
            )
        else:
            require(
                status == "excluded",
                f"{record_id}: a control that is not applicable must have status 'excluded'",
            )

    def for_control(self, control_id: str) -> SoaOut | None:
        record_id = f"SOA-{control_id}"
        return self.get(record_id) if self.exists(record_id) else None
