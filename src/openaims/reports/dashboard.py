"""The dashboard's figures, computed from the register (no rule lives in a template).

Everything here is a read. Counts and groupings run in the database (``GROUP BY``),
so the dashboard costs a handful of aggregate queries whatever the size of the
inventory; only open risks, approved risk methods and overdue items are loaded as rows.
The result is one pydantic model for the web page and the API.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.models.incidents import Incident
from openaims.register.models.internal import HistoryEvent, HistoryHead
from openaims.register.models.nonconformities import CorrectiveAction, Nonconformity
from openaims.register.models.risks import Risk, RiskMethod, Treatment
from openaims.register.models.systems import AISystem, Component
from openaims.register.services.derived import DERIVED
from openaims.register.services.risks import DEFAULT_METHOD

OPEN_RISK = ("identified", "assessed", "treated", "accepted")
OPEN_TREATMENT = ("planned", "in_progress")
OPEN_ACTION = ("planned", "in_progress")
OPEN_INCIDENT = ("reported", "investigating", "contained", "resolved")


class Count(BaseModel):
    label: str
    count: int


class OverdueItem(BaseModel):
    id: str
    record_type: str
    title: str
    owner: str | None
    due_date: dt.date
    days_overdue: int


class HeatMap(BaseModel):
    """Open risks by (likelihood, impact) under the risk method in force."""

    likelihood_levels: list[str]
    impact_levels: list[str]
    #: cells[likelihood-1][impact-1] = (count, rating)
    counts: list[list[int]]
    ratings: list[list[str]]
    rating_levels: list[str]
    appetite: str


class Trend(BaseModel):
    """Weekly counts of register changes, oldest week first."""

    weeks: list[str]
    changes: list[int]
    components_first_seen: list[int]


class RuleCompliance(BaseModel):
    rule: str
    failing: int
    warnings: int
    excepted: int
    repositories: int


class RepositoryCompliance(BaseModel):
    repository: str
    failing: int
    warnings: int
    excepted: int
    last_check: dt.datetime | None
    commit: str | None
    origin: str | None


class ExceptionExpiry(BaseModel):
    id: str
    match: str
    rule: str | None
    repositories: list[str]
    owner: str | None
    status: str
    expires: dt.date | None
    days_left: int | None
    covers: int


class Compliance(BaseModel):
    """Policy compliance across the repositories whose checks reached the register."""

    repositories_checked: int
    repositories_compliant: int
    compliance_pct: float | None
    failing_violations: int
    violations_by_rule: list[RuleCompliance]
    repositories: list[RepositoryCompliance]
    exceptions: list[ExceptionExpiry]
    remediated: int
    remediation_days_median: float | None
    remediation_days_mean: float | None
    open_oldest_days: float | None
    policy_version: str | None
    failing_by_origin: dict[str, int]
    expiring_within_days: int
    #: Failing violations per rule, for the chart.
    failing_by_rule: list[Count]


class MonitoredSystem(BaseModel):
    """A monitored AI system in breach, with warnings, or overdue."""

    system_id: str
    name: str
    plan_id: str
    level: str
    overdue: bool
    last_result_at: dt.datetime | None
    breaches: list[str]
    warnings: list[str]
    open_incidents: list[str]


class Monitoring(BaseModel):
    """Systems under a monitoring plan and those that need attention."""

    systems_monitored: int
    in_breach: int
    with_warnings: int
    overdue: int
    attention: list[MonitoredSystem]


class MissedTarget(BaseModel):
    """An active objective whose latest measured value misses its target."""

    objective_id: str
    title: str
    value: float
    measured_on: dt.date
    target: str
    kpi: bool


class Dashboard(BaseModel):
    generated_at: dt.datetime
    systems_total: int
    systems_by_tier: list[Count]
    systems_by_stage: list[Count]
    components_total: int
    components_by_provider: list[Count]
    components_by_kind: list[Count]
    unapproved_components: int
    unapproved_by_repository: list[Count]
    open_risks: int
    risks_by_rating: list[Count]
    risks_above_appetite: int
    heat_map: HeatMap
    overdue: list[OverdueItem]
    open_incidents: int
    incidents_by_severity: list[Count]
    open_nonconformities: int
    history_events: int
    trend: Trend
    compliance: Compliance | None = None
    monitoring: Monitoring | None = None
    missed_targets: list[MissedTarget] = []


def _ordered(counter: dict[str, int], *, order: list[str] | None = None, top: int = 12) -> list[Count]:
    if order:
        keys = [k for k in order if k in counter] + sorted(k for k in counter if k not in order)
        return [Count(label=k, count=counter[k]) for k in keys]
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [Count(label=k, count=n) for k, n in ranked]


def _group(session: Session, column: Any, *where: Any) -> dict[str, int]:
    """``{value: count}`` of ``column`` over the rows matching ``where`` (None becomes "(none)")."""
    counter: Counter[str] = Counter()
    rows = session.execute(select(column, func.count()).where(*where).group_by(column))
    for value, count in rows:
        counter[str(value) if value is not None else "(none)"] += int(count)
    return dict(counter)


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _method(session: Session) -> dict[str, Any]:
    """The risk method in force: the newest approved one, else the default."""
    row = session.execute(
        select(RiskMethod)
        .where(RiskMethod.status == "approved")
        .order_by(func.length(RiskMethod.id).desc(), RiskMethod.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return dict(DEFAULT_METHOD)
    return {
        "likelihood_levels": list(row.likelihood_levels),
        "impact_levels": list(row.impact_levels),
        "rating_levels": list(row.rating_levels),
        "matrix": [list(r) for r in row.matrix],
        "appetite": row.appetite,
    }


def _open_risks(session: Session) -> list[tuple[int | None, int | None, str | None]]:
    """(likelihood, impact, rating) of every open risk, residual values first."""
    rows = session.execute(
        select(
            Risk.inherent_likelihood,
            Risk.inherent_impact,
            Risk.inherent_rating,
            Risk.residual_likelihood,
            Risk.residual_impact,
            Risk.residual_rating,
        ).where(Risk.status.in_(OPEN_RISK))
    )
    return [(rl or il, ri or ii, rr or ir) for il, ii, ir, rl, ri, rr in rows]


def build_heat_map(session: Session, actor: Actor) -> HeatMap:
    """Open risks by likelihood and impact under the method in force (every role may read it)."""
    return _heat_map(_method(session), _open_risks(session))


def _heat_map(method: dict[str, Any], risks: list[tuple[int | None, int | None, str | None]]) -> HeatMap:
    size_l, size_i = len(method["likelihood_levels"]), len(method["impact_levels"])
    cells = [[0] * size_i for _ in range(size_l)]
    for likelihood, impact, _rating in risks:
        if likelihood and impact and likelihood <= size_l and impact <= size_i:
            cells[likelihood - 1][impact - 1] += 1
    return HeatMap(
        likelihood_levels=list(method["likelihood_levels"]),
        impact_levels=list(method["impact_levels"]),
        counts=cells,
        ratings=[list(row) for row in method["matrix"]],
        rating_levels=list(method["rating_levels"]),
        appetite=method["appetite"],
    )


def _overdue(session: Session, today: dt.date) -> list[OverdueItem]:
    overdue: list[OverdueItem] = []
    treatments = session.execute(
        select(Treatment).where(
            Treatment.status.in_(OPEN_TREATMENT), Treatment.due_date.is_not(None), Treatment.due_date < today
        )
    ).scalars()
    for treatment in treatments:
        assert treatment.due_date is not None
        overdue.append(
            OverdueItem(
                id=treatment.id,
                record_type="treatment",
                title=f"Treatment of {treatment.risk_id}: " + (treatment.description or treatment.option)[:80],
                owner=treatment.owner,
                due_date=treatment.due_date,
                days_overdue=(today - treatment.due_date).days,
            )
        )
    actions = session.execute(
        select(CorrectiveAction).where(
            CorrectiveAction.status.in_(OPEN_ACTION),
            CorrectiveAction.due_date.is_not(None),
            CorrectiveAction.due_date < today,
        )
    ).scalars()
    for action in actions:
        assert action.due_date is not None
        overdue.append(
            OverdueItem(
                id=action.id,
                record_type="corrective_action",
                title=f"Corrective action for {action.nonconformity_id}: " + (action.description or "")[:80],
                owner=action.owner,
                due_date=action.due_date,
                days_overdue=(today - action.due_date).days,
            )
        )
    overdue.sort(key=lambda o: (-o.days_overdue, o.id))
    return overdue


def _weekly_events(session: Session, start: dt.date, weeks: int, *, upto: int | None = None) -> list[int]:
    """History events per week (up to sequence number ``upto``): one count per week over the index
    on the event time."""
    bounds = [(start + dt.timedelta(weeks=i)).isoformat() for i in range(weeks + 1)]
    limits = [HistoryEvent.seq <= upto] if upto is not None else []
    counts = [
        select(func.count())
        .select_from(HistoryEvent)
        .where(HistoryEvent.at >= a, HistoryEvent.at < b, *limits)
        .scalar_subquery()
        for a, b in itertools.pairwise(bounds)
    ]
    return [int(n or 0) for n in session.execute(select(*counts)).one()]


def _weekly_events_added(session: Session, old: list[int], start: dt.date, after: int, upto: int) -> list[int]:
    """``old`` with the events after sequence number ``after`` up to ``upto`` added (read by sequence)."""
    out = list(old)
    bounds = [(start + dt.timedelta(weeks=i)).isoformat() for i in range(len(old) + 1)]
    stmt = select(HistoryEvent.at).where(HistoryEvent.seq > after, HistoryEvent.seq <= upto)
    for (at,) in session.execute(stmt):  # ISO text, compared as the full count compares it
        index = bisect.bisect_right(bounds, str(at)) - 1
        if 0 <= index < len(out):
            out[index] += 1
    return out


def _weekly_first_seen(session: Session, start: dt.date, weeks: int) -> list[int]:
    """Live components by the week they were first seen (grouped by day in the database)."""
    if session.get_bind().dialect.name == "sqlite":
        day: Any = func.substr(Component.first_seen, 1, 10)  # stored as ISO text
    else:
        day = cast(Component.first_seen, Date)
    since = dt.datetime.combine(start, dt.time(), dt.UTC)
    out = [0] * weeks
    rows = session.execute(
        select(day, func.count()).where(Component.disappeared.is_(False), Component.first_seen >= since).group_by(day)
    )
    for value, count in rows:
        if value:
            index = (dt.date.fromisoformat(str(value)[:10]) - start).days // 7
            if 0 <= index < weeks:
                out[index] += int(count)
    return out


def _history_total(session: Session) -> int:
    """Events in the history chain: the head's sequence number (the chain has no gaps)."""
    seq = session.execute(select(HistoryHead.seq).where(HistoryHead.id == 1)).scalar_one_or_none()
    if seq is None:
        return int(session.execute(select(func.count()).select_from(HistoryEvent)).scalar_one())
    return int(seq)


