"""Evaluations and pushes stored against thresholds: levels, one incident per breach episode,
overdue systems, refusals (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.monitoring.kit import frame, plan, write

from openaims.errors import NotFoundError, PermissionDeniedError, UsageError
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.errors import RuleViolationError
from openaims.register.models.monitoring import MonitoringResult
from openaims.register.monitoring import evaluate, push, status
from openaims.register.services.incidents import IncidentService
from openaims.register.services.monitoring_plans import MonitoringPlanService
from openaims.register.services.systems import SystemService

ALICE = Actor("alice")
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
DISPARATE = {"18-30": 0.3, "31-50": 0.55, "51+": 0.6}


def _system(database: Database, **overrides: object) -> str:
    with database.session() as session:
        system_id = SystemService(session, ALICE).create({"name": "Credit scoring", "owner": "alice"}).id
        MonitoringPlanService(session, ALICE).put_for_system(system_id, plan(**overrides))
    return system_id


def _results(database: Database) -> int:
    with database.session() as session:
        return int(session.execute(select(func.count()).select_from(MonitoringResult)).scalar_one())


def test_a_disparate_selection_rate_is_recorded_and_opens_one_incident(database: Database, tmp_path: Path) -> None:
    system_id = _system(database)
    batch = write(frame(rates=DISPARATE), tmp_path / "march.csv")
    with database.session() as session:
        outcome = evaluate(session, ALICE, system_id, batch, at=T0)
    [gap] = [r for r in outcome.results if r.metric == "approval_gap"]
    assert gap.level == "breach"
    assert gap.value > 0.2
    assert gap.feature == "age_band"
    assert outcome.incidents_opened == [gap.incident_id]
    assert {r.group for r in outcome.results if r.metric == "approval_rate"} == {"18-30", "31-50", "51+"}
    with database.session() as session:
        incident = IncidentService(session, ALICE).get(gap.incident_id)
        assert incident.system_ids == [system_id]
        assert incident.status == "reported"
        assert incident.severity == "high"
        assert "approval_gap" in incident.title
        assert "march.csv" in (incident.description or "")
        assert f"{gap.value:.4g}" in (incident.description or "")
        [state] = status(session, ALICE, system_id, now=T0 + dt.timedelta(days=1))
    assert state.level == "breach"
    assert state.open_incidents == [gap.incident_id]
    assert not state.overdue


def test_later_breaches_add_to_the_open_incident_and_a_closed_episode_starts_a_new_one(
    database: Database, tmp_path: Path
) -> None:
    system_id = _system(database)
    batch = write(frame(rates=DISPARATE), tmp_path / "batch.csv")
    with database.session() as session:
        first = evaluate(session, ALICE, system_id, batch, at=T0)
        second = evaluate(session, ALICE, system_id, batch, at=T0 + dt.timedelta(days=30))
        ok = push(session, ALICE, system_id, "approval_gap", 0.01, at=T0 + dt.timedelta(days=45))
        third = push(session, ALICE, system_id, "approval_gap", 0.3, at=T0 + dt.timedelta(days=50))
    [incident_id] = first.incidents_opened
    assert second.incidents_opened == []
    assert second.incidents_added_to == [incident_id]
    assert ok.incidents_opened == []
    assert ok.results[0].level == "ok"
    assert third.incidents_added_to == [incident_id]
    with database.session() as session:
        incidents = IncidentService(session, ALICE)
        assert len(incidents.all()) == 1
        current = incidents.get(incident_id)
        assert "Still in breach" in (current.description or "")
        incidents.update(incident_id, current.version, {"status": "investigating", "owner": "alice"})
        current = incidents.get(incident_id)
        incidents.update(incident_id, current.version, {"status": "resolved", "containment": "Model retrained"})
        fourth = push(session, ALICE, system_id, "approval_gap", 0.4, at=T0 + dt.timedelta(days=60))
    assert len(fourth.incidents_opened) == 1
    assert fourth.incidents_opened != [incident_id]


def test_a_breach_of_another_metric_is_another_episode(database: Database) -> None:
    system_id = _system(database)
    with database.session() as session:
        latency = push(session, ALICE, system_id, "latency_ms", 950, at=T0)
        gap = push(session, ALICE, system_id, "approval_gap", 0.5, at=T0)
        warning = push(session, ALICE, system_id, "latency_ms", 400, at=T0)
    assert latency.incidents_opened
    assert gap.incidents_opened
    assert latency.incidents_opened != gap.incidents_opened
    assert warning.results[0].level == "warning"
    assert not warning.incidents_opened


def test_drift_against_a_reference_batch(database: Database, tmp_path: Path) -> None:
    system_id = _system(database)
    reference = write(frame(seed=1), tmp_path / "reference.parquet")
    shifted = write(frame(seed=2, shift=15_000), tmp_path / "current.parquet")
    with database.session() as session:
        outcome = evaluate(session, ALICE, system_id, shifted, reference=reference, at=T0)
        without = evaluate(session, ALICE, system_id, shifted, at=T0)
    [drift] = [r for r in outcome.results if r.metric == "income_psi"]
    assert drift.feature == "income"
    assert drift.level == "breach"
    assert not [r for r in without.results if r.kind == "drift"]
    assert without.notes == ["no --reference batch: drift metrics not computed (income_psi)"]


def test_overdue_when_no_result_arrives_within_the_schedule(database: Database) -> None:
    system_id = _system(database)
    with database.session() as session:
        created = MonitoringPlanService(session, ALICE).for_system(system_id)
        assert created is not None
        start = created.created_at
        assert not status(session, ALICE, now=start + dt.timedelta(days=30))[0].overdue
        assert status(session, ALICE, now=start + dt.timedelta(days=32))[0].overdue
        push(session, ALICE, system_id, "latency_ms", 120, at=start + dt.timedelta(days=40))
        [fresh] = status(session, ALICE, now=start + dt.timedelta(days=41))
        [late] = status(session, ALICE, now=start + dt.timedelta(days=72))
    assert not fresh.overdue
    assert fresh.level == "ok"
    assert late.overdue


def test_a_suspended_plan_records_nothing_and_is_never_overdue(database: Database) -> None:
    system_id = _system(database)
    with database.session() as session:
        plans = MonitoringPlanService(session, ALICE)
        current = plans.for_system(system_id)
        assert current is not None
        plans.update(current.id, current.version, {"status": "suspended"})
        with pytest.raises(RuleViolationError, match="suspended"):
            push(session, ALICE, system_id, "latency_ms", 1)
        assert not status(session, ALICE, now=T0 + dt.timedelta(days=400))[0].overdue


def test_unknown_system_or_metric_is_refused_and_nothing_stored(database: Database) -> None:
    system_id = _system(database)
    with database.session() as session:
        with pytest.raises(NotFoundError, match="SYS-99"):
            push(session, ALICE, "SYS-99", "latency_ms", 1)
        with pytest.raises(UsageError, match=r"no metric 'throughput'.*latency_ms"):
            push(session, ALICE, system_id, "throughput", 1)
    assert _results(database) == 0


def test_readers_may_not_record_and_a_ci_account_may(database: Database) -> None:
    system_id = _system(database)
    with database.session() as session:
        with pytest.raises(PermissionDeniedError, match="may not record monitoring results"):
            push(session, Actor("vic", roles=frozenset({Role.VIEWER})), system_id, "latency_ms", 1)
        outcome = push(session, Actor("ci-bot", roles=frozenset({Role.CI})), system_id, "latency_ms", 999)
    assert outcome.incidents_opened  # the breach is on record even though the CI account writes no records


def test_one_plan_per_system(database: Database) -> None:
    system_id = _system(database)
    with database.session() as session, pytest.raises(RuleViolationError, match="already has monitoring plan"):
        MonitoringPlanService(session, ALICE).create({**plan(), "system_id": system_id})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metrics": [{"name": "acc", "kind": "performance", "computed": "accuracy"}],
          "columns": {"prediction": "approved"}}, "needs the true label"),
        ({"metrics": [{"name": "gap", "kind": "fairness", "computed": "psi"}]}, "computed as one of"),
        ({"metrics": [{"name": "gap", "kind": "fairness", "computed": "selection_rate", "warning": 0.3,
                       "breach": 0.2}]}, "breach threshold must be past the warning one"),
        ({"metrics": [{"name": "drift", "kind": "drift", "computed": "psi", "on": ["postcode"]}]}, "postcode"),
    ],
)
def test_plans_that_cannot_be_computed_are_refused(database: Database, change: dict[str, object], message: str) -> None:
    from openaims.register.errors import RecordValidationError

    with database.session() as session:
        system_id = SystemService(session, ALICE).create({"name": "Credit scoring", "owner": "alice"}).id
        with pytest.raises(RecordValidationError, match=message):
            MonitoringPlanService(session, ALICE).put_for_system(system_id, plan(**change))


def test_a_fairness_breach_marks_the_approved_impact_assessment_stale(database: Database, tmp_path: Path) -> None:
    from openaims.register.services.impact import ImpactArea, ImpactAssessmentService
    from openaims.register.services.impact_currency import currency

    system_id = _system(database)
    bob = Actor("bob", roles=frozenset({Role.AIMS_MANAGER}))
    with database.session() as session:
        assessments = ImpactAssessmentService(session, ALICE)
        draft = assessments.create({
            "system_id": system_id, "title": "Credit scoring impact", "affected_groups": ["applicants"],
            "areas": {a.value: {"severity": 2, "likelihood": 2} for a in ImpactArea}, "assessor": "alice",
            "reviewer": "bob", "next_review": dt.date(2030, 1, 1),
        })  # fmt: skip
        draft = assessments.update(draft.id, draft.version, {"status": "in_review"})
        ImpactAssessmentService(session, bob).approve_record(draft.id, draft.version)
        assert currency(session, ALICE, system_id).current
        push(session, ALICE, system_id, "latency_ms", 950)  # a performance breach: not a fairness one
        outcome = evaluate(session, ALICE, system_id, write(frame(rates=DISPARATE), tmp_path / "b.csv"), at=T0)
        found = currency(session, ALICE, system_id)
    assert not found.current
    fairness = [r for r in found.reasons if "fairness breach" in r]
    assert len(fairness) == 1
    assert "approval_gap (age_band)" in fairness[0]
    assert outcome.incidents_opened[0] in fairness[0]
