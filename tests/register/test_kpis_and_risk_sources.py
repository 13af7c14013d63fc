"""KPIs computed from a register with known content; the risk-source catalogue offered for risks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.register.kit import all_areas

from openaims.frameworks.risk_sources import find_source, risk_sources
from openaims.register.kpis import kpi_values, record_kpi_measurements
from openaims.register.records_view import read_records
from openaims.register.services import (
    ComponentService,
    ImpactAssessmentService,
    IncidentService,
    ObjectiveService,
    RiskService,
    SystemService,
)

TODAY = dt.date(2026, 9, 1)
SYSTEM = {"owner": "alice", "purpose": "Score", "intended_use": "Advice"}


def _assessed(s: Any, system_id: str) -> None:
    ias = ImpactAssessmentService(s, "raj")
    ia = ias.create({"system_id": system_id, "title": "AIIA", "affected_groups": ["applicants"],
                     "areas": all_areas(), "reviewer": "lena", "next_review": dt.date(2099, 1, 1)})  # fmt: skip
    ia = ias.transition(ia.id, ia.version, "in_review")
    ImpactAssessmentService(s, "lena").transition(ia.id, ia.version, "approved")


def test_kpis_match_the_register(database: Any) -> None:
    with database.session() as s:
        systems = SystemService(s, "alice")
        one = systems.create({"name": "Scorer", "risk_tier": "high", **SYSTEM})
        two = systems.create({"name": "Chatbot", **SYSTEM})
        three = systems.create({"name": "Triage", **SYSTEM})
        for system in (one, two, three):
            _assessed(s, system.id)
        IncidentService(s, "alice").create({"title": "Leak", "system_ids": [two.id]})  # makes two's IA stale
        ComponentService(s, "alice").create({"kind": "model", "name": "gpt-4o", "fingerprint": "f1",
                                             "repository": "acme/chat"})  # fmt: skip
        kpis = {k.key: k for k in kpi_values(s, read_records(s, "alice", today=TODAY))}
    assert {k: v.value for k, v in kpis.items()} == {
        "impact_current": 66.7, "risk_assessed": 0.0, "classified": 33.3, "nc_median_days_to_close": None,
        "overdue_treatments": 0.0, "unapproved_components": 1.0, "policy_violations": 0.0,
    }  # fmt: skip
    assert (kpis["impact_current"].met, kpis["overdue_treatments"].met, kpis["nc_median_days_to_close"].met) == (
        False, True, None)  # fmt: skip
    assert kpis["impact_current"].target_text == ">= 100%"


def test_an_objective_tracking_a_kpi_gets_one_measurement_a_day(database: Any) -> None:
    with database.session() as s:
        objective = ObjectiveService(s, "alice").create(
            {"title": "No unreviewed AI", "metric": "kpi:unapproved_components", "target_value": 0,
             "direction": "at_most", "owner": "alice", "due_date": dt.date(2026, 12, 31)}, status="active")  # fmt: skip
        ComponentService(s, "alice").create({"kind": "model", "name": "gpt-4o", "fingerprint": "f1",
                                             "repository": "acme/chat"})  # fmt: skip
        first = record_kpi_measurements(s, "alice", today=TODAY)
        again = record_kpi_measurements(s, "alice", today=TODAY)
        objectives = ObjectiveService(s, "alice")
        status = objectives.target_status(objectives.get(objective.id))
        missed = [o.objective_id for o in objectives.missed_targets()]
    assert len(first) == 1
    assert again == []
    assert (status.latest.value if status.latest else None, status.met) == (1.0, False)
    assert missed == [objective.id]


def test_the_catalogue_has_the_seven_annex_c_sources_with_their_23894_clauses() -> None:
    assert [(s.id, s.iso23894) for s in risk_sources()] == [(f"C.3.{n}", f"B.{n + 1}") for n in range(1, 8)]


@pytest.mark.parametrize(
    ("given", "stored"),
    [("C.3.3", "C.3.3 Level of automation"), ("level of automation", "C.3.3 Level of automation"),
     ("Vendor lock-in", "Vendor lock-in")],
)  # fmt: skip
def test_a_risk_source_from_the_catalogue_is_stored_by_id_and_title_and_free_text_stays(
    database: Any, given: str, stored: str
) -> None:
    with database.session() as s:
        risk = RiskService(s, "alice").create({"title": "Loans approved unseen", "source": given})
    assert risk.source == stored
    assert (find_source(given) is None) == (given == "Vendor lock-in")
