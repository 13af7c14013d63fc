"""The sample organisation's systems go through their life-cycle gates, and one high-severity incident
goes through its whole playbook.

The systems are registered in verification. The credit scoring model gets a completed AI security
review before its approved change to production is implemented, so the change moves it into
operation through every gate criterion. The customer support chatbot and the internal coding
assistant were already running when the gates were adopted: the AIMS manager moves them past their
gates with the documented override, which keeps the reason and what was missing on the system and
opens a follow-up nonconformity (a visible gap, as it would be in a real first year).

A prompt injection on the chatbot is triaged, contained, notified, investigated with the evidence
preserved, recovered, reviewed and closed with a linked nonconformity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from openaims.register.actors import Actor
from openaims.register.services.evidence import EvidenceDir, EvidenceService
from openaims.register.services.incidents import IncidentService
from openaims.register.services.risks import RiskService
from openaims.register.services.security_reviews import SecurityReviewService
from openaims.register.services.systems import SystemService
from openaims.register.threat_model import Answers, DataReach, OutputUse

#: Why the systems already running were moved past their gates when the gates were adopted.
OVERRIDES = {
    "chatbot": "In service for customers before the life-cycle gates were adopted; its impact assessment, "
    "approved change and security review are being completed retroactively.",
    "coding": "Rolled out to engineers before the life-cycle gates were adopted; its impact assessment, "
    "verification evidence and security review are being completed retroactively.",
}
#: The credit scoring model's threat model questionnaire: analysts' inputs, personal data, advisory output.
SCORING_ANSWERS = Answers(untrusted_input=False, acts_externally=False, data=(DataReach.PERSONAL,),
                          output=OutputUse.SHOWN, other_agents=False)  # fmt: skip


def override_running_systems(
    session: Session, actor: Actor, systems: dict[str, str], stages: dict[str, str], clock: Callable[[], dt.datetime]
) -> None:
    """Move the systems that were running before the gates into their stage with the documented override."""
    service = SystemService(session, actor, clock=clock)
    for key, stage in stages.items():
        system = service.get(systems[key])
        service.move(system.id, system.version, stage, override=OVERRIDES[key])


def review_scoring(session: Session, actor: Actor, system_id: str, clock: Callable[[], dt.datetime]) -> str:
    """A completed AI security review of the credit scoring model: every applicable threat is covered by
    the model's existing risks (the first one of them, assessed and treated)."""
    reviews = SecurityReviewService(session, actor, clock=clock)
    review = reviews.start(system_id, SCORING_ANSWERS)
    risks = [r for r in RiskService(session, actor).all(system_ids=system_id) if r.status != "identified"]
    for entry in reviews.get(review.id).undecided():
        reviews.decide(review.id, entry.key, risk_id=risks[0].id,
                       gap="Covered by the model's risk treatment and the analyst review of every refusal")  # fmt: skip
    return reviews.complete(review.id, summary="Threats of a scorecard used by analysts; no external actions.").id


def closed_high_incident(
    session: Session,
    owner: Actor,
    manager: Actor,
    system_id: str,
    *,
    day: Callable[[int], None],
    clock: Callable[[], dt.datetime],
    evidence_dir: EvidenceDir,
) -> str:
    """A prompt injection that revealed the chatbot's instructions, handled step by step and closed."""
    day(-50)
    incidents = IncidentService(session, owner, clock=clock)
    incident = incidents.create(
        {
            "title": "Prompt injection made the chatbot reveal its system instructions",
            "severity": "high",
            "category": "security",
            "detected_at": clock() - dt.timedelta(hours=3),
            "detected_by": "vik",
            "system_ids": [system_id],
            "owner": owner.name,
            "description": "A customer pasted an instruction into a question and the chatbot answered with its "
            "system prompt, including the names of internal tools. No customer data was shown.",
        }
    )
    steps = [
        ("triage", "Confirmed an AI incident on the chatbot; high: internal tool names exposed to a customer."),
        ("containment", "Tool descriptions removed from the prompt; an input filter for instruction-like "
                        "text switched on within the hour."),
        ("notification", "Security team and the AIMS manager informed; the customer was contacted. Not a "
                         "serious incident under the EU AI Act, so no authority report."),
    ]  # fmt: skip
    for step, note in steps:
        incident = incidents.record_step(incident.id, incident.version, step, note=note)
    incident = incidents.transition(incident.id, incident.version, "investigating")
    incident = incidents.transition(incident.id, incident.version, "contained")
    EvidenceService(session, owner, clock=clock, evidence_dir=evidence_dir).add_link(
        "https://support.example.org/incidents/chatbot-prompt-injection/conversation-log",
        title="Chatbot conversation log and model version at the prompt injection",
        record_ids=[incident.id],
    )
    day(-49)
    incident = incidents.record_step(
        incident.id, incident.version, "investigation",
        note="The system prompt listed internal tools and nothing told the model to keep it confidential; the "
             "red-team suite had no prompt-leak test.",
    )  # fmt: skip
    incident = incidents.record_step(incident.id, incident.version, "recovery",
                                     note="Prompt-leak tests added to the red-team suite; all pass.")  # fmt: skip
    incident = incidents.transition(incident.id, incident.version, "resolved")
    incident = incidents.record_step(
        incident.id, incident.version, "post-incident-review",
        note="The chatbot exposed its instructions because confidential details sat in the prompt and no test "
             "looked for leaks. Prompts now hold no internal names, and every release runs prompt-leak tests.",
    )  # fmt: skip
    IncidentService(session, manager, clock=clock).raise_nonconformity(incident.id)
    incident = incidents.get(incident.id)
    incidents.transition(incident.id, incident.version, "closed")
    return str(incident.id)


__all__ = ["OVERRIDES", "closed_high_incident", "override_running_systems", "review_scoring"]