def build_dashboard(
    session: Session, actor: Actor, *, clock: Callable[[], dt.datetime] | None = None, weeks: int = 12
) -> Dashboard:
    """Every dashboard figure for ``actor`` (every role may read the dashboard).

    The figures depend only on the register and the day, and every change to the register
    appends to the history chain, so they are kept per (database, chain head, day); after a
    write, only the groups of figures that read the changed record types are recomputed
    (:mod:`openaims.register.services.derived`).
    """
    now = clock() if clock else dt.datetime.now(dt.UTC)
    head = session.execute(select(HistoryHead.seq, HistoryHead.hash).where(HistoryHead.id == 1)).one_or_none()
    key = (str(session.get_bind().engine.url), tuple(head) if head else None, now.date(), weeks)
    result: Dashboard | None
    if clock is not None or head is None:
        result = _compute(session, now, weeks)
    else:
        with _CACHE_LOCK:
            result = _CACHE.get(key)
        if result is None:
            # One computation at a time: a request arriving while the server's warm-up (or another
            # request) works out the same state waits for that result instead of repeating it.
            with _COMPUTING:
                with _CACHE_LOCK:
                    result = _CACHE.get(key)
                if result is None:
                    result = _compute(session, now, weeks, cached=True)
                    with _CACHE_LOCK:
                        _CACHE[key] = result
                        while len(_CACHE) > _CACHE_SIZE:
                            _CACHE.pop(next(iter(_CACHE)))
    # Check results, monitoring results and KPI measurements arrive without history events of the
    # records they count: read fresh each time.
    return result.model_copy(
        update={"generated_at": now, "compliance": build_compliance(session, now),
                "monitoring": build_monitoring(session, actor, now),
                "missed_targets": build_missed_targets(session, actor)}
    )  # fmt: skip


