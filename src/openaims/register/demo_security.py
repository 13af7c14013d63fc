"""The sample organisation's AI security review of its customer support chatbot, in progress.

First the chatbot's deployment repository is scanned: it holds an Anthropic key committed in its
settings (generated here, from a seeded random source, so no key-shaped literal is in the source
tree), which the review turns into an item. Then Maria (AIMS manager) builds the threat model
from what the scans found and the questionnaire, imports the promptfoo red-team results the chatbot's team ran (the file
``demo-promptfoo-results.json`` beside this module, a copy of ``examples/redteam``), links the
prompt-injection threats to the existing risk, raises a new risk for what the excessive-agency
failures show, and accepts two gaps. The rest is left undecided, so the review page shows
decisions still to make, and readiness names the draft.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.ingest import sync_scan
from openaims.register.services.evidence import EvidenceDir, EvidenceService
from openaims.register.services.risks import RiskService
from openaims.register.services.security_reviews import SecurityReviewOut, SecurityReviewService
from openaims.register.threat_model import Answers, DataReach, OutputUse

#: The red-team results the chatbot's team ran (promptfoo, written by promptfoo itself).
RESULTS = Path(__file__).with_name("demo-promptfoo-results.json")
ANSWERS = Answers(
    untrusted_input=True,
    acts_externally=True,
    data=(DataReach.PERSONAL, DataReach.CONFIDENTIAL),
    output=OutputUse.SHOWN,
    other_agents=False,
)
#: The chatbot's deployment repository (scanned in CI; holds a committed key).
DEPLOY_REPOSITORY = "support-bot-deploy"


def _committed_key() -> str:
    """A key-shaped value (an Anthropic API key's shape) that is no one's key."""
    rng = random.Random(20260504)
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(93))
    return "-".join(("sk", "ant", "api03", body)) + "AA"


def scan_deployment(session: Session, actor: Actor, system_id: str, *, now: dt.datetime) -> None:
    """Scan the deployment repository (its settings file holds the key) and record it for the chatbot."""
    from openaims.discovery.interface import ScanOptions
    from openaims.discovery.scanner import Scanner

    with tempfile.TemporaryDirectory(prefix="aims-demo-deploy-") as folder:
        root = Path(folder)
        (root / "deploy").mkdir()
        (root / "deploy" / "settings.py").write_text(
            f'ANTHROPIC_API_KEY = "{_committed_key()}"\n', encoding="utf-8"
        )
        findings = Scanner(ScanOptions(root=root), jobs=1).scan().findings
    sync_scan(session, actor, DEPLOY_REPOSITORY, findings, system_id=system_id, now=now)


#: Threats linked to the chatbot's prompt-injection risk.
INJECTION = ("owasp-llm:LLM01:2025", "mitre-atlas:AML.T0051", "mitre-atlas:AML.T0054")
#: Gaps the AIMS manager accepts, with why.
ACCEPTED = {
    "owasp-llm:LLM09:2025": "Answers quote the fee schedule and policy pages with links; a wrong answer is "
    "covered by the accuracy risk and its weekly answer audit.",
    "owasp-llm:LLM10:2025": "The provider enforces per-key rate limits and a monthly budget cap alerts the team.",
}


def load(
    session: Session,
    actor: Actor,
    system_id: str,
    *,
    clock: Callable[[], dt.datetime],
    evidence_dir: EvidenceDir,
    scans: bool = True,
) -> SecurityReviewOut:
    """Scan the deployment repository (with ``scans``: when the sample repository was scanned too),
    start the chatbot's review, import results, decide some threats; the review stays a draft."""
    from openaims.register.services.systems import SystemService

    if scans:
        systems = SystemService(session, actor, clock=clock)
        system = systems.get(system_id)
        systems.update(system_id, system.version, {"repositories": [*system.repositories, DEPLOY_REPOSITORY]})
        scan_deployment(session, actor, system_id, now=clock())
    reviews = SecurityReviewService(session, actor, clock=clock)
    review = reviews.start(system_id, ANSWERS)
    store = EvidenceService(session, actor, clock=clock, evidence_dir=evidence_dir)
    review, imported = reviews.import_results(system_id, RESULTS, evidence=store)
    applicable = {t.key for t in review.threats if t.applicable}
    risks = RiskService(session, actor, clock=clock)
    injection = next(r for r in risks.all(system_ids=system_id) if "Prompt injection" in r.title)
    for key in INJECTION:
        if key in applicable:
            reviews.decide(review.id, key, risk_id=injection.id,
                           existing_controls="Tool calls scoped to the signed-in customer; system prompt rules",
                           gap="No screening of retrieved documents for embedded instructions")  # fmt: skip
    if "owasp-llm:LLM06:2025" in applicable:
        reviews.decide(review.id, "owasp-llm:LLM06:2025", new_risk="Chatbot escalates or acts beyond the "
                       "customer's request", treatment="mitigate",
                       existing_controls="Escalation needs the customer's confirmation",
                       gap="The red-team run shows the bot offering actions it should refuse")  # fmt: skip
    for key, rationale in ACCEPTED.items():
        if key in applicable:
            reviews.decide(review.id, key, accept=True, rationale=rationale)
    for category in imported.categories:
        if category.failed and category.category == "pii:direct":
            reviews.raise_from_result(review.id, imported.evidence_id, category.category)
    return reviews.get(review.id)
