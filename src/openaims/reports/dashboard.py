"""The dashboard's figures, computed from the register (no rule lives in a template).

Everything here is a read: counts and groupings over services' ``all()`` lists
and the history chain, returned as one pydantic model for the web page and the API.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.models.internal import HistoryEvent
from openaims.register.services import (
    ComponentService,
    CorrectiveActionService,
    IncidentService,
    NonconformityService,
    RiskMethodService,
    RiskService,
    SystemService,
    TreatmentService,
)
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


def _counts(values: list[str | None], *, order: list[str] | None = None, top: int = 12) -> list[Count]:
    counter = Counter(v or "(none)" for v in values)
    if order:
        keys = [k for k in order if k in counter] + sorted(k for k in counter if k not in order)
        return [Count(label=k, count=counter[k]) for k in keys]
    return [Count(label=k, count=n) for k, n in counter.most_common(top)]


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def build_dashboard(
    session: Session, actor: Actor, *, clock: Callable[[], dt.datetime] | None = None, weeks: int = 12
) -> Dashboard:
    """Every dashboard figure for ``actor`` (every role may read the dashboard)."""
    now = clock() if clock else dt.datetime.now(dt.UTC)
    today = now.date()

    systems = SystemService(session, actor).all()
    components = [c for c in ComponentService(session, actor).all() if not c.disappeared]
    risks = RiskService(session, actor).all()
    open_risks = [r for r in risks if r.status in OPEN_RISK]
    methods = [m for m in RiskMethodService(session, actor).all() if m.status == "approved"]
    method = methods[-1].model_dump() if methods else DEFAULT_METHOD

    size_l, size_i = len(method["likelihood_levels"]), len(method["impact_levels"])
    cells = [[0] * size_i for _ in range(size_l)]
    for risk in open_risks:
        likelihood = risk.residual_likelihood or risk.inherent_likelihood
        impact = risk.residual_impact or risk.inherent_impact
        if likelihood and impact and likelihood <= size_l and impact <= size_i:
            cells[likelihood - 1][impact - 1] += 1
    rating_levels: list[str] = list(method["rating_levels"])
    appetite_index = rating_levels.index(method["appetite"])

    def rating_of(risk: object) -> str | None:
        return getattr(risk, "residual_rating", None) or getattr(risk, "inherent_rating", None)

    above = [
        r
        for r in open_risks
        if (rt := rating_of(r)) in rating_levels and rating_levels.index(rt) > appetite_index
    ]

    overdue: list[OverdueItem] = []
    for treatment in TreatmentService(session, actor).all():
        if treatment.status in OPEN_TREATMENT and treatment.due_date and treatment.due_date < today:
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
    for action in CorrectiveActionService(session, actor).all():
        if action.status in OPEN_ACTION and action.due_date and action.due_date < today:
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
    overdue.sort(key=lambda o: -o.days_overdue)

    incidents = [i for i in IncidentService(session, actor).all() if i.status in OPEN_INCIDENT]
    nonconformities = [n for n in NonconformityService(session, actor).all() if n.status != "closed"]
    unapproved = [c for c in components if c.status != "approved"]

    start = _week_start(today) - dt.timedelta(weeks=weeks - 1)
    week_labels = [(start + dt.timedelta(weeks=i)).isoformat() for i in range(weeks)]
    changes = [0] * weeks
    rows = session.execute(select(HistoryEvent.at).where(HistoryEvent.at >= start.isoformat())).scalars()
    for stamp in rows:
        day = dt.date.fromisoformat(str(stamp)[:10])
        index = (day - start).days // 7
        if 0 <= index < weeks:
            changes[index] += 1
    first_seen = [0] * weeks
    for component in components:
        if component.first_seen is not None:
            index = (component.first_seen.date() - start).days // 7
            if 0 <= index < weeks:
                first_seen[index] += 1
    history_total = int(session.execute(select(func.count()).select_from(HistoryEvent)).scalar_one())

    return Dashboard(
        generated_at=now,
        systems_total=len(systems),
        systems_by_tier=_counts(
            [s.risk_tier for s in systems],
            order=["prohibited", "high", "limited", "minimal", "unclassified"],
        ),
        systems_by_stage=_counts([s.lifecycle_stage for s in systems]),
        components_total=len(components),
        components_by_provider=_counts([c.provider for c in components]),
        components_by_kind=_counts([c.kind for c in components]),
        unapproved_components=len(unapproved),
        unapproved_by_repository=_counts([c.repository for c in unapproved]),
        open_risks=len(open_risks),
        risks_by_rating=_counts(
            [rating_of(r) or "unrated" for r in open_risks], order=[*reversed(rating_levels), "unrated"]
        ),
        risks_above_appetite=len(above),
        heat_map=HeatMap(
            likelihood_levels=list(method["likelihood_levels"]),
            impact_levels=list(method["impact_levels"]),
            counts=cells,
            ratings=[list(row) for row in method["matrix"]],
            rating_levels=rating_levels,
            appetite=method["appetite"],
        ),
        overdue=overdue,
        open_incidents=len(incidents),
        incidents_by_severity=_counts(
            [i.severity for i in incidents], order=["critical", "high", "medium", "low"]
        ),
        open_nonconformities=len(nonconformities),
        history_events=history_total,
        trend=Trend(weeks=week_labels, changes=changes, components_first_seen=first_seen),
    )
