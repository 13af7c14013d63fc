"""The sample register's security review of the support chatbot: built from the scan of the sample
repository, red-team results imported, some threats decided and the rest left to decide."""

from __future__ import annotations

import datetime as dt
import filecmp
from pathlib import Path

import pytest

from openaims.discovery.interface import Finding, ScanOptions
from openaims.discovery.scanner import Scanner
from openaims.readiness.engine import readiness
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.demo import load_demo
from openaims.register.demo_security import RESULTS
from openaims.register.services import SystemService
from openaims.register.services.security_reviews import SecurityReviewService

TODAY = dt.date(2026, 5, 4)
ROOT = Path(__file__).resolve().parents[2]
READER = Actor("reader")


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return Scanner(ScanOptions(root=ROOT / "examples" / "sample-monorepo"), jobs=1).scan().findings


def test_the_shipped_results_are_the_example_promptfoo_file() -> None:
    assert filecmp.cmp(RESULTS, ROOT / "examples" / "redteam" / "promptfoo-results.json", shallow=False)


def test_the_chatbot_review_proposes_the_done_when_threats_with_a_scanned_key_as_an_item(
    database: Database, tmp_path: Path, findings: list[Finding]
) -> None:
    with database.session() as s:
        load_demo(s, today=TODAY, evidence_dir=tmp_path / "evidence", scan_findings=findings, accounts=False)
    with database.read() as s:
        chatbot = next(x for x in SystemService(s, READER).all() if x.name == "Customer support chatbot")
        review = SecurityReviewService(s, READER).for_system(chatbot.id)
        report = readiness(s, READER, today=TODAY)
    assert review.status == "draft"
    assert review.owner == "maria"
    applicable = {t.key: t for t in review.threats if t.applicable}
    for key in ("owasp-llm:LLM01:2025", "owasp-llm:LLM02:2025", "owasp-llm:LLM06:2025"):
        assert key in applicable
        assert any(r.startswith(("language model or AI provider: COMP-", "MCP server: COMP-", "questionnaire: "))
                   for r in applicable[key].reasons), applicable[key].reasons  # fmt: skip
    assert any(r.startswith("language model or AI provider: COMP-") for r in applicable["owasp-llm:LLM01:2025"].reasons)
    assert "hard-coded-key" in {i.rule for i in review.items}
    injection = applicable["owasp-llm:LLM01:2025"]
    assert (injection.decision, injection.decided_by) == ("risk", "maria")
    agency = applicable["owasp-llm:LLM06:2025"]
    assert agency.decision == "risk"
    assert agency.treatment_id
    assert applicable["owasp-llm:LLM10:2025"].decision == "accepted"
    assert review.undecided(), "some threats are left for the reviewer to decide"
    [result] = review.results
    assert result.format == "promptfoo"
    pii = next(c for c in result.categories if c.category == "pii:direct")
    assert pii.failed == 1
    assert len(pii.raised) == 1
    deployment = report.item("A.6.2.5")
    assert any(f"{chatbot.id} Customer support chatbot: security review {review.id} is still a draft with "
               f"{len(review.undecided())} undecided threat(s)" in reason for reason in deployment.reasons)  # fmt: skip
