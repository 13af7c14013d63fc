"""Monitoring results: values evaluated from batches, pushed or imported, held against the plan's
thresholds, with the consequences a breach has [9.1, A.6.2.6, 10.2].

Every value is stored with its time, source and batch and the level it reached. A breach opens
an incident on the system, or adds to the incident still open for the same metric: one
incident per breach episode, which ends when its incident is resolved or closed. A fairness
breach also marks the system's approved impact assessment stale.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openaims.errors import NotFoundError, PermissionDeniedError, UsageError
from openaims.monitoring.interface import PUSHED, Direction, Kind, Level, Value
from openaims.monitoring.thresholds import level as level_of
from openaims.register.actors import Actor, Permission, Role
from openaims.register.errors import RuleViolationError
from openaims.register.models.base import utcnow
from openaims.register.models.incidents import Incident
from openaims.register.models.monitoring import MonitoringPlan, MonitoringResult
from openaims.register.models.systems import AISystem
from openaims.register.services.evidence import EvidenceDir
from openaims.register.services.monitoring_plans import MonitoringPlanOut, MonitoringPlanService, PlanMetric

#: Incident statuses in which a breach episode is still going on (a later breach adds to it).
EPISODE_OPEN = ("reported", "investigating", "contained")
#: Sources of values.
SOURCES = ("evaluate", "push", "api", "mlflow", "sample")
#: At most this much text is added to an incident's description by later breaches.
MAX_DESCRIPTION = 50_000


@dataclass(frozen=True)
class Recorded:
    """One stored value and what it caused."""

    id: int
    metric: str
    kind: str
    value: float
    level: str
    at: dt.datetime
    feature: str | None = None
    group: str | None = None
    incident_id: str | None = None
    incident_opened: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "metric": self.metric, "kind": self.kind, "value": self.value, "level": self.level,
            "at": self.at.isoformat(), "feature": self.feature, "group": self.group,
            "incident_id": self.incident_id, "incident_opened": self.incident_opened,
        }  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What one evaluation, push or import recorded."""

    system_id: str
    plan_id: str
    source: str
    batch: str | None
    results: list[Recorded]
    incidents_opened: list[str] = field(default_factory=list)
    incidents_added_to: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def breaches(self) -> list[Recorded]:
        return [r for r in self.results if r.level == Level.BREACH]

    @property
    def warnings(self) -> list[Recorded]:
        return [r for r in self.results if r.level == Level.WARNING]

    def to_json(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id, "plan_id": self.plan_id, "source": self.source, "batch": self.batch,
            "results": [r.to_json() for r in self.results], "incidents_opened": self.incidents_opened,
            "incidents_added_to": self.incidents_added_to, "notes": self.notes,
        }  # fmt: skip


def _fairness_breached(
    session: Session, actor: Actor, system_id: str, breaches: Sequence[Recorded], clock: Callable[[], dt.datetime]
) -> None:
    """A fairness breach on a group means the system's impact assessment no longer reflects it."""
    from openaims.register.services.impact_currency import StaleTrigger, mark_stale

    for incident_id in dict.fromkeys(r.incident_id for r in breaches):
        found = [r for r in breaches if r.incident_id == incident_id]
        where = ", ".join(f"{_series_label(r.metric, r.feature, r.group)} = {r.value:.3g}" for r in found[:5])
        reason = f"monitoring recorded a fairness breach: {where}"
        if incident_id:
            reason += f" (incident {incident_id})"
        mark_stale(session, _system_actor(actor), system_id, StaleTrigger.FAIRNESS_BREACH, reason,
                   record_id=incident_id, clock=clock)  # fmt: skip


def _series_label(metric: str, feature: str | None, group: str | None) -> str:
    parts = [p for p in (feature, group) if p]
    return f"{metric} ({', '.join(parts)})" if parts else metric


# ------------------------------------------------------------------ lookups
def _require_may_record(actor: Actor) -> None:
    if not (actor.can_write or actor.may(Permission.PUSH_METRICS)):
        raise PermissionDeniedError(
            f"{actor.describe()} may not record monitoring results; an admin, an AIMS manager, a contributor "
            "or a CI service account (role 'ci') records them"
        )


