"""Monitoring plans: which metrics of an AI system are watched, how, how often, against which
thresholds, and who is told [9.1, A.6.2.6]."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import select

from openaims.monitoring.interface import (
    COMPUTATIONS,
    NEEDS_LABEL,
    NEEDS_SCORE,
    PUSHED,
    Columns,
    Direction,
    Kind,
    MetricSpec,
)
from openaims.register.errors import RuleViolationError
from openaims.register.models.monitoring import MonitoringPlan
from openaims.register.services.base import RecordFields, RecordOut, RecordService
from openaims.register.services.types import RecordId, Short, Text, Title, closed

#: How often a plan expects results, in days: a system without one for longer is overdue.
SCHEDULE_DAYS: dict[str, int] = {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92}

ColumnName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
MetricName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:/-]+$")
]


class PlanColumns(BaseModel):
    """The columns of a predictions batch: outcome, true label, score, group columns, features."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    prediction: ColumnName | None = None
    label: ColumnName | None = None
    score: ColumnName | None = None
    groups: list[ColumnName] = Field(default_factory=list, max_length=20)
    features: list[ColumnName] = Field(default_factory=list, max_length=500)

    def declared(self) -> Columns | None:
        if not self.prediction:
            return None
        return Columns(
            prediction=self.prediction, label=self.label, score=self.score,
            groups=tuple(self.groups), features=tuple(self.features),
        )  # fmt: skip


class PlanMetric(BaseModel):
    """One metric: name, kind, how it is computed, thresholds with the bad direction, who is told."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: MetricName
    kind: Kind
    computed: Annotated[str, StringConstraints(min_length=1, max_length=60)] = PUSHED
    #: Group columns (fairness) or features (drift) it covers; empty: every declared one.
    on: list[ColumnName] = Field(default_factory=list, max_length=500)
    warning: float | None = None
    breach: float | None = None
    direction: Direction = Direction.ABOVE
    notify: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]] = []
    #: The MLflow metric key it is read from (default: its name).
    mlflow_key: Annotated[str | None, StringConstraints(max_length=250)] = None
    unit: Annotated[str | None, StringConstraints(max_length=40)] = None

    @model_validator(mode="after")
    def _consistent(self) -> PlanMetric:
        allowed = COMPUTATIONS[self.kind]
        if self.computed not in allowed:
            raise ValueError(
                f"a {self.kind} metric is computed as one of: {', '.join(allowed)} (got {self.computed!r})"
            )
        if self.warning is not None and self.breach is not None:
            worse = self.breach >= self.warning if self.direction is Direction.ABOVE else self.breach <= self.warning
            if not worse:
                raise ValueError(
                    f"metric {self.name!r}: the breach threshold must be past the warning one in the "
                    f"{self.direction} direction"
                )
        return self

    def spec(self) -> MetricSpec:
        return MetricSpec(name=self.name, kind=self.kind, computed=self.computed, on=tuple(self.on))


class MonitoringPlanFields(RecordFields):
    """An AI system's monitoring: metrics, schedule, thresholds, columns of its predictions, who is told."""

    title: Title
    system_id: RecordId
    description: Text = None
    schedule: Literal["daily", "weekly", "monthly", "quarterly"] = "monthly"
    owner: Short = None
    notify: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]] = []
    columns: PlanColumns = Field(default_factory=PlanColumns)
    metrics: list[PlanMetric] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _metrics_fit_columns(self) -> MonitoringPlanFields:
        names = [m.name for m in self.metrics]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"metric names are unique within a plan ({', '.join(twice)} appear twice)")
        computed = [m for m in self.metrics if m.computed != PUSHED]
        cols = self.columns
        if computed and not cols.prediction:
            raise ValueError(f"metric {computed[0].name!r} is computed from predictions: declare columns.prediction")
        for metric in computed:
            if metric.computed in NEEDS_LABEL and not cols.label:
                raise ValueError(
                    f"metric {metric.name!r} ({metric.computed}) needs the true label: declare columns.label"
                )
            if metric.computed in NEEDS_SCORE and not cols.score:
                raise ValueError(f"metric {metric.name!r} ({metric.computed}) needs a score: declare columns.score")
            if metric.kind is Kind.FAIRNESS and not (metric.on or cols.groups):
                raise ValueError(f"fairness metric {metric.name!r} needs group columns: declare columns.groups")
            pool = cols.groups if metric.kind is Kind.FAIRNESS else cols.features
            unknown = [c for c in metric.on if c not in pool]
            if unknown:
                where = "columns.groups" if metric.kind is Kind.FAIRNESS else "columns.features"
                raise ValueError(f"metric {metric.name!r} is on {unknown[0]!r}, which is not in {where}")
            if metric.kind is Kind.DRIFT and metric.computed != "prediction_psi" and not (metric.on or cols.features):
                raise ValueError(f"drift metric {metric.name!r} needs features: declare columns.features")
        return self

    def declared(self) -> Columns | None:
        return self.columns.declared()

    def metric(self, name: str) -> PlanMetric | None:
        return next((m for m in self.metrics if m.name == name), None)


class MonitoringPlanOut(MonitoringPlanFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class MonitoringPlanService(RecordService[MonitoringPlanFields, MonitoringPlanOut]):
    """One plan in force per AI system; a suspended plan records nothing and is never overdue."""

    model = MonitoringPlan
    fields = MonitoringPlanFields
    out = MonitoringPlanOut
    initial_status = "active"
    transitions = closed(
        ("active", ("suspended", "retired")),
        ("suspended", ("active", "retired")),
        ("retired", ()),
    )
    required = {"active": ("owner",)}
    references = {"system_id": "SYS"}
    final_statuses = frozenset({"retired"})
    frozen_statuses = frozenset({"retired"})
    search_fields = ("title", "description")

    def check(
        self, record_id: str, before: MonitoringPlanOut | None, fields: MonitoringPlanFields, status: str
    ) -> None:
        if status == "retired":
            return
        other = self.session.execute(
            select(MonitoringPlan.id).where(
                MonitoringPlan.system_id == fields.system_id,
                MonitoringPlan.status != "retired",
                MonitoringPlan.id != record_id,
            )
        ).scalar()
        if other is not None:
            raise RuleViolationError(
                f"{fields.system_id} already has monitoring plan {other}; change that one, or retire it first"
            )

    def for_system(self, system_id: str) -> MonitoringPlanOut | None:
        """The plan in force (active or suspended) of ``system_id``, if it has one."""
        row = self.session.execute(
            select(MonitoringPlan).where(MonitoringPlan.system_id == system_id, MonitoringPlan.status != "retired")
        ).scalar_one_or_none()
        return self.to_out(row) if row is not None else None

    @staticmethod
    def period(plan: MonitoringPlanOut) -> dt.timedelta:
        return dt.timedelta(days=SCHEDULE_DAYS[plan.schedule])

    def plan_data(self, plan: MonitoringPlanOut) -> dict[str, Any]:
        return plan.model_dump(mode="json", include=set(self.field_names()))

    def put_for_system(self, system_id: str, data: dict[str, Any]) -> tuple[MonitoringPlanOut, bool]:
        """Create ``system_id``'s plan from ``data``, or change the plan in force to match it.
        Returns the plan and whether it was created."""
        values = {**data, "system_id": system_id}
        current = self.for_system(system_id)
        if current is None:
            return self.create(values), True
        changes = {k: v for k, v in values.items() if k != "status"}
        return self.update(current.id, current.version, changes), False
