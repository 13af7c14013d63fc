"""The security review page: linked from the system, started with the questionnaire, threats decided
by the signed-in reviewer, red-team failures raised, refusals shown with their reason, completion."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import ADMIN, Hub, sign_in

from openaims.register.services import EvidenceService
from openaims.register.services.security_reviews import SecurityReviewService
from openaims.register.services.systems import ComponentService

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "redteam"
REPO = "github.com/acme/chat"


def _with_model(hub: Hub) -> str:
    system_id = hub.records["system"]
    with hub.db.session() as session:
        ComponentService(session, ADMIN).sync(REPO, [
            {"kind": "model", "name": "gpt-4o", "provider": "openai", "fingerprint": "model:gpt-4o",
             "details": {"category": "llm-api", "locations": ["bot.py:3"]}},
        ], system_id=system_id)  # fmt: skip
    return system_id


def _start(hub: Hub, user: str = "carl") -> tuple[str, object, str]:
    system_id = _with_model(hub)
    browser, csrf = sign_in(hub.app, user)
    answers = {"csrf_token": csrf, "untrusted_input": "yes", "acts_externally": "no", "other_agents": "no",
               "data": ["personal"], "output": "shown"}  # fmt: skip
    response = browser.post(f"/security-review/{system_id}/start", data=answers, follow_redirects=False)
    assert response.status_code == 303
    return system_id, browser, csrf


def test_the_system_page_links_to_its_review_and_a_viewer_cannot_start_one(hub: Hub) -> None:
    system_id = hub.records["system"]
    viewer, _ = sign_in(hub.app, "vic")
    assert f'href="/security-review/{system_id}"' in viewer.get(f"/r/{system_id}").text
    page = viewer.get(f"/security-review/{system_id}")
    assert page.status_code == 200
    assert f"{system_id} has no security review yet." in page.text
    assert "Build the threat model" not in page.text
    writer, _ = sign_in(hub.app, "carl")
    assert "Build the threat model" in writer.get(f"/security-review/{system_id}").text


def test_a_contributor_starts_the_review_and_a_manager_decides_a_threat_as_themselves(hub: Hub) -> None:
    system_id, carl, carl_csrf = _start(hub)
    html = carl.get(f"/security-review/{system_id}").text  # type: ignore[attr-defined]
    assert "owasp-llm:LLM01:2025" in html
    assert "language model or AI provider: COMP-2 model gpt-4o (openai)" in html
    assert "questionnaire: untrusted input = yes" in html
    assert 'name="decision" value="accept"' not in html  # accepting a gap is for managers
    decision = {"threat": "owasp-llm:LLM01:2025", "existing_controls": "System prompt rules",
                "gap": "No input filter", "decision": "new_risk", "new_risk": "Prompt injection leaks accounts",
                "treatment": "mitigate", "risk_id": hub.records["risk_carl"]}  # fmt: skip
    refused = carl.post(f"/security-review/{system_id}/decide",  # type: ignore[attr-defined]
                        data={**decision, "csrf_token": carl_csrf})  # fmt: skip
    assert refused.status_code == 403  # the new risk would be the system owner's
    assert "this risk belongs to mia" in refused.text
    assert 'role="alert"' in refused.text
    accept = carl.post(f"/security-review/{system_id}/decide", data={  # type: ignore[attr-defined]
        "csrf_token": carl_csrf, "threat": "owasp-llm:LLM02:2025", "decision": "accept", "rationale": "Fine"})
    assert accept.status_code == 403
    assert "only an admin or AIMS manager accepts it" in accept.text
    mia, mia_csrf = sign_in(hub.app, "mia")
    response = mia.post(f"/security-review/{system_id}/decide", data={**decision, "csrf_token": mia_csrf},
                        follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    with hub.db.session() as session:
        entry = SecurityReviewService(session, ADMIN).for_system(system_id).threat("LLM01:2025")
    assert (entry.decision, entry.decided_by, entry.gap) == ("risk", "mia", "No input filter")
    assert entry.risk_id not in (hub.records["risk_carl"], None)
    html = mia.get(f"/security-review/{system_id}").text
    assert f'href="/r/{entry.risk_id}"' in html
    assert f'href="/r/{entry.treatment_id}"' in html


def test_failures_are_raised_from_the_page_and_completion_needs_every_threat_and_an_independent_approver(
    hub: Hub, tmp_path: Path
) -> None:
    system_id, carl, carl_csrf = _start(hub)
    with hub.db.session() as session:
        store = EvidenceService(session, ADMIN, evidence_dir=tmp_path / "evidence")
        _, imported = SecurityReviewService(session, ADMIN).import_results(
            system_id, EXAMPLES / "garak.report.jsonl", evidence=store)  # fmt: skip
    html = carl.get(f"/security-review/{system_id}").text  # type: ignore[attr-defined]
    assert "garak.report.jsonl" in html
    assert "Raise an incident" in html
    data = {"csrf_token": carl_csrf, "evidence_id": imported.evidence_id, "category": "leakreplay", "as": "incident"}
    refused = carl.post(f"/security-review/{system_id}/raise", data=data)  # type: ignore[attr-defined]
    assert refused.status_code == 403  # the incident would be the system owner's
    assert "this incident belongs to mia" in refused.text
    mia, mia_csrf = sign_in(hub.app, "mia")  # owns the system
    raised = mia.post(f"/security-review/{system_id}/raise", data={**data, "csrf_token": mia_csrf},
                      follow_redirects=False)  # fmt: skip
    assert raised.status_code == 303
    assert raised.headers["location"].startswith("/r/INC-")
    assert f'href="{raised.headers["location"]}"' in mia.get(f"/security-review/{system_id}").text
    early = mia.post(f"/security-review/{system_id}/complete", data={"csrf_token": mia_csrf, "confirm": "yes"})
    assert early.status_code == 422
    assert "applicable threat(s) undecided" in early.text
    with hub.db.session() as session:
        service = SecurityReviewService(session, ADMIN)
        undecided = [t.key for t in service.for_system(system_id).undecided()]
    for key in undecided:
        response = mia.post(f"/security-review/{system_id}/decide", data={
            "csrf_token": mia_csrf, "threat": key, "decision": "accept", "rationale": "Low exposure"},
            follow_redirects=False)  # fmt: skip
        assert response.status_code == 303, response.text
    owner = mia.post(f"/security-review/{system_id}/complete", data={"csrf_token": mia_csrf, "confirm": "yes"})
    assert owner.status_code == 422
    assert "the organisation asks for an independent approval: mia owns" in owner.text
    ada, ada_csrf = sign_in(hub.app, "ada")
    done = ada.post(f"/security-review/{system_id}/complete",
                    data={"csrf_token": ada_csrf, "confirm": "yes", "summary": "Reviewed with the team"},
                    follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    html = ada.get(f"/security-review/{system_id}").text
    assert ">completed</span>" in html
    assert "Start a new review" in html
    assert "Complete the review" not in html
