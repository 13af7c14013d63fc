"""Readiness rules over a real register: every clause and control met by a ready register,
not met by an empty one, and statuses that follow record changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from tests.readiness.kit import ADMIN, TODAY, approve, ready_register

from openaims.frameworks.loader import ISO42001_LEAF_CLAUSES, load_catalogue
from openaims.readiness.engine import evaluate
from openaims.readiness.model import Report, Status
from openaims.readiness.snapshot import load_snapshot
from openaims.register.db import Database
from openaims.register.services import (
    ChangeService,
    ManagementReviewService,
    NonconformityService,
    PersonService,
    RiskMethodService,
    RiskService,
    RoleService,
    SoaService,
    SystemService,
)

CONTROLS = [c.id for c in load_catalogue().framework("iso42001").of_kind("control")]
ALL_ITEMS = [*ISO42001_LEAF_CLAUSES, *CONTROLS]


def report(session: Session, **kw: Any) -> Report:
    return evaluate(load_snapshot(session, ADMIN, today=kw.pop("today", TODAY)), **kw)


def test_an_empty_register_meets_nothing(database: Database) -> None:
    with database.read() as session:
        result = report(session)
    assert [i.id for i in result.items] == ALL_ITEMS
    statuses = {i.id: i.status for i in result.items}
    assert {k for k, v in statuses.items() if v is not Status.MISSING} == {"10.2"}
    assert statuses["10.2"] is Status.PARTIAL
    assert result.item("4.3").reasons == [
        "no AIMS scope is recorded",
        "no record shows this: issues the scope was determined from (4.1)",
        "no record shows this: interested-party requirements the scope was determined from (4.2)",
    ]
    assert all(i.reasons for i in result.items)


def test_a_ready_register_meets_every_clause_and_control(database: Database, tmp_path: Path) -> None:
    with database.session() as session:
        ids = ready_register(session, tmp_path / "evidence")
    with database.read() as session:
        result = report(session)
    not_met = {i.id: i.reasons for i in result.items if i.status is not Status.MET}
    assert not_met == {}
    assert result.score() == 100.0
    assert ids["scope"] in result.item("4.3").links
    assert ids["impact"] in result.item("6.1.4").links
    assert ids["review"] in result.item("9.3.2").links
    assert result.item("A.6.2.4").links[:2] == ["SOA-A.6.2.4", ids["evidence"]]


def score(database: Database) -> float:
    with database.read() as session:
        return report(session).score()


def statuses(database: Database, **kw: Any) -> dict[str, Status]:
    with database.read() as session:
        return {i.id: i.status for i in report(session, **kw).items}


def test_4_3_a_system_neither_in_nor_out_of_scope(ready: tuple[Database, dict[str, Any]]) -> None:
    database, _ = ready
    with database.session() as session:
        new = SystemService(session, ADMIN).create({"name": "Shadow chatbot"})
    with database.read() as session:
        item = report(session).item("4.3")
    assert item.status is Status.PARTIAL
    assert item.reasons[0] == f"scope SCOPE-1 is approved but it does not say whether {new.id} are in or out"


def test_4_1_does_not_demand_an_eu_ai_act_classification(
    ready: tuple[Database, dict[str, Any]],
) -> None:
    """ISO/IEC 42001 4.1 asks for the organisation's roles and the systems' purposes, not an EU
    AI Act classification: a stale classification is an EU AI Act finding, not a 4.1 gap."""
    database, ids = ready
    with database.session() as session:
        systems = SystemService(session, ADMIN)
        system = systems.get(ids["system"])
        systems.update(system.id, system.version, {"purpose": "Set credit limits"})
    with database.read() as session:
        item = report(session).item("4.1")
    assert item.status is Status.MET
    assert not any("classif" in r for r in item.reasons)


def test_5_2_policy_past_its_review_date(ready: tuple[Database, dict[str, Any]]) -> None:
    database, _ = ready
    later = statuses(database, today=TODAY + dt.timedelta(days=400))
    assert later["5.2"] is Status.PARTIAL
    assert later["A.2.2"] is Status.PARTIAL


def test_6_1_3_risk_above_appetite_without_approved_treatment(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    with database.session() as session:
        risks = RiskService(session, ADMIN)
        method = RiskMethodService(session, ADMIN).default()
        extra = risks.create({"title": "Prompt injection", "system_ids": [ids["system"]], "method_id": method.id,
                              "inherent_likelihood": 5, "inherent_impact": 5}, status="assessed")  # fmt: skip
    with database.read() as session:
        item = report(session).item("6.1.3")
    assert item.status is Status.PARTIAL
    assert f"risks above appetite without an approved treatment: {extra.id}" in item.reasons


def test_6_1_4_and_a_5_impact_assessment_older_than_a_material_change(
    ready: tuple[Database, dict[str, Any]],
) -> None:
    database, ids = ready
    with database.session() as session:
        change = ChangeService(session, ADMIN).create(
            {"title": "New features", "kind": "lifecycle", "system_id": ids["system"], "to_stage": "operation",
             "reason": "Product", "impact_analysis": "Medium"},
        )  # fmt: skip
        change = approve(session, ChangeService, change, TODAY)
        ChangeService(session, ADMIN).transition(change.id, change.version, "implemented")
    after = statuses(database)
    # 6.1.4 still has its process document; A.5.3 still has its SoA row; 8.4 has nothing else
    assert (after["6.1.4"], after["8.4"], after["A.5.3"]) == (Status.PARTIAL, Status.MISSING, Status.PARTIAL)


def test_7_2_role_holder_without_competence_record(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    with database.session() as session:
        dave = PersonService(session, ADMIN).create({"name": "Dave"})
        role = RoleService(session, ADMIN).get(ids["role"])
        RoleService(session, ADMIN).update(role.id, role.version, {"holder_ids": [ids["alice"], dave.id]})
    with database.read() as session:
        item = report(session).item("7.2")
    assert item.status is Status.PARTIAL
    assert item.reasons == [
        "roles whose holders show the competence each role requires for some, but not "
        f"{ids['role']} ({dave.id} has no current evidence for {ids['skills'][ids['role']]})"
    ]


def test_9_2_and_9_3_go_stale_after_twelve_months(ready: tuple[Database, dict[str, Any]]) -> None:
    database, _ = ready
    later = statuses(database, today=TODAY + dt.timedelta(days=380))
    assert (later["9.2.1"], later["9.3.1"], later["9.3.3"]) == (Status.PARTIAL, Status.MISSING, Status.MISSING)


def test_9_3_3_review_without_decisions(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    with database.session() as session:
        reviews = ManagementReviewService(session, ADMIN)
        review = reviews.get(ids["review"])
        reviews.update(review.id, review.version, {"decisions": []})
    with database.read() as session:
        result = report(session)
    assert result.item("9.3.2").status is Status.MET
    assert result.item("9.3.3").status is Status.PARTIAL
    assert "does not cover: decisions on improvement and changes" in result.item("9.3.3").reasons[0]


def test_10_2_nonconformity_past_due(ready: tuple[Database, dict[str, Any]]) -> None:
    database, _ = ready
    with database.session() as session:
        late = NonconformityService(session, ADMIN).create(
            {"title": "Missed review", "due_date": TODAY - dt.timedelta(days=1)}
        )
    with database.read() as session:
        item = report(session).item("10.2")
    assert item.status is Status.PARTIAL
    assert item.reasons[0] == f"past due: {late.id}"


def test_an_excluded_control_is_not_applicable_with_its_justification(
    ready: tuple[Database, dict[str, Any]],
) -> None:
    database, _ = ready
    with database.session() as session:
        soa = SoaService(session, ADMIN)
        row = soa.get("SOA-A.10.4")
        soa.update(row.id, row.version, {"applicable": False, "justification": "No external customers",
                                         "status": "excluded"})  # fmt: skip
    with database.read() as session:
        item = report(session).item("A.10.4")
    assert item.status is Status.NOT_APPLICABLE
    assert item.reasons == ["excluded in SOA-A.10.4: No external customers"]


def test_a_control_whose_soa_row_is_only_planned_is_missing(ready: tuple[Database, dict[str, Any]]) -> None:
    """A planned control is not in place, however many of its records exist: it is missing and
    adds nothing to the score (a partially implemented one is partial)."""
    database, _ = ready
    before = score(database)
    with database.session() as session:
        soa = SoaService(session, ADMIN)
        row = soa.get("SOA-A.7.5")
        row = soa.update(row.id, row.version, {"status": "planned"})
    with database.read() as session:
        item = report(session).item("A.7.5")
    assert item.status is Status.MISSING
    assert item.reasons[0].startswith("SOA-A.7.5 says planned: not implemented yet")
    assert item.reasons[1].startswith("data provenance: DATA-")  # the records found are still shown
    assert score(database) == round(before - 100 / len(ALL_ITEMS), 1)
    with database.session() as session:
        SoaService(session, ADMIN).update(row.id, row.version, {"status": "partial"})
    assert statuses(database)["A.7.5"] is Status.PARTIAL
    assert score(database) == round(before - 50 / len(ALL_ITEMS), 1)


def test_nist_and_ai_act_views_follow_the_crosswalk(ready: tuple[Database, dict[str, Any]]) -> None:
    database, _ = ready
    with database.read() as session:
        nist = report(session, view="nist-ai-rmf")
        act = report(session, view="eu-ai-act")
    assert len(nist.items) == 72
    assert all(i.status is Status.MET for i in nist.items)
    assert nist.item("MEASURE 2.3").related == ("iso42001:A.6.2.6", "iso42001:A.7.4")
    assert "Art.15" in {i.id for i in act.items}


def test_changes_since_the_previous_run(ready: tuple[Database, dict[str, Any]]) -> None:
    database, _ = ready
    with database.read() as session:
        first = report(session).to_dict()
    with database.read() as session:
        second = report(session, today=TODAY + dt.timedelta(days=400), previous=first)
    assert {"id": "5.2", "from": "met", "to": "partial"} in [dict(c) for c in second.changes]


def test_6_1_4_and_8_4_show_why_an_impact_assessment_is_stale(ready: tuple[Database, dict[str, Any]]) -> None:
    from openaims.register.services import IncidentService

    database, ids = ready
    with database.session() as session:
        incident = IncidentService(session, ADMIN).create(
            {"title": "Wrong scores", "severity": "high", "system_ids": [ids["system"]]}
        )
    with database.read() as session:
        result = report(session)
    expected = (
        f"no in-scope AI system has a current approved impact assessment: {ids['system']} ({ids['impact']} is "
        f"stale: incident {incident.id} (high) on {ids['system']}: Wrong scores)"
    )
    assert result.item("8.4").status is Status.MISSING
    assert expected in result.item("8.4").reasons
    assert expected in result.item("6.1.4").reasons


def test_6_2_and_9_1_name_an_objective_that_misses_its_target(ready: tuple[Database, dict[str, Any]]) -> None:
    from openaims.register.services import MeasurementService, ObjectiveService

    database, _ = ready
    with database.session() as session:
        objective = ObjectiveService(session, ADMIN).create(
            {"title": "Accuracy", "metric": "accuracy", "target_value": 95, "unit": "%", "owner": "alice",
             "due_date": TODAY + dt.timedelta(days=90)}, status="active")  # fmt: skip
        MeasurementService(session, ADMIN).create({"objective_id": objective.id, "measured_on": TODAY, "value": 91})
    with database.read() as session:
        result = report(session)
    for item in ("6.2", "9.1"):
        assert result.item(item).status is Status.PARTIAL
        assert (
            f"objectives missing their target: {objective.id} (91 on {TODAY}, target >= 95%)"
            in result.item(item).reasons
        )