def _label(metric: str, feature: str | None, group: str | None) -> str:
    parts = [p for p in (feature, group) if p]
    return f"{metric} ({', '.join(parts)})" if parts else metric


def build_missed_targets(session: Session, actor: Actor) -> list[MissedTarget]:
    """Active objectives (KPIs included) whose latest value misses the target [6.2, 9.1]."""
    from openaims.register.services.objectives import ObjectiveService

    objectives = ObjectiveService(session, actor)
    out = []
    for status in objectives.missed_targets():
        if status.latest is None:
            continue
        objective = objectives.get(status.objective_id)
        out.append(MissedTarget(objective_id=objective.id, title=objective.title, value=status.latest.value,
                                measured_on=status.latest.measured_on, target=status.target_text,
                                kpi=(objective.metric or "").startswith("kpi:")))  # fmt: skip
    return out


def build_monitoring(session: Session, actor: Actor, now: dt.datetime | None = None) -> Monitoring | None:
    """Monitored systems in breach, with warnings or overdue (None when no system has a plan)."""
    from openaims.register.monitoring import status

    items = status(session, actor, now=now)
    if not items:
        return None
    attention = [
        MonitoredSystem(
            system_id=i.system_id, name=i.system_name, plan_id=i.plan_id, level=i.level, overdue=i.overdue,
            last_result_at=i.last_result_at,
            breaches=[_label(x.metric, x.feature, x.group) for x in i.latest if x.level == "breach"],
            warnings=[_label(x.metric, x.feature, x.group) for x in i.latest if x.level == "warning"],
            open_incidents=i.open_incidents,
        )
        for i in items
        if i.level != "ok" or i.overdue
    ]
    order = {"breach": 0, "warning": 1, "ok": 2}
    attention.sort(key=lambda m: (order.get(m.level, 3), not m.overdue, m.system_id))
    return Monitoring(
        systems_monitored=len(items),
        in_breach=sum(1 for i in items if i.level == "breach"),
        with_warnings=sum(1 for i in items if i.level == "warning"),
        overdue=sum(1 for i in items if i.overdue),
        attention=attention,
    )