def plan_for(session: Session, actor: Actor, system_id: str) -> MonitoringPlanOut:
    """The active plan of ``system_id``; NotFoundError for an unknown system, a rule error without a plan."""
    system = session.get(AISystem, system_id)
    if system is None:
        raise NotFoundError(f"no AI system {system_id!r}; list them with 'aims system list'")
    plan = MonitoringPlanService(session, actor).for_system(system_id)
    if plan is None:
        raise RuleViolationError(
            f"{system_id} has no monitoring plan; create one with 'aims monitor plan {system_id} PLAN.yaml'"
        )
    if plan.status != "active":
        raise RuleViolationError(f"{system_id}'s monitoring plan {plan.id} is {plan.status}; it records nothing")
    return plan


def _metric(plan: MonitoringPlanOut, name: str) -> PlanMetric:
    metric = plan.metric(name)
    if metric is None:
        known = ", ".join(m.name for m in plan.metrics) or "none"
        raise UsageError(f"{plan.system_id}'s monitoring plan {plan.id} has no metric {name!r} (its metrics: {known})")
    return metric


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# ------------------------------------------------------------------ recording
def push(
    session: Session,
    actor: Actor,
    system_id: str,
    metric: str,
    value: float,
    *,
    at: dt.datetime | None = None,
    source: str = "push",
    batch: str | None = None,
    group: str | None = None,
    feature: str | None = None,
    now: dt.datetime | None = None,
    evidence_dir: EvidenceDir | None = None,
) -> Outcome:
    """Record one value of a named metric of ``system_id``'s plan (computed elsewhere)."""
    _require_may_record(actor)
    plan = plan_for(session, actor, system_id)
    spec = _metric(plan, metric)
    if not math.isfinite(value):
        raise UsageError(f"metric {metric!r}: {value!r} is not a finite number")
    moment = _as_utc(at) if at is not None else (now or utcnow())
    item = Value(metric=spec.name, kind=spec.kind, value=float(value), feature=feature, group=group)
    return record(session, actor, plan, [item], at=moment, source=source, batch=batch, now=now,
                  evidence_dir=evidence_dir)  # fmt: skip


