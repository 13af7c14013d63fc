"""Security reviews in the register: start, findings as items, decisions, completion rules, staleness (both databases)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from openaims.errors import NotFoundError, PermissionDeniedError, UsageError
from openaims.redteam import ResultFormatError
from openaims.register import history
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.errors import RuleViolationError
from openaims.register.services import (
    EvidenceService,
    IncidentService,
    RiskService,
    SystemService,
    TreatmentService,
)
from openaims.register.services.security_reviews import SecurityReviewService
from openaims.register.services.systems import ComponentService
from openaims.register.threat_model import Answers, DataReach, OutputUse

ADMIN = Actor("admin")
MARIA = Actor("maria", roles=frozenset({Role.AIMS_MANAGER}))
RAJ = Actor("raj", roles=frozenset({Role.CONTRIBUTOR}))
ANSWERS = Answers(untrusted_input=True, acts_externally=False, data=(DataReach.PERSONAL,), output=OutputUse.SHOWN,
                  other_agents=False)  # fmt: skip
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "redteam"
REPO = "git@example.org:support-bot.git"


def _component(kind: str, name: str, provider: str | None = None, **details: Any) -> dict[str, Any]:
    return {"kind": kind, "name": name, "provider": provider, "fingerprint": f"{kind}-{name}",
            "details": {"locations": [f"{name}.py:1"], **details}}  # fmt: skip


def _system(database: Database, *components: dict[str, Any]) -> str:
    with database.session() as s:
        system = SystemService(s, ADMIN).create({"name": "Support chatbot", "owner": "raj", "purpose": "Answer",
                                                  "intended_use": "Customers", "repositories": [REPO]})  # fmt: skip
        ComponentService(s, ADMIN).sync(REPO, list(components), system_id=system.id)
    return system.id


@pytest.fixture
def chatbot(database: Database) -> str:
    return _system(
        database,
        _component("model", "gpt-4o", "openai", category="llm-api"),
        _component("mcp_server", "filesystem", package="@modelcontextprotocol/server-filesystem"),
        _component("secret", "anthropic-api-key (0123456789ab)", "anthropic"),
    )


def _start(database: Database, system_id: str, actor: Actor = MARIA, answers: Answers = ANSWERS) -> Any:
    with database.session() as s:
        return SecurityReviewService(s, actor).start(system_id, answers)


def _decide_all(database: Database, review_id: str, actor: Actor = MARIA, **how: Any) -> None:
    with database.session() as s:
        service = SecurityReviewService(s, actor)
        for entry in service.get(review_id).undecided():
            service.decide(review_id, entry.key, **(how or {"accept": True, "rationale": "Low exposure"}))


def test_start_proposes_threats_with_reasons_and_turns_findings_into_items(database: Database, chatbot: str) -> None:
    review = _start(database, chatbot)
    assert review.status == "draft"
    assert review.system_owner == "raj"
    applicable = {t.key: t.reasons for t in review.threats if t.applicable}
    assert applicable["owasp-llm:LLM01:2025"] == [
        "language model or AI provider: COMP-1 model gpt-4o (openai)", "questionnaire: untrusted input = yes",
    ]
    assert "questionnaire: data reachable = personal" in applicable["owasp-llm:LLM02:2025"]
    assert applicable["owasp-llm:LLM06:2025"][1] == "MCP server: COMP-2 mcp server filesystem"
    assert {(i.rule, i.source, i.threat) for i in review.items} == {
        ("hard-coded-key", "COMP-3", "owasp-llm:LLM02:2025"),
        ("unpinned-mcp-server", "COMP-2", "owasp-llm:LLM03:2025"),
    }
    assert review.basis == ["mcp_server:filesystem", "model:gpt-4o", "provider:anthropic", "provider:openai"]
    assert set(review.catalogue_versions) == {"owasp-llm", "owasp-agentic", "mitre-atlas", "findings"}


def test_complete_refuses_undecided_threats_listing_them(database: Database, chatbot: str) -> None:
    review = _start(database, chatbot)
    with database.session() as s, pytest.raises(RuleViolationError) as err:
        SecurityReviewService(s, MARIA).complete(review.id)
    undecided = [t.key for t in review.threats if t.applicable]
    assert err.value.exit_code == 1
    assert f"{review.id} cannot be completed: {len(undecided)} applicable threat(s) undecided: " in err.value.message
    assert ", ".join(undecided) in err.value.message


def test_decisions_raise_or_link_risks_with_treatments_and_accept_gaps(database: Database, chatbot: str) -> None:
    review = _start(database, chatbot)
    with database.session() as s:
        service = SecurityReviewService(s, MARIA)
        service.decide(review.id, "LLM01:2025", existing_controls="System prompt hardening", gap="No input filter",
                       new_risk="Prompt injection reveals other customers' data")  # fmt: skip
        decided = service.decide(review.id, "owasp-llm:LLM07:2025", accept=True, rationale="Prompt holds no secrets")
        entry = decided.threat("owasp-llm:LLM01:2025")
        risk = RiskService(s, MARIA).get(entry.risk_id or "")
        treatment = TreatmentService(s, MARIA).get(entry.treatment_id or "")
    assert (entry.decision, entry.existing_controls, entry.gap) == ("risk", "System prompt hardening", "No input filter")
    assert risk.system_ids == [chatbot]
    assert risk.source == f"Security review {review.id}"
    assert (treatment.risk_id, treatment.option) == (risk.id, "mitigate")
    assert "A.6.2.4" in treatment.control_ids
    accepted = decided.threat("LLM07:2025")
    assert (accepted.decision, accepted.decided_by, accepted.rationale) == ("accepted", "maria",
                                                                            "Prompt holds no secrets")  # fmt: skip
    with database.session() as s:
        linked = SecurityReviewService(s, MARIA).decide(review.id, "mitre-atlas:AML.T0051", risk_id=risk.id)
    assert (linked.threat("AML.T0051").risk_id, linked.threat("AML.T0051").treatment_id) == (risk.id, treatment.id)


def test_decision_rules(database: Database, chatbot: str) -> None:
    review = _start(database, chatbot)
    with database.session() as s:
        service = SecurityReviewService(s, MARIA)
        with pytest.raises(UsageError, match="exactly one of --risk RISK-ID, --new-risk TITLE or --accept"):
            service.decide(review.id, "LLM01:2025")
        with pytest.raises(UsageError, match="needs --rationale"):
            service.decide(review.id, "LLM01:2025", accept=True)
        with pytest.raises(RuleViolationError, match="does not apply"):
            service.decide(review.id, "LLM08:2025", accept=True, rationale="n/a")
        bare = RiskService(s, MARIA).create({"title": "Untreated", "owner": "maria"})
        with pytest.raises(RuleViolationError, match=f"{bare.id} has no treatment"):
            service.decide(review.id, "LLM01:2025", risk_id=bare.id)
    with database.session() as s, pytest.raises(PermissionDeniedError, match="only an admin or AIMS manager"):
        SecurityReviewService(s, RAJ).decide(review.id, "LLM01:2025", accept=True, rationale="fine")


def test_the_system_owner_does_not_complete_the_review_when_the_organisation_asks_for_independence(
    database: Database, chatbot: str
) -> None:
    review = _start(database, chatbot)
    _decide_all(database, review.id)
    with database.session() as s, pytest.raises(RuleViolationError, match="independent approval: raj owns"):
        SecurityReviewService(s, Actor("raj", roles=frozenset({Role.AIMS_MANAGER}))).complete(review.id)
    with database.session() as s:
        lenient = SecurityReviewService(s, Actor("raj", roles=frozenset({Role.AIMS_MANAGER})))
        lenient.independent_approval = False
        assert lenient.complete(review.id).approved_by == "raj"


def test_completion_is_an_approval_event_and_supersedes_the_previous_review(database: Database, chatbot: str) -> None:
    first = _start(database, chatbot)
    _decide_all(database, first.id)
    with database.session() as s:
        done = SecurityReviewService(s, MARIA).complete(first.id, summary="Acceptable with treatments")
    assert (done.status, done.approved_by, done.approved_on) == ("completed", "maria", dt.datetime.now(dt.UTC).date())
    with database.read() as s:
        assert history.events_for(s, first.id)[-1].action == "approve"
        assert SecurityReviewService(s, MARIA).is_current(chatbot)
    second = _start(database, chatbot)
    assert second.id != first.id
    assert second.status == "draft"
    _decide_all(database, second.id)
    with database.session() as s:
        SecurityReviewService(s, ADMIN).complete(second.id)
        assert SecurityReviewService(s, ADMIN).get(first.id).status == "superseded"


def test_starting_again_refreshes_the_draft_and_keeps_decisions(database: Database, chatbot: str) -> None:
    review = _start(database, chatbot)
    with database.session() as s:
        SecurityReviewService(s, MARIA).decide(review.id, "LLM07:2025", accept=True, rationale="No secrets")
    again = _start(database, chatbot, answers=Answers(other_agents=True))
    assert again.id == review.id
    assert again.threat("LLM07:2025").decision == "accepted"
    assert again.answers["untrusted_input"] is True
    assert again.threat("owasp-agentic:T12").applicable


def test_a_new_mcp_server_model_or_provider_makes_a_completed_review_stale(database: Database, chatbot: str) -> None:
    review = _start(database, chatbot)
    _decide_all(database, review.id)
    with database.session() as s:
        SecurityReviewService(s, ADMIN).complete(review.id)
    with database.session() as s:
        ComponentService(s, ADMIN).sync(REPO, [
            _component("model", "gpt-4o", "openai", category="llm-api"),
            _component("mcp_server", "filesystem", package="@modelcontextprotocol/server-filesystem"),
            _component("secret", "anthropic-api-key (0123456789ab)", "anthropic"),
            _component("dependency", "pandas", None),
        ], system_id=chatbot)  # fmt: skip
        service = SecurityReviewService(s, ADMIN)
        assert not service.staleness(service.get(review.id)).stale
        ComponentService(s, ADMIN).sync(REPO, [
            _component("model", "gpt-4o", "openai", category="llm-api"),
            _component("mcp_server", "filesystem", package="@modelcontextprotocol/server-filesystem"),
            _component("mcp_server", "shell", package="mcp-shell"),
            _component("model", "mistral-large", "mistral"),
        ], system_id=chatbot)  # fmt: skip
        reasons = service.staleness(service.get(review.id)).reasons
        assert not service.is_current(chatbot)
    assert [r.split(" found by a scan")[0] for r in reasons] == [
        "new MCP server shell", "new model mistral-large", "new provider mistral",
    ]


def test_imported_results_are_evidence_summarised_per_category_and_can_raise_risks_or_incidents(
    database: Database, chatbot: str, tmp_path: Path
) -> None:
    review = _start(database, chatbot)
    with database.session() as s:
        service = SecurityReviewService(s, MARIA)
        evidence = EvidenceService(s, MARIA, evidence_dir=tmp_path / "evidence")
        _, promptfoo = service.import_results(chatbot, EXAMPLES / "promptfoo-results.json", evidence=evidence)
        updated, garak = service.import_results(chatbot, EXAMPLES / "garak.report.jsonl", evidence=evidence)
        stored = evidence.get(garak.evidence_id)
        failures = service.failures_by_threat(updated)
    assert stored.record_ids == [review.id, chatbot]
    assert [(c.category, c.passed, c.failed) for c in promptfoo.categories] == [
        ("prompt-extraction", 1, 1), ("pii:direct", 1, 1), ("excessive-agency", 0, 1), ("hijacking", 1, 0),
    ]
    assert failures["owasp-llm:LLM06:2025"] == ["excessive-agency (promptfoo-results.json): 1 failed"]
    assert failures["owasp-llm:LLM02:2025"] == [
        "pii:direct (promptfoo-results.json): 1 failed", "leakreplay (garak.report.jsonl): 2 failed",
    ]
    with database.session() as s:
        service = SecurityReviewService(s, MARIA)
        _, risk_id = service.raise_from_result(review.id, promptfoo.evidence_id, "excessive-agency")
        after, incident_id = service.raise_from_result(review.id, garak.evidence_id, "promptinject", as_incident=True)
        assert RiskService(s, MARIA).get(risk_id).system_ids == [chatbot]
        assert IncidentService(s, MARIA).get(incident_id).category == "security"
        with pytest.raises(RuleViolationError, match="has no failures"):
            service.raise_from_result(review.id, promptfoo.evidence_id, "hijacking")
    assert after.results[0].categories[2].raised == [risk_id]


def test_a_malformed_result_file_stores_nothing(database: Database, chatbot: str, tmp_path: Path) -> None:
    review = _start(database, chatbot)
    bad = tmp_path / "results.json"
    bad.write_text('{"results": {"results": [{"score": 1}]}}')
    store = tmp_path / "evidence"
    with database.session() as s, pytest.raises(ResultFormatError, match="not a promptfoo result file"):
        SecurityReviewService(s, MARIA).import_results(chatbot, bad, evidence=EvidenceService(s, MARIA,
                                                                                              evidence_dir=store))  # fmt: skip
    with database.read() as s:
        assert EvidenceService(s, MARIA).all() == []
        assert SecurityReviewService(s, MARIA).get(review.id).results == []
    assert not store.exists() or not any(store.rglob("*"))


def test_results_need_an_open_review(database: Database, chatbot: str, tmp_path: Path) -> None:
    with database.session() as s, pytest.raises(NotFoundError, match="has no open security review"):
        SecurityReviewService(s, MARIA).import_results(chatbot, EXAMPLES / "garak.report.jsonl",
                                                       evidence=EvidenceService(s, MARIA, evidence_dir=tmp_path))  # fmt: skip
