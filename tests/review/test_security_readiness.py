"""Readiness from AI security reviews: 6.1.2, 6.1.3, A.6.2.4 and A.6.2.5 name what each deployed
system's review is missing (both databases)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from openaims.readiness.checks import CHECKS
from openaims.readiness.model import CheckResult, Status
from openaims.readiness.snapshot import load_snapshot
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.services import EvidenceService, RiskService, SystemService, TreatmentService
from openaims.register.services.security_reviews import SecurityReviewService
from openaims.register.services.systems import ComponentService
from openaims.register.threat_model import Answers, DataReach, OutputUse

ADMIN = Actor("admin")
MARIA = Actor("maria", roles=frozenset({Role.AIMS_MANAGER}))
ANSWERS = Answers(untrusted_input=True, acts_externally=False, data=(DataReach.PERSONAL,), output=OutputUse.SHOWN,
                  other_agents=False)  # fmt: skip
REPO = "git@example.org:support-bot.git"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "redteam"


def _component(kind: str, name: str, provider: str | None = None, **details: Any) -> dict[str, Any]:
    return {"kind": kind, "name": name, "provider": provider, "fingerprint": f"{kind}-{name}",
            "details": {"locations": [f"{name}.py:1"], **details}}  # fmt: skip


MODEL = _component("model", "gpt-4o", "openai", category="llm-api")


@pytest.fixture
def chatbot(database: Database) -> str:
    with database.session() as s:
        system = SystemService(s, ADMIN).create({"name": "Support chatbot", "owner": "raj", "purpose": "Answer",
                                                  "intended_use": "Customers", "repositories": [REPO],
                                                  "lifecycle_stage": "verification"})  # fmt: skip
        # in operation before its gates were set up: moved past them, with a follow-up
        system = SystemService(s, ADMIN).move(system.id, system.version, "operation",
                                              override="Launched before the life-cycle gates were introduced")
        ComponentService(s, ADMIN).sync(REPO, [MODEL], system_id=system.id)
    return system.id


def _check(database: Database, aspect: str, **params: Any) -> CheckResult:
    with database.read() as s:
        snap = load_snapshot(s, ADMIN, today=dt.date.today())
        return CHECKS["systems_security_reviewed"](snap, {"aspect": aspect, "what": "reviewed", **params})


def _completed(database: Database, system_id: str, tmp_path: Path, *, results: bool = False) -> str:
    with database.session() as s:
        service = SecurityReviewService(s, MARIA)
        review = service.start(system_id, ANSWERS)
        if results:
            store = EvidenceService(s, MARIA, evidence_dir=tmp_path / "evidence")
            service.import_results(system_id, EXAMPLES / "garak.report.jsonl", evidence=store)
        risk = RiskService(s, MARIA).create({"title": "Prompt injection", "system_ids": [system_id]})
        TreatmentService(s, MARIA).create({"risk_id": risk.id, "option": "mitigate",
                                                       "description": "Input filter"})  # fmt: skip
        for entry in service.get(review.id).undecided():
            service.decide(review.id, entry.key, risk_id=risk.id)
        return service.complete(review.id).id


def test_a_deployed_system_without_a_review_is_named_with_the_command_that_starts_one(
    database: Database, chatbot: str
) -> None:
    result = _check(database, "reviewed")
    assert result.status is Status.MISSING
    assert result.reason == f"{chatbot} Support chatbot: no security review (start one with 'aims review start " \
                            f"{chatbot}')"  # fmt: skip


def test_a_draft_review_is_not_enough_and_its_undecided_threats_are_counted(database: Database, chatbot: str) -> None:
    with database.session() as s:
        review = SecurityReviewService(s, MARIA).start(chatbot, ANSWERS)
    undecided = len(review.undecided())
    result = _check(database, "reviewed")
    assert result.status is Status.MISSING
    assert f"security review {review.id} is still a draft with {undecided} undecided threat(s)" in result.reason
    assert result.links == (review.id,)


def test_a_completed_review_meets_reviewed_and_treated_until_a_scan_finds_a_new_model(
    database: Database, chatbot: str, tmp_path: Path
) -> None:
    review_id = _completed(database, chatbot, tmp_path)
    assert _check(database, "reviewed").status is Status.MET
    assert _check(database, "treated").status is Status.MET
    with database.session() as s:
        ComponentService(s, ADMIN).sync(REPO, [MODEL, _component("model", "claude-3-5-sonnet", "anthropic")],
                                        system_id=chatbot)  # fmt: skip
    stale = _check(database, "reviewed")
    assert stale.status is Status.MISSING
    assert stale.reason.startswith(f"{chatbot} Support chatbot: security review {review_id} is stale: new model "
                                   "claude-3-5-sonnet found by a scan")  # fmt: skip


def test_a_cancelled_treatment_leaves_the_decision_untreated(database: Database, chatbot: str, tmp_path: Path) -> None:
    review_id = _completed(database, chatbot, tmp_path)
    with database.session() as s:
        treatments = TreatmentService(s, ADMIN)
        treatment = treatments.all()[0]
        treatments.transition(treatment.id, treatment.version, "cancelled")
        risk_id = treatment.risk_id
    result = _check(database, "treated")
    assert result.status is Status.MISSING
    assert f"{review_id} decisions without a treatment: " in result.reason
    assert f"({risk_id} has no live treatment)" in result.reason
    assert _check(database, "reviewed").status is Status.MET


def test_tested_needs_red_team_results_and_their_failures_handled(
    database: Database, chatbot: str, tmp_path: Path
) -> None:
    review_id = _completed(database, chatbot, tmp_path)
    untested = _check(database, "tested")
    assert untested.status is Status.MISSING
    assert untested.reason == (f"{chatbot} Support chatbot: no red-team or evaluation results on {review_id} "
                               f"(import them with 'aims review import-results {chatbot} FILE')")  # fmt: skip
    with database.session() as s:  # a new draft: nothing decided on it yet
        service = SecurityReviewService(s, MARIA)
        draft = service.start(chatbot, ANSWERS)
        store = EvidenceService(s, MARIA, evidence_dir=tmp_path / "evidence")
        _, imported = service.import_results(chatbot, EXAMPLES / "garak.report.jsonl", evidence=store)
    unhandled = _check(database, "tested")
    assert unhandled.status is Status.MISSING
    assert unhandled.reason == (
        f"{chatbot} Support chatbot: red-team failures in promptinject (garak.report.jsonl), leakreplay "
        f"(garak.report.jsonl) on {draft.id} neither raised as a risk or incident nor covered by a decided threat"
    )
    with database.session() as s:
        service = SecurityReviewService(s, MARIA)
        service.raise_from_result(draft.id, imported.evidence_id, "promptinject")
    assert "failures in leakreplay (garak.report.jsonl) on" in _check(database, "tested").reason
    with database.session() as s:
        SecurityReviewService(s, MARIA).raise_from_result(draft.id, imported.evidence_id, "leakreplay",
                                                          as_incident=True)  # fmt: skip
    assert _check(database, "tested").status is Status.MET


def test_systems_before_the_stage_are_not_asked_and_others_are_named_each(database: Database, chatbot: str) -> None:
    with database.session() as s:
        systems = SystemService(s, ADMIN)
        idea = systems.create({"name": "Idea", "owner": "raj", "lifecycle_stage": "design"})
        verified = systems.create({"name": "Verifier", "owner": "raj", "lifecycle_stage": "verification"})
    reviewed = _check(database, "reviewed")
    assert idea.id not in reviewed.reason
    assert verified.id not in reviewed.reason
    tested = _check(database, "tested", from_stage="verification")
    assert f"{chatbot} Support chatbot: no security review" in tested.reason
    assert f"{verified.id} Verifier: no security review" in tested.reason
    with database.session() as s:
        systems = SystemService(s, ADMIN)
        for sid in (chatbot, verified.id):
            system = systems.get(sid)
            systems.update(sid, system.version, {"lifecycle_stage": "development"})
    assert _check(database, "reviewed").status is Status.NOT_APPLICABLE
