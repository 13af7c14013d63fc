"""Key performance indicators computed from the register [9.1].

Each KPI has a stable key, a value computed from one snapshot of the register, a direction and
a default target. An objective whose ``metric`` is ``kpi:<key>`` takes its measurements from
here (:func:`record_kpi_measurements`), so a KPI has values over time, a target and a trend
like any other measurement; a missed target is flagged wherever objectives are.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.models.org import PolicyViolation
from openaims.register.records_view import RecordsView, read_records
from openaims.register.services.objectives import MeasurementService, ObjectiveService, target_text

#: How long a risk assessment stays current.
YEAR = dt.timedelta(days=365)
#: Prefix of an objective's metric that names a KPI (``kpi:impact_current``).
KPI_METRIC = "kpi:"


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    title: str
    unit: str
    direction: str
    target: float


@dataclass(frozen=True)
class Kpi:
    """One KPI's value now, against its target."""

    key: str
    title: str
    value: float | None
    unit: str
    direction: str
    target: float | None
    links: tuple[str, ...] = ()

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target if self.direction == "at_least" else self.value <= self.target

    @property
    def target_text(self) -> str:
        return target_text(self.direction, self.target, self.unit)

    @property
    def shown(self) -> str:
        if self.value is None:
            return "no data"
        return f"{self.value:g}{self.unit if self.unit == '%' else ' ' + self.unit}"


DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition("impact_current", "in-scope AI systems with a current impact assessment", "%", "at_least", 100),
    KpiDefinition("risk_assessed", "in-scope AI systems with a current risk assessment", "%", "at_least", 100),
    KpiDefinition("classified", "in-scope AI systems with an EU AI Act classification", "%", "at_least", 100),
    KpiDefinition("nc_median_days_to_close", "median days to close a nonconformity", "days", "at_most", 30),
    KpiDefinition("overdue_treatments", "overdue risk treatments", "treatments", "at_most", 0),
    KpiDefinition("unapproved_components", "AI components waiting for approval", "components", "at_most", 0),
    KpiDefinition("policy_violations", "policy violations failing in CI", "violations", "at_most", 0),
)
BY_KEY = {d.key: d for d in DEFINITIONS}


def _share(systems: list[str], good: set[str]) -> float | None:
    return round(100 * len([s for s in systems if s in good]) / len(systems), 1) if systems else None


def _impact_current(snap: RecordsView) -> set[str]:
    good = set()
    for a in snap.of("impact_assessment", "approved"):
        if not a.stale_reasons and (a.next_review is None or a.next_review >= snap.today):
            good.add(a.system_id)
    return good


def _risk_assessed(snap: RecordsView) -> set[str]:
    approved = {m.id for m in snap.of("risk_method", "approved")}
    return {
        s
        for r in snap.of("risk", "assessed", "treated", "accepted")
        if r.method_id in approved and r.updated_at.date() >= snap.today - YEAR
        for s in r.system_ids
    }


def _median_days(snap: RecordsView) -> float | None:
    days = [(n.updated_at.date() - n.created_at.date()).days for n in snap.of("nonconformity", "closed")]
    return float(statistics.median(days)) if days else None


def kpi_values(session: Session, snap: RecordsView) -> list[Kpi]:
    """Every KPI as the register stands in ``snap``."""
    systems = [s.id for s in snap.in_scope_systems()]
    treatments = [
        t.id
        for t in snap.of("treatment", "planned", "in_progress")
        if t.due_date is not None and t.due_date < snap.today
    ]
    pending = [c.id for c in snap.of("component", "pending") if not c.disappeared]
    failing = session.execute(
        select(func.count()).select_from(PolicyViolation).where(PolicyViolation.status == "failing")
    ).scalar_one()
    values: dict[str, tuple[float | None, tuple[str, ...]]] = {
        "impact_current": (_share(systems, _impact_current(snap)), tuple(systems)),
        "risk_assessed": (_share(systems, _risk_assessed(snap)), tuple(systems)),
        "classified": (
            _share(systems, {s.id for s in snap.in_scope_systems() if s.risk_tier != "unclassified"}),
            tuple(systems),
        ),
        "nc_median_days_to_close": (_median_days(snap), ()),
        "overdue_treatments": (float(len(treatments)), tuple(treatments)),
        "unapproved_components": (float(len(pending)), tuple(pending)),
        "policy_violations": (float(failing), ()),
    }
    return [Kpi(d.key, d.title, values[d.key][0], d.unit, d.direction, d.target, values[d.key][1]) for d in DEFINITIONS]


