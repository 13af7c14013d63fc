"""Re-assessment triggers: each marks the system's approved impact assessment stale, with the reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.register.kit import all_areas

from openaims.discovery.interface import Finding, FindingKind
from openaims.register.ingest import sync_scan
from openaims.register.services import DatasetService, ImpactAssessmentService, IncidentService, SystemService
from openaims.register.services.impact_currency import StaleTrigger, currency, mark_stale

REPO = "github.com/acme/scorer"


def _approved_system(s: Any) -> tuple[str, str]:
    system = SystemService(s, "alice").create(
        {"name": "Scorer", "owner": "alice", "purpose": "Score loans", "intended_use": "Advisory",
         "repositories": [REPO]}
    )  # fmt: skip
    ias = ImpactAssessmentService(s, "raj")
    ia = ias.create({"system_id": system.id, "title": "Scorer AIIA", "affected_groups": ["applicants"],
                     "areas": all_areas(), "reviewer": "lena", "next_review": dt.date(2099, 1, 1)})  # fmt: skip
    ia = ias.transition(ia.id, ia.version, "in_review")
    ia = ImpactAssessmentService(s, "lena").transition(ia.id, ia.version, "approved")
    return system.id, ia.id


def _finding(kind: FindingKind, name: str, provider: str | None) -> Finding:
    return Finding(kind=kind, name=name, provider=provider, path="app.py", line=3, category="llm", detector="test")


def test_a_new_approved_assessment_is_current(database: Any) -> None:
    with database.session() as s:
        system_id, ia_id = _approved_system(s)
        state = currency(s, "alice", system_id)
    assert (state.current, state.assessment_id, state.reasons) == (True, ia_id, ())


def test_a_model_found_by_a_scan_names_the_model_as_the_reason(database: Any) -> None:
    with database.session() as s:
        system_id, ia_id = _approved_system(s)
        report = sync_scan(s, "alice", REPO, [_finding(FindingKind.MODEL, "gpt-4o", "openai")])
        state = currency(s, "alice", system_id)
        comp = report.new[0]
    assert report.stale_assessments == [ia_id]
    assert state.current is False
    assert state.reasons == (f"new model gpt-4o ({comp}) found in {REPO} by a scan",)
    assert "impact assessment now stale: " + ia_id in report.summary()


def test_a_second_scan_that_finds_nothing_new_adds_no_reason(database: Any) -> None:
    with database.session() as s:
        _system_id, ia_id = _approved_system(s)
        found = [_finding(FindingKind.MODEL, "gpt-4o", "openai")]
        sync_scan(s, "alice", REPO, found)
        again = sync_scan(s, "alice", REPO, found)
        assessment = ImpactAssessmentService(s, "alice").get(ia_id)
    assert again.stale_assessments == []
    assert [r.trigger for r in assessment.stale_reasons] == [StaleTrigger.NEW_MODEL]


def test_a_new_provider_is_a_trigger_and_a_known_one_is_not(database: Any) -> None:
    with database.session() as s:
        _system_id, ia_id = _approved_system(s)
        sync_scan(s, "alice", REPO, [_finding(FindingKind.DEPENDENCY, "openai", "openai")])
        first = ImpactAssessmentService(s, "alice").get(ia_id).stale_reasons
        sync_scan(s, "alice", REPO, [_finding(FindingKind.DEPENDENCY, "openai", "openai"),
                                     _finding(FindingKind.IMPORT, "openai", "openai")])  # fmt: skip
        second = ImpactAssessmentService(s, "alice").get(ia_id).stale_reasons
    assert [r.trigger for r in first] == [StaleTrigger.NEW_PROVIDER]
    assert first[0].reason.startswith("new provider openai (openai, COMP-")
    assert second == first


@pytest.mark.parametrize(
    ("change", "trigger", "reason"),
    [
        ({"purpose": "Decide loans"}, StaleTrigger.PURPOSE_CHANGED, "the purpose of {sys} changed (version 2)"),
        ({"intended_use": "Automatic"}, StaleTrigger.PURPOSE_CHANGED, "the intended use of {sys} changed (version 2)"),
        (
            {"risk_tier": "high"},
            StaleTrigger.RISK_TIER_CHANGED,
            "the risk tier of {sys} changed from unclassified to high",
        ),
    ],
)
def test_a_changed_purpose_or_risk_tier_is_a_trigger(
    database: Any, change: dict[str, Any], trigger: StaleTrigger, reason: str
) -> None:
    with database.session() as s:
        system_id, ia_id = _approved_system(s)
        systems = SystemService(s, "alice")
        systems.update(system_id, systems.get(system_id).version, change)
        assessment = ImpactAssessmentService(s, "alice").get(ia_id)
    assert [(r.trigger, r.reason) for r in assessment.stale_reasons] == [(trigger, reason.format(sys=system_id))]


def test_a_changed_description_is_not_a_trigger(database: Any) -> None:
    with database.session() as s:
        system_id, _ = _approved_system(s)
        systems = SystemService(s, "alice")
        systems.update(system_id, systems.get(system_id).version, {"description": "Now with colours"})
        assert currency(s, "alice", system_id).current is True


def test_a_new_dataset_from_either_side_is_a_trigger(database: Any) -> None:
    with database.session() as s:
        system_id, ia_id = _approved_system(s)
        data = DatasetService(s, "alice").create({"name": "Bureau files", "system_ids": [system_id]})
        other = DatasetService(s, "alice").create({"name": "Open banking"})
        systems = SystemService(s, "alice")
        systems.update(system_id, systems.get(system_id).version, {"dataset_ids": [other.id]})
        reasons = [r.reason for r in ImpactAssessmentService(s, "alice").get(ia_id).stale_reasons]
    assert reasons == [
        f"new dataset Bureau files ({data.id}) used by {system_id}",
        f"new dataset Open banking ({other.id}) used by {system_id}",
    ]


def test_an_incident_on_the_system_is_a_trigger(database: Any) -> None:
    with database.session() as s:
        system_id, _ia_id = _approved_system(s)
        inc = IncidentService(s, "alice").create(
            {"title": "Scores drifted", "severity": "high", "system_ids": [system_id]}
        )
        state = currency(s, "alice", system_id)
    assert state.reasons == (f"incident {inc.id} (high) on {system_id}: Scores drifted",)


def test_a_contributor_change_marks_an_assessment_they_do_not_own(database: Any) -> None:
    from openaims.register.actors import Actor, Role

    with database.session() as s:
        system_id, ia_id = _approved_system(s)
        bob = Actor(name="alice", roles=frozenset({Role.CONTRIBUTOR}))
        systems = SystemService(s, bob)
        systems.update(system_id, systems.get(system_id).version, {"risk_tier": "limited"})
        assessment = ImpactAssessmentService(s, "lena").get(ia_id)
        events = ImpactAssessmentService(s, "lena").history(ia_id)
    assert assessment.status == "approved"
    assert len(assessment.stale_reasons) == 1
    assert events[-1].actor == "alice"


def test_stale_reasons_cannot_be_typed(database: Any) -> None:
    from openaims.register.errors import RecordValidationError

    with database.session() as s:
        system_id, _ia_id = _approved_system(s)
        with pytest.raises(RecordValidationError, match="kept up to date by the register"):
            ImpactAssessmentService(s, "alice").create(
                {"system_id": system_id, "title": "x",
                 "stale_reasons": [{"on": "2026-01-01", "trigger": "incident", "reason": "typed"}]}
            )  # fmt: skip


def test_approving_a_new_assessment_makes_the_system_current_again(database: Any) -> None:
    with database.session() as s:
        system_id, _ia_id = _approved_system(s)
        mark_stale(s, "alice", system_id, StaleTrigger.INCIDENT, "incident INC-9", record_id="INC-9")
        assert currency(s, "alice", system_id).current is False
        ias = ImpactAssessmentService(s, "raj")
        ia = ias.create({"system_id": system_id, "title": "Scorer AIIA v2", "affected_groups": ["applicants"],
                         "areas": all_areas(), "reviewer": "lena", "next_review": dt.date(2099, 1, 1)})  # fmt: skip
        ia = ias.transition(ia.id, ia.version, "in_review")
        ImpactAssessmentService(s, "lena").transition(ia.id, ia.version, "approved")
        state = currency(s, "alice", system_id)
    assert (state.current, state.assessment_id) == (True, ia.id)


def test_the_deployment_gate_names_why_the_impact_assessment_is_stale(database: Any) -> None:
    from openaims.register.actors import Actor, Role
    from openaims.register.lifecycle.gates import judge

    with database.session() as s:
        system_id, ia_id = _approved_system(s)
        inc = IncidentService(s, "alice").create(
            {"title": "Bias report", "severity": "high", "system_ids": [system_id]}
        )
        admin = Actor(name="alice", roles=frozenset({Role.ADMIN}))
        result = judge(s, admin, SystemService(s, "alice").get(system_id), "deployment", today=dt.date(2026, 6, 1))
    criterion = next(c for c in result.criteria if c.id == "impact-assessment-current")
    assert str(criterion.state) == "missing"
    assert criterion.detail == f"{ia_id} is stale: incident {inc.id} (high) on {system_id}: Bias report"
