"""Statement of Applicability rows, one per Annex A control and per control of the organisation's own
[6.1.3 d-e].

The row id is derived from the control (``SOA-A.6.2.4``); ``status`` is the assessment:
``not_assessed`` (as every Annex A row starts), then the implementation status, or ``excluded``
for a control that is not applicable. Annex A rows carry the catalogue's title; a control id
that looks like Annex A (``A.5.9``) but is not in it is refused. The organisation's own controls
have ids that do not start with ``A.`` and a title of their own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, StringConstraints

from openaims.errors import ConflictError
from openaims.register.errors import FieldProblem, RecordValidationError
from openaims.register.models.soa import SoaEntry
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import RecordId, Short, Text

NOT_ASSESSED = "not_assessed"
IMPLEMENTATION = ("not_started", "planned", "partial", "implemented")

#: A control id: an Annex A control (``A.6.2.4``) or one of the organisation's own (``NW.1``).
SoaControlId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9.]*$")
]

_ANNEX_A_SHAPE = re.compile(r"^a\.", re.IGNORECASE)


@functools.cache
def annex_a_titles() -> dict[str, str]:
    """Every Annex A control of the catalogue, in the catalogue's order, with its title."""
    from openaims.frameworks.loader import load_catalogue

    return {item.id: item.title for item in load_catalogue().framework("iso42001").of_kind("control")}


def is_annex_a(control_id: str) -> bool:
    """Whether ``control_id`` claims to be an Annex A control (whether or not the catalogue has it)."""
    return bool(_ANNEX_A_SHAPE.match(control_id))


class SoaFields(RecordFields):
    """Applicability of one control, the justification either way, owner, treatments and evidence."""

    control_id: SoaControlId
    title: Short = None
    applicable: bool = True
    justification: Text = None
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
    initial_status = NOT_ASSESSED
    transitions = {
        NOT_ASSESSED: frozenset({*IMPLEMENTATION, "excluded"}),
        **{s: frozenset(set(IMPLEMENTATION) - {s} | {"excluded"}) for s in IMPLEMENTATION},
        "excluded": frozenset(IMPLEMENTATION),
    }
    required = {"excluded": ("justification",)}
    references = {"treatment_ids": "TREAT", "evidence_ids": "EVD"}
    search_fields = ("control_id", "title", "justification")
    label_field = "control_id"

    def allocate_id(self, fields: SoaFields) -> str:
        record_id = f"SOA-{fields.control_id}"
        if self.exists(record_id):
            raise ConflictError(
                f"the SoA already has a row for {fields.control_id} ({record_id}); update it instead"
            )
        return record_id

    def prepare(self, record_id: str, before: SoaOut | None, fields: SoaFields, status: str) -> SoaFields:
        control = fields.control_id
        titles = annex_a_titles()
        if control in titles:
            return fields.model_copy(update={"title": titles[control]})
        if is_annex_a(control) and before is None:
            # A usage error (exit 2): the id is wrong, not the state of the register.
            ids = list(titles)
            problem = (
                f"{control} is not an ISO/IEC 42001 Annex A control (Annex A has {len(ids)}: {ids[0]} to "
                f"{ids[-1]}, see 'aims frameworks show iso42001'); give the organisation's own controls an id "
                "that does not start with 'A.'"
            )
            raise RecordValidationError(self.record_type(), [FieldProblem("control_id", problem)])
        if not fields.title:
            problem = f"the organisation's own control {control} needs a title"
            raise RecordValidationError(self.record_type(), [FieldProblem("title", problem)])
        return fields

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

    def update(self, record_id: str, expected_version: int, changes: Mapping[str, Any] | BaseModel) -> SoaOut:
        """Marking a control not applicable (without naming a status) excludes it."""
        raw = changes.model_dump(exclude_unset=True) if isinstance(changes, BaseModel) else dict(changes)
        excluding = raw.get("applicable") is False and not raw.get("status") and self.exists(record_id)
        if excluding and self.get(record_id).status != "excluded":
            raw["status"] = "excluded"
        return super().update(record_id, expected_version, raw)

    def for_control(self, control_id: str) -> SoaOut | None:
        record_id = f"SOA-{control_id}"
        return self.get(record_id) if self.exists(record_id) else None