def record(
    session: Session,
    actor: Actor,
    plan: MonitoringPlanOut,
    values: Iterable[Value],
    *,
    at: dt.datetime,
    source: str,
    batch: str | None,
    now: dt.datetime | None = None,
    notes: Sequence[str] = (),
    evidence_dir: EvidenceDir | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Outcome:
    """Store ``values`` under ``plan``, each with its level; open or add to incidents for breaches.
    ``clock`` times the incident and evidence writes (default: ``now``)."""
    _require_may_record(actor)
    if source not in SOURCES:
        raise UsageError(f"unknown monitoring source {source!r}")
    moment = now or utcnow()
    writes = clock or (lambda: moment)
    at = _as_utc(at)
    rows: list[tuple[MonitoringResult, PlanMetric]] = []
    for item in values:
        spec = _metric(plan, item.metric)
        reached = level_of(item.value, warning=spec.warning, breach=spec.breach, direction=Direction(spec.direction))
        row = MonitoringResult(
            plan_id=plan.id, system_id=plan.system_id, metric=spec.name, kind=str(spec.kind),
            feature=item.feature, group=item.group, value=float(item.value), level=str(reached), at=at,
            source=source, batch=batch, details=_plain(item.details), recorded_at=moment, recorded_by=actor.name,
        )  # fmt: skip
        session.add(row)
        rows.append((row, spec))
    session.flush()
    opened: list[str] = []
    added: list[str] = []
    by_metric: dict[str, list[tuple[MonitoringResult, PlanMetric]]] = {}
    for row, spec in rows:
        if row.level == Level.BREACH:
            by_metric.setdefault(row.metric, []).append((row, spec))
    for metric, breaches in by_metric.items():
        incident_id, is_new = _incident_for(session, actor, plan, metric, breaches, batch, at, evidence_dir, writes)
        for row, _spec in breaches:
            row.incident_id = incident_id
        (opened if is_new else added).append(incident_id)
    session.flush()
    results = [
        Recorded(
            id=row.id, metric=row.metric, kind=row.kind, value=row.value, level=row.level, at=row.at,
            feature=row.feature, group=row.group, incident_id=row.incident_id,
            incident_opened=row.incident_id in opened,
        )
        for row, _spec in rows
    ]
    fairness = [r for r in results if r.level == Level.BREACH and r.kind == Kind.FAIRNESS]
    if fairness:
        _fairness_breached(session, actor, plan.system_id, fairness, writes)
    return Outcome(
        system_id=plan.system_id, plan_id=plan.id, source=source, batch=batch, results=results,
        incidents_opened=opened, incidents_added_to=added, notes=list(notes),
    )  # fmt: skip


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready details (numbers that are not finite become text)."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    return clean(dict(details))  # type: ignore[no-any-return]


def _describe(row: MonitoringResult, spec: PlanMetric) -> str:
    where = ", ".join(p for p in (row.feature and f"column {row.feature}", row.group and f"group {row.group}") if p)
    sign = ">" if spec.direction == Direction.ABOVE else "<"
    return f"{row.metric}{f' ({where})' if where else ''} = {row.value:.4g} ({sign} breach threshold {spec.breach:g})"


def _system_actor(actor: Actor) -> Actor:
    """Who opens a breach incident: the register's rule, in the name of whoever recorded the value
    (a CI account that may only push metrics still gets its breach on record)."""
    return Actor(name=actor.name, roles=frozenset({Role.AIMS_MANAGER}), person_id=actor.person_id,
                 aliases=actor.aliases)  # fmt: skip


def _open_episode(session: Session, plan_id: str, metric: str) -> Incident | None:
    incident_id = session.execute(
        select(MonitoringResult.incident_id)
        .where(
            MonitoringResult.plan_id == plan_id,
            MonitoringResult.metric == metric,
            MonitoringResult.incident_id.is_not(None),
        )
        .order_by(MonitoringResult.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if incident_id is None:
        return None
    incident = session.get(Incident, incident_id)
    return incident if incident is not None and incident.status in EPISODE_OPEN else None


def _incident_for(
    session: Session,
    actor: Actor,
    plan: MonitoringPlanOut,
    metric: str,
    breaches: list[tuple[MonitoringResult, PlanMetric]],
    batch: str | None,
    at: dt.datetime,
    evidence_dir: EvidenceDir | None,
    clock: Callable[[], dt.datetime],
) -> tuple[str, bool]:
    from openaims.register.services.incidents import IncidentService

    service = IncidentService(session, _system_actor(actor), clock=clock)
    lines = [_describe(row, spec) for row, spec in breaches]
    source = f" from {batch}" if batch else ""
    episode = _open_episode(session, plan.id, metric)
    if episode is not None:
        current = service.get(episode.id)
        description = current.description or ""
        if len(description) < MAX_DESCRIPTION:
            addition = f"\n\nStill in breach at {at:%Y-%m-%d %H:%M} UTC{source}:\n" + "\n".join(f"- {x}" for x in lines)
            service.update(current.id, current.version, {"description": description + addition})
        _evidence(session, actor, current.id, plan, breaches, batch, at, evidence_dir, clock)
        return current.id, False
    system = session.get(AISystem, plan.system_id)
    name = system.name if system is not None else plan.system_id
    spec = breaches[0][1]
    notify = list(dict.fromkeys([*spec.notify, *plan.notify]))
    description = (
        f"Monitoring plan {plan.id} recorded a breach of {metric} ({spec.kind}) on {plan.system_id} "
        f"at {at:%Y-%m-%d %H:%M} UTC{source}:\n" + "\n".join(f"- {x}" for x in lines)
        + (f"\n\nTo be notified: {', '.join(notify)}." if notify else "")
    )  # fmt: skip
    created = service.create(
        {
            "title": f"Monitoring breach: {metric} of {name}"[:200],
            "description": description,
            "detected_at": at,
            "detected_by": f"monitoring plan {plan.id}",
            "severity": "high",
            "category": f"monitoring:{spec.kind}",
            "system_ids": [plan.system_id],
            "owner": plan.owner,
            "links": [plan.id],
        }
    )
    _evidence(session, actor, created.id, plan, breaches, batch, at, evidence_dir, clock)
    return created.id, True


def _evidence(
    session: Session,
    actor: Actor,
    incident_id: str,
    plan: MonitoringPlanOut,
    breaches: list[tuple[MonitoringResult, PlanMetric]],
    batch: str | None,
    at: dt.datetime,
    evidence_dir: EvidenceDir | None,
    clock: Callable[[], dt.datetime],
) -> None:
    """The breaching values and the batch they came from, as a JSON file attached to the incident."""
    if evidence_dir is None:
        return
    from openaims.register.services.evidence import EvidenceService

    content = {
        "plan_id": plan.id,
        "system_id": plan.system_id,
        "at": at.isoformat(),
        "batch": batch,
        "values": [
            {"metric": row.metric, "kind": row.kind, "feature": row.feature, "group": row.group, "value": row.value,
             "level": row.level, "warning": spec.warning, "breach": spec.breach, "direction": str(spec.direction),
             "details": row.details}
            for row, spec in breaches
        ],
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="aims-monitoring-") as folder:
        path = Path(folder) / f"monitoring-{plan.system_id}-{breaches[0][0].metric}-{at:%Y%m%dT%H%M%S}.json"
        path.write_text(json.dumps(content, indent=2, sort_keys=True), encoding="utf-8")
        EvidenceService(session, _system_actor(actor), clock=clock, evidence_dir=evidence_dir).add_file(
            path,
            title=f"Monitoring values: {breaches[0][0].metric} of {plan.system_id} at {at:%Y-%m-%d %H:%M}",
            record_ids=[incident_id],
            description=f"Breaching values recorded by {plan.id}" + (f" from {batch}" if batch else ""),
        )


# ------------------------------------------------------------------ evaluation
def evaluate(
    session: Session,
    actor: Actor,
    system_id: str,
    predictions: Path,
    *,
    reference: Path | None = None,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    evidence_dir: EvidenceDir | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Outcome:
    """Compute the plan's metrics on a predictions batch (drift against ``reference``) and record them.

    The batch is read and checked completely before anything is stored: a file that does not
    match the plan raises :class:`~openaims.monitoring.interface.BatchError` and stores nothing.
    """
    from openaims.monitoring.batch import read_batch
    from openaims.monitoring.compute import compute, reference_columns, required_columns

    _require_may_record(actor)
    plan = plan_for(session, actor, system_id)
    columns = plan.declared()
    specs = [m.spec() for m in plan.metrics if m.computed != PUSHED]
    if columns is None or not specs:
        raise RuleViolationError(
            f"{system_id}'s monitoring plan {plan.id} computes nothing from predictions: give it columns and "
            "metrics computed as accuracy, selection_rate, demographic_parity_difference, psi..."
        )
    current = read_batch(predictions, columns, required=required_columns(specs, columns))
    notes: list[str] = []
    ref_batch = None
    drift = [s for s in specs if s.kind is Kind.DRIFT]
    if reference is not None:
        ref_batch = read_batch(reference, columns, required=reference_columns(specs, columns), what="reference")
    elif drift:
        notes.append(f"no --reference batch: drift metrics not computed ({', '.join(s.name for s in drift)})")
    values = compute(specs, columns, current, ref_batch)
    batch = current.label + (f" against {ref_batch.label}" if ref_batch is not None else "")
    moment = _as_utc(at) if at is not None else (now or utcnow())
    return record(session, actor, plan, values, at=moment, source="evaluate", batch=batch, now=now, notes=notes,
                  evidence_dir=evidence_dir, clock=clock)  # fmt: skip


# ------------------------------------------------------------------ reviewing warnings
@dataclass(frozen=True)
class Reviewed:
    """The warnings one review covered."""

    system_id: str
    plan_id: str
    result_ids: list[int]
    metrics: list[str]
    by: str
    at: dt.datetime
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id, "plan_id": self.plan_id, "result_ids": self.result_ids,
            "metrics": self.metrics, "by": self.by, "at": self.at.isoformat(), "note": self.note,
        }  # fmt: skip


def unreviewed_warnings(session: Session, plan_id: str) -> list[MonitoringResult]:
    """The warnings recorded under ``plan_id`` that nobody has reviewed yet, oldest first."""
    return list(
        session.execute(
            select(MonitoringResult)
            .where(
                MonitoringResult.plan_id == plan_id,
                MonitoringResult.level == Level.WARNING,
                MonitoringResult.reviewed_at.is_(None),
            )
            .order_by(MonitoringResult.at, MonitoringResult.id)
        ).scalars()
    )


def review_warnings(
    session: Session,
    actor: Actor,
    system_id: str,
    note: str,
    *,
    metric: str | None = None,
    now: dt.datetime | None = None,
) -> Reviewed:
    """Record that the signed-in person reviewed the system's unreviewed warnings (of ``metric``, or all)
    and what they concluded [9.1]. A breach is handled through its incident, not here."""
    if not actor.can_write:
        raise PermissionDeniedError(
            f"{actor.describe()} may not review monitoring warnings; an admin, an AIMS manager or a contributor does"
        )
    text = (note or "").strip()
    if not text:
        raise UsageError("a review of monitoring warnings needs a note saying what was concluded (--note)")
    if session.get(AISystem, system_id) is None:
        raise NotFoundError(f"no AI system {system_id!r}; list them with 'aims system list'")
    plan = MonitoringPlanService(session, actor).for_system(system_id)
    if plan is None:
        raise RuleViolationError(f"{system_id} has no monitoring plan, so no warnings to review")
    if metric is not None:
        _metric(plan, metric)
    rows = [r for r in unreviewed_warnings(session, plan.id) if metric is None or r.metric == metric]
    if not rows:
        what = f" of {metric}" if metric else ""
        raise RuleViolationError(f"{system_id} has no unreviewed monitoring warning{what}")
    moment = now or utcnow()
    for row in rows:
        row.reviewed_at = moment
        row.reviewed_by = actor.name
        row.review_note = text[:MAX_DESCRIPTION]
    session.flush()
    return Reviewed(
        system_id=system_id, plan_id=plan.id, result_ids=[r.id for r in rows],
        metrics=sorted({_series_label(r.metric, r.feature, r.group) for r in rows}), by=actor.name, at=moment,
        note=text,
    )  # fmt: skip


# ------------------------------------------------------------------ facts for readiness
@dataclass(frozen=True)
class Flagged:
    """A breach, or a warning nobody reviewed, as readiness reads it."""

    plan_id: str
    system_id: str
    metric: str
    feature: str | None
    group: str | None
    level: str
    at: dt.datetime
    incident_id: str | None

    @property
    def label(self) -> str:
        return _series_label(self.metric, self.feature, self.group)


@dataclass(frozen=True)
class MonitoringFacts:
    """What readiness needs of the monitoring results: each plan's newest result, every breach and
    every warning not reviewed (as of ``until``)."""

    last_result: dict[str, dt.datetime]
    flagged: tuple[Flagged, ...]


def readiness_facts(session: Session, *, until: dt.datetime | None = None) -> MonitoringFacts:
    """The monitoring facts as recorded up to ``until`` (everything when None)."""
    newest = select(MonitoringResult.plan_id, func.max(MonitoringResult.at)).group_by(MonitoringResult.plan_id)
    flagged = select(MonitoringResult).where(
        (MonitoringResult.level == Level.BREACH)
        | ((MonitoringResult.level == Level.WARNING) & MonitoringResult.reviewed_at.is_(None))
    )
    if until is not None:
        newest = newest.where(MonitoringResult.recorded_at <= until)
        flagged = select(MonitoringResult).where(
            MonitoringResult.recorded_at <= until,
            (MonitoringResult.level == Level.BREACH)
            | ((MonitoringResult.level == Level.WARNING)
               & (MonitoringResult.reviewed_at.is_(None) | (MonitoringResult.reviewed_at > until))),
        )  # fmt: skip
    last = {plan_id: _as_utc(at) for plan_id, at in session.execute(newest) if at is not None}
    rows = session.execute(flagged.order_by(MonitoringResult.at, MonitoringResult.id)).scalars()
    return MonitoringFacts(
        last_result=last,
        flagged=tuple(
            Flagged(r.plan_id, r.system_id, r.metric, r.feature, r.group, r.level, _as_utc(r.at), r.incident_id)
            for r in rows
        ),
    )


# ------------------------------------------------------------------ status
@dataclass(frozen=True)
class Latest:
    """The newest value of one series (metric, column, group)."""

    metric: str
    kind: str
    feature: str | None
    group: str | None
    value: float
    level: str
    at: dt.datetime
    source: str
    incident_id: str | None


@dataclass(frozen=True)
class SystemStatus:
    """Where one system's monitoring stands: worst level now, overdue or not, open breach incidents."""

    system_id: str
    system_name: str
    plan_id: str
    plan_status: str
    schedule: str
    level: str
    overdue: bool
    last_result_at: dt.datetime | None
    due_by: dt.datetime
    latest: list[Latest]
    open_incidents: list[str]
    #: Warnings nobody has reviewed yet ('aims monitor review').
    unreviewed_warnings: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id, "system_name": self.system_name, "plan_id": self.plan_id,
            "plan_status": self.plan_status, "schedule": self.schedule, "level": self.level,
            "overdue": self.overdue,
            "last_result_at": self.last_result_at.isoformat() if self.last_result_at else None,
            "due_by": self.due_by.isoformat(),
            "latest": [
                {"metric": x.metric, "kind": x.kind, "feature": x.feature, "group": x.group, "value": x.value,
                 "level": x.level, "at": x.at.isoformat(), "source": x.source, "incident_id": x.incident_id}
                for x in self.latest
            ],
            "open_incidents": self.open_incidents,
            "unreviewed_warnings": self.unreviewed_warnings,
        }  # fmt: skip


def _latest(session: Session, plan_id: str) -> list[Latest]:
    newest = (
        select(
            MonitoringResult.metric, MonitoringResult.feature, MonitoringResult.group,
            func.max(MonitoringResult.id).label("id"),
        )
        .where(MonitoringResult.plan_id == plan_id)
        .group_by(MonitoringResult.metric, MonitoringResult.feature, MonitoringResult.group)
        .subquery()
    )  # fmt: skip
    rows = session.execute(
        select(MonitoringResult).join(newest, MonitoringResult.id == newest.c.id).order_by(
            MonitoringResult.metric, MonitoringResult.feature, MonitoringResult.group
        )
    ).scalars()
    return [
        Latest(r.metric, r.kind, r.feature, r.group, r.value, r.level, r.at, r.source, r.incident_id) for r in rows
    ]


def status(
    session: Session, actor: Actor, system_id: str | None = None, *, now: dt.datetime | None = None
) -> list[SystemStatus]:
    """The monitoring status of every system with a plan in force (or of ``system_id``)."""
    moment = now or utcnow()
    stmt = select(MonitoringPlan).where(MonitoringPlan.status != "retired")
    if system_id is not None:
        if session.get(AISystem, system_id) is None:
            raise NotFoundError(f"no AI system {system_id!r}; list them with 'aims system list'")
        stmt = stmt.where(MonitoringPlan.system_id == system_id)
    plans = MonitoringPlanService(session, actor)
    out: list[SystemStatus] = []
    for row in session.execute(stmt.order_by(func.length(MonitoringPlan.id), MonitoringPlan.id)).scalars():
        plan = plans.to_out(row)
        system = session.get(AISystem, plan.system_id)
        latest = _latest(session, plan.id)
        last = session.execute(
            select(func.max(MonitoringResult.at)).where(MonitoringResult.plan_id == plan.id)
        ).scalar_one_or_none()
        last = _as_utc(last) if last is not None else None
        due_by = (last or _as_utc(plan.created_at)) + MonitoringPlanService.period(plan)
        levels = {x.level for x in latest}
        worst = Level.BREACH if Level.BREACH in levels else Level.WARNING if Level.WARNING in levels else Level.OK
        incidents = sorted(
            i
            for i in session.execute(
                select(MonitoringResult.incident_id)
                .where(MonitoringResult.plan_id == plan.id, MonitoringResult.incident_id.is_not(None))
                .distinct()
            ).scalars()
            if i
        )
        open_incidents = [
            i for i in incidents if (inc := session.get(Incident, i)) is not None and inc.status in EPISODE_OPEN
        ]
        out.append(
            SystemStatus(
                system_id=plan.system_id, system_name=system.name if system is not None else plan.system_id,
                plan_id=plan.id, plan_status=plan.status, schedule=plan.schedule, level=str(worst),
                overdue=plan.status == "active" and moment > due_by, last_result_at=last, due_by=due_by,
                latest=latest, open_incidents=open_incidents,
                unreviewed_warnings=len(unreviewed_warnings(session, plan.id)),
            )
        )
    return out


@dataclass(frozen=True)
class Point:
    at: dt.datetime
    value: float
    level: str


@dataclass(frozen=True)
class Series:
    """The values of one metric over time (per column and group), with the plan's thresholds."""

    metric: str
    kind: str
    feature: str | None
    group: str | None
    warning: float | None
    breach: float | None
    direction: str
    points: list[Point]

    @property
    def label(self) -> str:
        parts = [p for p in (self.feature, self.group) if p]
        return f"{self.metric} ({', '.join(parts)})" if parts else self.metric

    @property
    def chart_points(self) -> list[tuple[str, float, str]]:
        """(day, value, level) of each point, for a chart."""
        return [(p.at.strftime("%Y-%m-%d"), p.value, p.level) for p in self.points]

    @property
    def thresholds(self) -> list[tuple[str, float]]:
        return [(name, value) for name, value in (("warning", self.warning), ("breach", self.breach))
                if value is not None]  # fmt: skip


def series(session: Session, plan: MonitoringPlanOut, *, limit: int = 5000) -> list[Series]:
    """Every series of ``plan``'s results, oldest point first (the newest ``limit`` values)."""
    rows = session.execute(
        select(MonitoringResult).where(MonitoringResult.plan_id == plan.id).order_by(MonitoringResult.id.desc())
        .limit(limit)
    ).scalars()  # fmt: skip
    grouped: dict[tuple[str, str | None, str | None], list[MonitoringResult]] = {}
    for row in rows:
        grouped.setdefault((row.metric, row.feature, row.group), []).append(row)
    out: list[Series] = []
    for (metric, feature, group), items in sorted(grouped.items(), key=lambda kv: tuple(x or "" for x in kv[0])):
        spec = plan.metric(metric)
        items.sort(key=lambda r: (r.at, r.id))
        out.append(
            Series(
                metric=metric, kind=items[0].kind, feature=feature, group=group,
                warning=spec.warning if spec else None, breach=spec.breach if spec else None,
                direction=str(spec.direction) if spec else "above",
                points=[Point(_as_utc(r.at), r.value, r.level) for r in items],
            )
        )
    return out


@dataclass(frozen=True)
class Bars:
    """Latest values of one metric side by side: per group (fairness) or per feature (drift)."""

    metric: str
    feature: str | None
    at: dt.datetime
    items: list[tuple[str, float, str]]


@dataclass(frozen=True)
class StoredResult:
    """One stored value as recorded: when measured, where from, by whom, what it caused, its review."""

    id: int
    label: str
    value: float
    level: str
    at: dt.datetime
    source: str
    batch: str | None
    recorded_at: dt.datetime
    recorded_by: str
    incident_id: str | None
    reviewed: str | None


def stored_results(session: Session, plan_id: str, *, limit: int = 200) -> list[StoredResult]:
    """The newest ``limit`` values stored under ``plan_id``, newest first."""
    rows = session.execute(
        select(MonitoringResult).where(MonitoringResult.plan_id == plan_id)
        .order_by(MonitoringResult.at.desc(), MonitoringResult.id.desc()).limit(limit)
    ).scalars()  # fmt: skip
    return [
        StoredResult(
            id=r.id, label=_series_label(r.metric, r.feature, r.group), value=r.value, level=r.level,
            at=_as_utc(r.at), source=r.source, batch=r.batch, recorded_at=_as_utc(r.recorded_at),
            recorded_by=r.recorded_by, incident_id=r.incident_id,
            reviewed=(f"{r.reviewed_by} on {_as_utc(r.reviewed_at):%Y-%m-%d}: {r.review_note}"
                      if r.reviewed_at is not None else None),
        )
        for r in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class SystemView:
    """Everything a system's monitoring page shows."""

    status: SystemStatus
    plan: MonitoringPlanOut
    series: list[Series]
    fairness: list[Bars]
    drift: list[Bars]
    #: The newest stored values, each with its time, source and batch (newest first).
    results: list[StoredResult] = field(default_factory=list)


def system_view(session: Session, actor: Actor, system_id: str, *, now: dt.datetime | None = None) -> SystemView:
    """A system's monitoring: status, every series over time, the latest fairness per group and drift per feature."""
    found = status(session, actor, system_id, now=now)
    if not found:
        raise NotFoundError(f"{system_id} has no monitoring plan")
    state = found[0]
    plan = MonitoringPlanService(session, actor).get(state.plan_id)
    fairness: dict[tuple[str, str | None], list[Latest]] = {}
    drift: dict[str, list[Latest]] = {}
    for item in state.latest:
        if item.kind == Kind.FAIRNESS and item.group is not None:
            fairness.setdefault((item.metric, item.feature), []).append(item)
        elif item.kind == Kind.DRIFT and item.feature is not None:
            drift.setdefault(item.metric, []).append(item)
    return SystemView(
        status=state,
        plan=plan,
        series=[s for s in series(session, plan) if s.group is None],
        fairness=[
            Bars(metric, feature, max(x.at for x in items), [(x.group or "", x.value, x.level) for x in items])
            for (metric, feature), items in sorted(fairness.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        ],
        drift=[
            Bars(metric, None, max(x.at for x in items), [(x.feature or "", x.value, x.level) for x in items])
            for metric, items in sorted(drift.items())
        ],
        results=stored_results(session, plan.id),
    )