def record_kpi_measurements(
    session: Session, actor: Actor, *, today: dt.date, clock: Callable[[], dt.datetime] | None = None
) -> list[str]:
    """Record today's value of every KPI an active objective tracks (``metric: kpi:<key>``), once a
    day; the measurement ids recorded."""
    objectives = ObjectiveService(session, actor)
    tracking = [o for o in objectives.all(status="active") if (o.metric or "").startswith(KPI_METRIC)]
    if not tracking:
        return []
    snap = read_records(session, actor, today=today)
    kpis = {k.key: k for k in kpi_values(session, snap)}
    measurements = (
        MeasurementService(session, actor) if clock is None else MeasurementService(session, actor, clock=clock)
    )
    recorded = []
    for objective in tracking:
        kpi = kpis.get((objective.metric or "")[len(KPI_METRIC) :])
        if kpi is None or kpi.value is None:
            continue
        if any(m.measured_on == today for m in objectives.measurements(objective.id)):
            continue
        m = measurements.create(
            {
                "objective_id": objective.id,
                "measured_on": today,
                "value": kpi.value,
                "measured_by": "openaims",
                "note": f"computed from the register: {kpi.title}",
            }
        )
        recorded.append(m.id)
    return recorded


@dataclass(frozen=True)
class KpiStatus:
    """A KPI now, and the objective that tracks it (its target wins over the KPI's default)."""

    kpi: Kpi
    objective_id: str | None

    @property
    def met(self) -> bool | None:
        return self.kpi.met

    @property
    def target_text(self) -> str:
        return self.kpi.target_text

    @property
    def verdict(self) -> str:
        return {None: "no data", True: "met", False: "MISSED"}[self.kpi.met]

    def to_json(self) -> dict[str, object]:
        return {"key": self.kpi.key, "title": self.kpi.title, "value": self.kpi.value, "unit": self.kpi.unit,
                "direction": self.kpi.direction, "target": self.kpi.target, "met": self.kpi.met,
                "objective_id": self.objective_id, "links": list(self.kpi.links)}  # fmt: skip


def _tracking(objectives: ObjectiveService) -> dict[str, object]:
    """KPI key -> the active objective tracking it (the newest when several do)."""
    out: dict[str, object] = {}
    for o in objectives.all(status="active"):
        if (o.metric or "").startswith(KPI_METRIC):
            out[(o.metric or "")[len(KPI_METRIC) :]] = o
    return out


def kpi_status(session: Session, actor: Actor, *, today: dt.date) -> list[KpiStatus]:
    """Every KPI now, against the target of the objective tracking it (else the KPI's default)."""
    tracking = _tracking(ObjectiveService(session, actor))
    out = []
    for kpi in kpi_values(session, read_records(session, actor, today=today)):
        objective: Any = tracking.get(kpi.key)
        if objective is not None and objective.target_value is not None:
            kpi = Kpi(kpi.key, kpi.title, kpi.value, kpi.unit, objective.direction, objective.target_value, kpi.links)
        out.append(KpiStatus(kpi, objective.id if objective is not None else None))
    return out


def track_kpi(
    session: Session,
    actor: Actor,
    key: str,
    *,
    owner: str,
    due_date: dt.date,
    target: float | None = None,
    today: dt.date,
    clock: Callable[[], dt.datetime] | None = None,
) -> tuple[Any, list[str]]:
    """An active objective measured by KPI ``key`` (its title, unit and direction; the target given
    or the KPI's own), and its first measurement when the register gives the KPI a value."""
    from openaims.errors import ConflictError, UsageError

    definition = BY_KEY.get(key)
    if definition is None:
        raise UsageError(f"no KPI {key!r}; the KPIs are: {', '.join(BY_KEY)}")
    objectives = ObjectiveService(session, actor) if clock is None else ObjectiveService(session, actor, clock=clock)
    existing: Any = _tracking(objectives).get(key)
    if existing is not None:
        raise ConflictError(f"{existing.id} already tracks {key}; change its target with 'aims objective update'")
    objective = objectives.create(
        {"title": definition.title[0].upper() + definition.title[1:], "metric": f"{KPI_METRIC}{key}",
         "target_value": definition.target if target is None else target, "unit": definition.unit,
         "direction": definition.direction, "owner": owner, "due_date": due_date,
         "description": f"Computed from the register (KPI {key}); recorded by 'aims kpi record' and when a "
         "management review's inputs are compiled."},
        status="active",
    )  # fmt: skip
    return objective, record_kpi_measurements(session, actor, today=today, clock=clock)


__all__ = [
    "BY_KEY",
    "DEFINITIONS",
    "KPI_METRIC",
    "Kpi",
    "KpiStatus",
    "kpi_status",
    "kpi_values",
    "record_kpi_measurements",
    "track_kpi",
]
