"""AI objectives and measurements [6.2, 9.1]."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from openaims.register.models.objectives import Measurement, Objective
from openaims.register.services.base import RecordFields, RecordOut, RecordService
from openaims.register.services.types import RecordId, Short, Text, Title, closed


class ObjectiveFields(RecordFields):
    """A measurable AI objective: metric, target, direction, owner, due date [6.2]."""

    title: Title
    description: Text = None
    metric: Short = None
    target_value: float | None = None
    unit: Short = None
    direction: Literal["at_least", "at_most"] = "at_least"
    owner: Short = None
    due_date: dt.date | None = None
    system_ids: list[RecordId] = []


class ObjectiveOut(ObjectiveFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class ObjectiveService(RecordService[ObjectiveFields, ObjectiveOut]):
    model = Objective
    fields = ObjectiveFields
    out = ObjectiveOut
    initial_status = "planned"
    transitions = closed(
        ("planned", ("active", "cancelled")),
        ("active", ("achieved", "missed", "cancelled")),
        ("missed", ("active", "cancelled")),
        ("achieved", ("active",)),
    )
    required = {
        "active": ("metric", "target_value", "owner", "due_date"),
        "achieved": ("metric", "target_value"),
        "missed": ("metric", "target_value"),
    }
    references = {"system_ids": "SYS"}

    def met(self, objective: ObjectiveOut, value: float) -> bool:
        """Whether ``value`` meets the objective's target."""
        if objective.target_value is None:
            return False
        if objective.direction == "at_least":
            return value >= objective.target_value
        return value <= objective.target_value

    def measurements(self, objective_id: str) -> list[MeasurementOut]:
        found = self.service(MeasurementService).all(objective_id=objective_id)
        return sorted(found, key=lambda m: (m.measured_on, m.id))


class MeasurementFields(RecordFields):
    """A value measured for an objective's metric, when and by whom [9.1]."""

    objective_id: RecordId
    measured_on: dt.date
    value: float
    measured_by: Short = None
    note: Text = None


class MeasurementOut(MeasurementFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class MeasurementService(RecordService[MeasurementFields, MeasurementOut]):
    model = Measurement
    fields = MeasurementFields
    out = MeasurementOut
    initial_status = "recorded"
    transitions = closed(("recorded", ("voided",)))
    references = {"objective_id": "OBJ"}
    owner_fields = ("measured_by",)
    frozen_statuses = frozenset({"voided"})
    search_fields = ("note",)
    label_field = "objective_id"
