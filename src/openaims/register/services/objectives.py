"""AI objectives and measurements [6.2, 9.1]."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
        """The objective's recorded (not voided) values, oldest first."""
        found = self.service(MeasurementService).all(objective_id=objective_id, status="recorded")
        return sorted(found, key=lambda m: (m.measured_on, len(m.id), m.id))

    def target_status(self, objective: ObjectiveOut) -> TargetStatus:
        """The latest value against the target: met, missed, or not measured yet [6.2, 9.1]."""
        values = self.measurements(objective.id)
        latest = values[-1] if values else None
        met = self.met(objective, latest.value) if latest is not None and objective.target_value is not None else None
        return TargetStatus(objective.id, latest, met, target_text(objective.direction, objective.target_value,
                                                                    objective.unit), values)  # fmt: skip

    def missed_targets(self) -> list[TargetStatus]:
        """Active objectives whose latest value misses the target (flagged on the dashboard and in reviews)."""
        out = []
        for objective in self.all(status="active"):
            status = self.target_status(objective)
            if status.met is False:
                out.append(status)
        return out


def target_text(direction: str, target: float | None, unit: str | None = None) -> str:
    """``>= 95%`` or ``<= 30 days``."""
    if target is None:
        return "no target"
    sign = ">=" if direction == "at_least" else "<="
    return f"{sign} {target:g}{(' ' + unit) if unit and unit != '%' else (unit or '')}"


@dataclass(frozen=True)
class TargetStatus:
    """An objective's latest measured value and whether it meets the target."""

    objective_id: str
    latest: MeasurementOut | None
    met: bool | None
    target_text: str
    values: list[MeasurementOut]


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