def build_compliance(session: Session, now: dt.datetime | None = None) -> Compliance | None:
    """Violations by rule and repository, exceptions and their expiry, time to remediate
    (None when no check result has reached the register)."""
    from openaims.register.compliance import EXPIRING_DAYS, compliance

    moment = now or dt.datetime.now(dt.UTC)
    found = compliance(session, now=moment)
    if not found.repositories and not found.exceptions:
        return None
    return Compliance(
        repositories_checked=found.checked,
        repositories_compliant=found.compliant,
        compliance_pct=found.compliance_pct,
        failing_violations=sum(r.failing for r in found.repositories),
        violations_by_rule=[RuleCompliance.model_validate(r, from_attributes=True) for r in found.rules],
        repositories=[RepositoryCompliance.model_validate(r, from_attributes=True) for r in found.repositories],
        exceptions=[ExceptionExpiry.model_validate(e, from_attributes=True) for e in found.exceptions],
        remediated=found.remediated,
        remediation_days_median=found.remediation_days_median,
        remediation_days_mean=found.remediation_days_mean,
        open_oldest_days=found.open_oldest_days,
        policy_version=found.policy_version,
        failing_by_origin=found.by_origin,
        expiring_within_days=EXPIRING_DAYS,
        failing_by_rule=[Count(label=r.rule, count=r.failing) for r in found.rules if r.failing][:12],
    )


