"""The inputs of a management review, compiled from the register [9.3.2].

Each input is a section with figures (counts, a trend, a score), one line per record worth
discussing, and the ids of the records behind it. "Since" is the day the previous review was
held (everything, for the first review); trends compare that period with the one of the same
length before it. Nothing here is typed by hand: :func:`compile_inputs` reads the register,
and :func:`prepare_review` stores the result on the review.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.kpis import kpi_values
from openaims.register.models.base import utcnow
from openaims.register.models.internal import HistoryEvent
from openaims.register.models.readiness import ReadinessRun
from openaims.register.records_view import RecordsView, read_records
from openaims.register.services.objectives import ObjectiveService
from openaims.register.services.reviews import REQUIRED_INPUTS, ManagementReviewOut, ManagementReviewService

#: Sections in the order of clause 9.3.2, with the register's extra inputs after them.
TITLES: dict[str, str] = {
    **REQUIRED_INPUTS,
    "system_monitoring": "monitoring of AI systems in operation",
    "incidents": "AI incidents",
    "risks": "risks above appetite and overdue treatments",
    "readiness": "readiness and what changed since the last review",
}
OPEN_NC = ("open", "analysing", "action_planned", "verifying")
OPEN_CA = ("planned", "in_progress")
OPEN_TREATMENT = ("planned", "in_progress")
OPEN_INCIDENT = ("reported", "investigating", "contained", "resolved")


@dataclass
class Section:
    """One input: figures, a line per record worth discussing, and the records behind it."""

    key: str
    title: str
    figures: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "figures": self.figures,
            "lines": self.lines,
            "links": list(dict.fromkeys(self.links)),
        }


@dataclass(frozen=True)
class CompiledInputs:
    """Every input of one review, as of one day."""

    review_id: str
    as_of: dt.date
    since: dt.date | None
    previous_review: str | None
    sections: tuple[Section, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "review_id": self.review_id,
            "as_of": self.as_of.isoformat(),
            "since": self.since.isoformat() if self.since else None,
            "previous_review": self.previous_review,
            "sections": [s.to_dict() for s in self.sections],
        }

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def _day(value: dt.datetime | dt.date | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _after(value: dt.datetime | dt.date | None, since: dt.date | None) -> bool:
    day = _day(value)
    return day is not None and (since is None or day >= since)


def _between(value: dt.datetime | dt.date | None, start: dt.date, end: dt.date) -> bool:
    day = _day(value)
    return day is not None and start <= day < end


def _trend(now: int, before: int) -> str:
    if now > before:
        return "rising"
    if now < before:
        return "falling"
    return "steady"


def _unit(unit: str | None) -> str:
    return "" if not unit else unit if unit == "%" else f" {unit}"


def _ids(records: Iterable[Any]) -> list[str]:
    return [r.id for r in records]


def _previous_actions(snap: RecordsView, review: ManagementReviewOut, since: dt.date | None) -> Section:
    s = Section("previous_actions", TITLES["previous_actions"])
    actions = [a for a in snap.of("review_action") if a.review_id != review.id]
    still_open = [a for a in actions if a.status == "open"]
    overdue = [a for a in still_open if a.due_date is not None and a.due_date < snap.today]
    done = [a for a in actions if a.status == "done" and _after(a.completed_on, since)]
    legacy = [(r, a) for r in snap.of("management_review") if r.id != review.id for a in r.actions if not a.done]
    s.figures = {"open": len(still_open) + len(legacy), "overdue": len(overdue), "done since": len(done)}
    for a in still_open:
        late = ", overdue" if a in overdue else ""
        s.lines.append(f"{a.id} from {a.review_id}: {a.description} (owner {a.owner}, due {a.due_date}{late})")
    for r, a in legacy:
        s.lines.append(f"{r.id}: {a.description} (owner {a.owner or 'none'}, due {a.due_date or 'none'}, open)")
    s.lines += [f"{a.id} from {a.review_id}: {a.description} (done {a.completed_on})" for a in done]
    s.links = _ids(still_open) + [r.id for r, _ in legacy] + _ids(done)
    return s


def _changes(
    snap: RecordsView, key: str, record_type: str, since: dt.date | None, label: Callable[[Any], str]
) -> Section:
    s = Section(key, TITLES[key])
    records = snap.of(record_type)
    new = [r for r in records if _after(r.created_at, since)]
    changed = [r for r in records if r not in new and _after(r.updated_at, since)]
    current = [r for r in records if r.status not in ("closed", "inactive")]
    s.figures = {"current": len(current), "new since": len(new), "changed since": len(changed)}
    s.lines = [f"new: {r.id} {label(r)}" for r in new] + [f"changed: {r.id} {label(r)} ({r.status})" for r in changed]
    s.links = _ids(new) + _ids(changed)
    return s


def _median_days_to_close(ncs: Iterable[Any]) -> float | None:
    days = [(_day(n.updated_at) - _day(n.created_at)).days for n in ncs if n.status == "closed"]  # type: ignore[operator]
    return float(statistics.median(days)) if days else None


def _nonconformities(snap: RecordsView, since: dt.date | None) -> Section:
    s = Section("nonconformities_corrective_actions", TITLES["nonconformities_corrective_actions"])
    ncs = snap.of("nonconformity")
    open_ncs = [n for n in ncs if n.status in OPEN_NC]
    raised = [n for n in ncs if _after(n.created_at, since)]
    closed = [n for n in ncs if n.status == "closed" and _after(n.updated_at, since)]
    overdue = [n for n in open_ncs if n.due_date is not None and n.due_date < snap.today]
    period = (snap.today - since).days if since is not None else None
    before = (
        sum(1 for n in ncs if _between(n.created_at, since - dt.timedelta(days=period), since))
        if since is not None and period
        else 0
    )
    cas = snap.of("corrective_action")
    open_cas = [c for c in cas if c.status in OPEN_CA]
    late_cas = [c for c in open_cas if c.due_date is not None and c.due_date < snap.today]
    effective = [c for c in cas if c.status == "verified" and c.effective and _after(c.verified_on, since)]
    median = _median_days_to_close(ncs)
    s.figures = {
        "open": len(open_ncs),
        "raised since": len(raised),
        "raised in the period before": before,
        "trend": _trend(len(raised), before) if since is not None else "first review",
        "closed since": len(closed),
        "overdue": len(overdue),
        "corrective actions open": len(open_cas),
        "corrective actions overdue": len(late_cas),
        "verified effective since": len(effective),
        "median days to close": median,
    }
    for n in open_ncs:
        late = ", overdue" if n in overdue else ""
        s.lines.append(f"{n.id} {n.title} ({n.status}, source {n.source}, due {n.due_date}{late})")
    s.lines += [f"{c.id} for {c.nonconformity_id}: overdue since {c.due_date}" for c in late_cas]
    s.lines += [f"closed: {n.id} {n.title}" for n in closed]
    s.links = _ids(open_ncs) + _ids(late_cas) + _ids(closed)
    return s


def _monitoring(snap: RecordsView, session: Session, actor: Actor) -> Section:
    s = Section("monitoring_results", TITLES["monitoring_results"])
    objectives = ObjectiveService(session, actor)
    tracked = [o for o in snap.of("objective", "active", "achieved", "missed") if o.target_value is not None]
    missed: list[str] = []
    unmeasured: list[str] = []
    for o in tracked:
        status = objectives.target_status(o)
        if status.latest is None:
            unmeasured.append(o.id)
            s.lines.append(f"{o.id} {o.title}: not measured (target {status.target_text})")
            continue
        if not status.met:
            missed.append(o.id)
        verdict = "met" if status.met else "MISSED"
        s.lines.append(
            f"{o.id} {o.title}: {status.latest.value:g}{_unit(o.unit)} on {status.latest.measured_on} "
            f"(target {status.target_text}) {verdict}"
        )
    kpis = kpi_values(session, snap)
    for k in kpis:
        verdict = "" if k.met is None else (" met" if k.met else " MISSED")
        target = f" (target {k.target_text})" if k.target_text else ""
        s.lines.append(f"KPI {k.title}: {k.shown}{target}{verdict}")
        if k.met is False:
            missed.append(f"KPI {k.key}")
    s.figures = {
        "objectives tracked": len(tracked),
        "targets missed": len(missed),
        "not measured": len(unmeasured),
        **{f"KPI {k.key}": k.value for k in kpis},
    }
    s.links = _ids(tracked)
    return s


def _system_monitoring(snap: RecordsView, session: Session, actor: Actor, since: dt.date | None) -> Section:
    """Per monitored AI system: its plan, the last result, breaches and warnings in the period, open
    monitoring incidents, overdue; and the systems in deployment or operation without a plan [9.1, A.6.2.6]."""
    from openaims.register import monitoring
    from openaims.register.models.monitoring import MonitoringResult

    s = Section("system_monitoring", TITLES["system_monitoring"])
    now = dt.datetime.combine(snap.today, dt.time.max, tzinfo=dt.UTC)
    states = monitoring.status(session, actor, now=now)
    start = dt.datetime.combine(since, dt.time(0), tzinfo=dt.UTC) if since is not None else None
    totals = Counter[str]()
    for state in states:
        stmt = (
            select(MonitoringResult.level, func.count())
            .where(MonitoringResult.plan_id == state.plan_id, MonitoringResult.level.in_(("breach", "warning")))
            .group_by(MonitoringResult.level)
        )
        if start is not None:
            stmt = stmt.where(MonitoringResult.at >= start)
        levels: dict[str, int] = {str(k): int(v) for k, v in session.execute(stmt).all()}
        totals["breach"] += levels.get("breach", 0)
        totals["warning"] += levels.get("warning", 0)
        last = f"last result {state.last_result_at:%Y-%m-%d}" if state.last_result_at else "no result yet"
        parts = [
            f"{state.system_id} {state.system_name}: plan {state.plan_id} ({state.schedule}, {state.plan_status})",
            last,
            f"{levels.get('breach', 0)} breach(es) and {levels.get('warning', 0)} warning(s) "
            + ("since the last review" if since is not None else "recorded"),
        ]
        if state.open_incidents:
            parts.append("open incidents " + ", ".join(state.open_incidents))
        if state.unreviewed_warnings:
            parts.append(f"{state.unreviewed_warnings} warning(s) unreviewed")
        if state.overdue:
            parts.append(f"OVERDUE since {state.due_by:%Y-%m-%d}")
        s.lines.append(", ".join(parts))
        s.links += [state.plan_id, *state.open_incidents]
    planned = {x.system_id for x in states}
    running = [
        sy for sy in snap.of("system")
        if sy.status != "retired" and sy.lifecycle_stage in ("deployment", "operation") and sy.id not in planned
    ]  # fmt: skip
    s.lines += [f"{sy.id} {sy.name}: in {sy.lifecycle_stage} with no monitoring plan" for sy in running]
    s.links += _ids(running)
    s.figures = {
        "systems monitored": len(states),
        "in deployment or operation without a plan": len(running),
        "overdue": sum(1 for x in states if x.overdue),
        "breaches since": totals["breach"],
        "warnings since": totals["warning"],
        "warnings unreviewed": sum(x.unreviewed_warnings for x in states),
        "open monitoring incidents": sum(len(x.open_incidents) for x in states),
    }
    return s


def _audits(snap: RecordsView, since: dt.date | None) -> Section:
    s = Section("audit_results", TITLES["audit_results"])
    audits = [a for a in snap.of("audit", "completed") if _after(a.performed_on, since)]
    findings = snap.of("finding")
    recent = [f for f in findings if _after(f.created_at, since)]
    open_findings = [f for f in findings if f.status == "open"]
    grades = Counter(f.grade for f in recent)
    s.figures = {
        "audits completed since": len(audits),
        "findings since": len(recent),
        **{f"{g} since": grades.get(g, 0) for g in ("major", "minor", "observation", "ofi")},
        "findings open": len(open_findings),
    }
    s.lines = [f"{a.id} {a.title} performed {a.performed_on}" for a in audits]
    s.lines += [f"{f.id} ({f.grade}, {f.status}) {f.description}" for f in recent]
    s.links = _ids(audits) + _ids(recent)
    return s


def _opportunities(snap: RecordsView, since: dt.date | None) -> Section:
    s = Section("opportunities", TITLES["opportunities"])
    ofis = [f for f in snap.of("finding") if f.grade == "ofi" and (f.status == "open" or _after(f.created_at, since))]
    issues = [c for c in snap.of("context_issue", "open", "monitored") if "opportunit" in (c.category or "").lower()]
    s.figures = {"opportunities for improvement from audits": len(ofis), "opportunities in the context": len(issues)}
    s.lines = [f"{f.id} ({f.status}) {f.description}" for f in ofis] + [f"{c.id} {c.title}" for c in issues]
    s.links = _ids(ofis) + _ids(issues)
    return s


def _incidents(snap: RecordsView, since: dt.date | None) -> Section:
    s = Section("incidents", TITLES["incidents"])
    incidents = snap.of("incident")
    recent = [i for i in incidents if _after(i.created_at, since)]
    still_open = [i for i in incidents if i.status in OPEN_INCIDENT]
    severity = Counter(i.severity for i in recent)
    s.figures = {
        "reported since": len(recent),
        **{f"{k} since": severity.get(k, 0) for k in ("critical", "high", "medium", "low")},
        "open": len(still_open),
    }
    s.lines = [f"{i.id} ({i.severity}, {i.status}) {i.title}" for i in recent]
    s.lines += [f"{i.id} ({i.severity}, {i.status}) {i.title}, still open" for i in still_open if i not in recent]
    s.links = _ids(recent) + _ids(still_open)
    return s


def _risks(snap: RecordsView, session: Session, actor: Actor) -> Section:
    from openaims.register.services.risks import RiskService

    s = Section("risks", TITLES["risks"])
    above = RiskService(session, actor).above_appetite()
    accepted = [r for r in above if r.status == "accepted"]
    overdue = [
        t
        for t in snap.of("treatment")
        if t.status in OPEN_TREATMENT and t.due_date is not None and t.due_date < snap.today
    ]
    s.figures = {
        "above appetite": len(above),
        "above appetite and accepted": len(accepted),
        "treatments overdue": len(overdue),
    }
    s.lines = [f"{r.id} {r.title}: {r.residual_rating or r.inherent_rating} ({r.status})" for r in above]
    s.lines += [f"{t.id} for {t.risk_id}: due {t.due_date} ({t.status}, owner {t.owner})" for t in overdue]
    s.links = _ids(above) + _ids(overdue)
    return s


def _readiness(session: Session, since: dt.date | None, snap: RecordsView) -> Section:
    s = Section("readiness", TITLES["readiness"])
    runs = (
        session.execute(select(ReadinessRun).where(ReadinessRun.view == "iso42001").order_by(ReadinessRun.id))
        .scalars()
        .all()
    )
    latest = runs[-1] if runs else None
    earlier = [r for r in runs if since is not None and r.as_of < since]
    then = earlier[-1] if earlier else None
    stmt = select(HistoryEvent.record_type, func.count()).group_by(HistoryEvent.record_type)
    if since is not None:
        stmt = stmt.where(HistoryEvent.at >= since.isoformat())
    changes = dict(session.execute(stmt).all())
    s.figures = {
        "readiness score": round(latest.score, 1) if latest else None,
        "score at the last review": round(then.score, 1) if then else None,
        "changes since": sum(changes.values()),
    }
    if latest is not None:
        s.lines.append(f"readiness {latest.score:.1f}% on {latest.as_of} (aims readiness)")
    else:
        s.lines.append("readiness never run: run 'aims readiness' before the review")
    s.lines += [f"{n} change(s) to {rt.replace('_', ' ')} records" for rt, n in sorted(changes.items())]
    stale = [
        f"{a.id} for {a.system_id}: " + "; ".join(r.reason for r in a.stale_reasons)
        for a in snap.of("impact_assessment", "approved")
        if a.stale_reasons
    ]
    s.figures["stale impact assessments"] = len(stale)
    s.lines += [f"stale impact assessment {line}" for line in stale]
    return s


def compile_inputs(
    session: Session,
    actor: Actor,
    review_id: str,
    *,
    today: dt.date | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> CompiledInputs:
    """Every 9.3.2 input for ``review_id``, from the register as it stands ``today``."""
    reviews = ManagementReviewService(session, actor, clock=clock)
    review = reviews.get(review_id)
    as_of = today or reviews.clock().date()
    previous = reviews.previous(review)
    since = previous.held_on if previous is not None else None
    snap = read_records(session, actor, today=as_of)

    def issue(r: Any) -> str:
        return f"{r.title} ({r.kind})"

    def party(r: Any) -> str:
        return f"{r.name} ({len(r.requirements)} requirement(s))"

    sections = (
        _previous_actions(snap, review, since),
        _changes(snap, "external_internal_issues", "context_issue", since, issue),
        _changes(snap, "interested_party_needs", "interested_party", since, party),
        _nonconformities(snap, since),
        _monitoring(snap, session, actor),
        _audits(snap, since),
        _opportunities(snap, since),
        _system_monitoring(snap, session, actor, since),
        _incidents(snap, since),
        _risks(snap, session, actor),
        _readiness(session, since, snap),
    )
    return CompiledInputs(review.id, as_of, since, previous.id if previous else None, sections)


def prepare_review(
    session: Session,
    actor: Actor,
    review_id: str,
    *,
    today: dt.date | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> CompiledInputs:
    """Record today's value of the KPIs objectives track, then compile the inputs of ``review_id``
    and store them on the review."""
    from openaims.register.kpis import record_kpi_measurements

    record_kpi_measurements(session, actor, today=today or clock().date(), clock=clock)
    compiled = compile_inputs(session, actor, review_id, today=today, clock=clock)
    ManagementReviewService(session, actor, clock=clock).record_inputs(review_id, compiled.to_dict())
    return compiled


__all__ = ["TITLES", "CompiledInputs", "Section", "compile_inputs", "prepare_review"]
