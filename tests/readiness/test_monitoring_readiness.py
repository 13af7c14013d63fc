"""Readiness of 9.1 and A.6.2.6 reads the monitoring of the systems in deployment or operation: a plan,
results within its schedule, breaches whose incident is handled, warnings reviewed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.readiness.kit import ADMIN, TODAY

from openaims.readiness.engine import evaluate
from openaims.readiness.model import Status
from openaims.readiness.snapshot import load_snapshot
from openaims.register.db import Database
from openaims.register.errors import RuleViolationError
from openaims.register.monitoring import push, review_warnings
from openaims.register.services import IncidentService, SystemService
from openaims.register.services.monitoring_plans import MonitoringPlanService
from openaims.reports.asof import register_view

NOON = dt.time(12, tzinfo=dt.UTC)


def check(database: Database, item_id: str) -> tuple[Status, str, tuple[str, ...]]:
    with database.read() as session:
        found = evaluate(load_snapshot(session, ADMIN, today=TODAY)).item(item_id)
    result = next(c for c in found.checks if c.check == "systems_monitored")
    return result.status, result.reason, result.links


def at(days: int) -> dt.datetime:
    return dt.datetime.combine(TODAY + dt.timedelta(days=days), NOON)


def test_a_monitored_system_meets_9_1_and_a_6_2_6(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    for item_id in ("9.1", "A.6.2.6"):
        status, text, links = check(database, item_id)
        assert (status, text) == (Status.MET, f"AI systems in deployment or operation monitored: {ids['system']}")
        assert ids["monitoring_plan"] in links


def test_a_system_in_operation_without_a_plan_is_named(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    with database.session() as s:
        plans = MonitoringPlanService(s, ADMIN)
        plan = plans.get(ids["monitoring_plan"])
        plans.transition(plan.id, plan.version, "retired")
    status, text, _ = check(database, "9.1")
    assert status is Status.MISSING
    assert text == (f"{ids['system']} Credit scorer: no monitoring plan (create one with "
                    f"'aims monitor plan {ids['system']} PLAN.yaml')")  # fmt: skip


def test_results_overdue_for_the_schedule_are_named(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    with database.session() as s:
        plans = MonitoringPlanService(s, ADMIN)
        plan = plans.get(ids["monitoring_plan"])
        plans.update(plan.id, plan.version, {"schedule": "daily"})
    status, text, _ = check(database, "A.6.2.6")
    last = TODAY - dt.timedelta(days=2)
    assert status is Status.PARTIAL
    assert text == (
        f"{ids['system']} Credit scorer: {ids['monitoring_plan']} (daily) overdue, no result since {last:%Y-%m-%d}, "
        f"due by {last + dt.timedelta(days=1):%Y-%m-%d} (record with 'aims monitor evaluate {ids['system']}' or "
        f"'aims monitor push {ids['system']}')"
    )


def test_a_breach_counts_as_handled_once_its_incident_is_resolved(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    system = ids["system"]
    with database.session() as s:
        outcome = push(s, ADMIN, system, "latency_ms", 950, at=at(-1))
    [incident_id] = outcome.incidents_opened
    status, text, links = check(database, "9.1")
    assert status is Status.PARTIAL
    assert text == (f"{system} Credit scorer: breach of latency_ms since {at(-1):%Y-%m-%d}, incident {incident_id} "
                    f"still reported (handle it with 'aims incident step {incident_id}')")  # fmt: skip
    assert incident_id in links
    with database.session() as s:
        incidents = IncidentService(s, ADMIN)
        incident = incidents.get(incident_id)
        incidents.transition(incident.id, incident.version, "investigating")
    assert "still investigating" in check(database, "9.1")[1]
    with database.session() as s:
        incidents = IncidentService(s, ADMIN)
        incident = incidents.get(incident_id)
        incidents.transition(incident.id, incident.version, "contained",
                             {"owner": "alice", "containment": "Traffic moved to the standby cluster"})  # fmt: skip
        incident = incidents.get(incident_id)
        incidents.transition(incident.id, incident.version, "resolved")
    assert check(database, "9.1")[0] is Status.MET


def test_warnings_stay_named_until_someone_reviews_them(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    system = ids["system"]
    with database.session() as s:
        push(s, ADMIN, system, "latency_ms", 350, at=at(-1))
        push(s, ADMIN, system, "latency_ms", 420, at=at(0))
    status, text, _ = check(database, "A.6.2.6")
    assert (status, text) == (
        Status.PARTIAL,
        f"{system} Credit scorer: 2 warning(s) unreviewed since {at(-1):%Y-%m-%d} (latency_ms; review with "
        f"'aims monitor review {system} --note TEXT')",
    )
    with database.session() as s:
        done = review_warnings(s, ADMIN, system, "Load test traffic; capacity added")
    assert (len(done.result_ids), done.metrics, done.by) == (2, ["latency_ms"], "admin")
    assert check(database, "A.6.2.6")[0] is Status.MET
    with database.session() as s, pytest.raises(RuleViolationError, match="no unreviewed monitoring warning"):
        review_warnings(s, ADMIN, system, "again")
    # readiness as of a day (from the history) reads the same monitoring facts
    with database.read() as s:
        view = register_view(s, ADMIN, as_of=TODAY, today=TODAY)
    assert view.snapshot.monitoring is not None
    assert [f.level for f in view.snapshot.monitoring.flagged] == []


def test_systems_not_yet_deployed_need_no_monitoring(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    with database.session() as s:
        systems = SystemService(s, ADMIN)
        system = systems.get(ids["system"])
        systems.update(system.id, system.version, {"lifecycle_stage": "verification"})
    assert check(database, "9.1")[:2] == (Status.NOT_APPLICABLE, "no in-scope AI system has reached deployment yet")