_CACHE: dict[tuple[object, ...], Dashboard] = {}
_CACHE_SIZE = 8
_CACHE_LOCK = threading.Lock()
_COMPUTING = threading.Lock()


def _compute(session: Session, now: dt.datetime, weeks: int, *, cached: bool = False) -> Dashboard:
    """The figures; with ``cached``, each group of figures comes from :data:`DERIVED` unless a write
    since touched the record types it reads (a changed AI system recounts the systems only)."""
    today = now.date()
    view = DERIVED.view(session) if cached else None

    def part(name: str, reads: tuple[str, ...], compute: Callable[[], Any], key: Any = ()) -> Any:
        return view.get(f"dashboard.{name}", reads, compute, key=key) if view is not None else compute()

    live = Component.disappeared.is_(False)
    by_tier, by_stage = part(
        "systems", ("system",), lambda: (_group(session, AISystem.risk_tier), _group(session, AISystem.lifecycle_stage))
    )
    by_provider, by_kind, unapproved_by_repo = part(
        "components",
        ("component",),
        lambda: (
            _group(session, Component.provider, live),
            _group(session, Component.kind, live),
            _group(session, Component.repository, live, Component.status != "approved"),
        ),
    )

    method, open_risks = part("risks", ("risk", "risk_method"), lambda: (_method(session), _open_risks(session)))
    rating_levels: list[str] = list(method["rating_levels"])
    appetite_index = rating_levels.index(method["appetite"])
    above = [r for r in open_risks if r[2] in rating_levels and rating_levels.index(r[2]) > appetite_index]
    ratings: Counter[str] = Counter(r[2] or "unrated" for r in open_risks)

    open_incident = Incident.status.in_(OPEN_INCIDENT)
    incidents = part("incidents", ("incident",), lambda: _group(session, Incident.severity, open_incident))
    open_ncs = part(
        "nonconformities",
        ("nonconformity",),
        lambda: session.execute(
            select(func.count()).select_from(Nonconformity).where(Nonconformity.status != "closed")
        ).scalar_one(),
    )
    overdue = part("overdue", ("treatment", "corrective_action"), lambda: _overdue(session, today), key=today)

    start = _week_start(today) - dt.timedelta(weeks=weeks - 1)
    week_labels = [(start + dt.timedelta(weeks=i)).isoformat() for i in range(weeks)]
    if view is None:
        changes = _weekly_events(session, start, weeks)
    else:  # every write adds events: count only those since the figures were last made
        changes = view.accumulate(
            "dashboard.weekly_events",
            lambda head: _weekly_events(session, start, weeks, upto=head),
            lambda old, after, head: _weekly_events_added(session, old, start, after, head),
            key=(start, weeks),
        )
    first_seen = part(
        "first_seen", ("component",), lambda: _weekly_first_seen(session, start, weeks), key=(start, weeks)
    )
    history_total = _history_total(session)

    return Dashboard(
        generated_at=now,
        systems_total=sum(by_tier.values()),
        systems_by_tier=_ordered(by_tier, order=["prohibited", "high", "limited", "minimal", "unclassified"]),
        systems_by_stage=_ordered(by_stage),
        components_total=sum(by_kind.values()),
        components_by_provider=_ordered(by_provider),
        components_by_kind=_ordered(by_kind),
        unapproved_components=sum(unapproved_by_repo.values()),
        unapproved_by_repository=_ordered(unapproved_by_repo),
        open_risks=len(open_risks),
        risks_by_rating=_ordered(dict(ratings), order=[*reversed(rating_levels), "unrated"]),
        risks_above_appetite=len(above),
        heat_map=_heat_map(method, open_risks),
        overdue=overdue,
        open_incidents=sum(incidents.values()),
        incidents_by_severity=_ordered(incidents, order=["critical", "high", "medium", "low"]),
        open_nonconformities=int(open_ncs),
        history_events=history_total,
        trend=Trend(weeks=week_labels, changes=changes, components_first_seen=first_seen),
    )
