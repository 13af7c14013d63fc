"""The management review page compiles its inputs from the register (no JSON box); a system's page
says why its impact assessment is not current."""

from __future__ import annotations

from tests.web.conftest import ADMIN, Hub

from openaims.register.services import IncidentService, ManagementReviewService
from openaims.register.services.impact_currency import StaleTrigger, mark_stale


def test_a_review_page_compiles_its_inputs_and_offers_no_json_box(hub: Hub) -> None:
    with hub.db.session() as s:
        review = ManagementReviewService(s, ADMIN).create({"title": "H2 review"})
        IncidentService(s, ADMIN).create({"title": "Prompt injection", "severity": "high"})
    c, csrf = hub.session_client("mia")
    before = c.get(f"/r/{review.id}").text
    assert "Not compiled yet." in before
    assert 'name="inputs"' not in c.get(f"/r/{review.id}/edit").text
    response = c.post(f"/r/{review.id}/prepare", data={"csrf_token": csrf})
    assert response.status_code == 303
    page = c.get(f"/r/{review.id}").text
    assert "AI incidents" in page
    assert "reported since: <strong>1</strong>" in page
    assert "(high, reported) Prompt injection" in page


def test_a_viewer_cannot_compile_review_inputs(hub: Hub) -> None:
    with hub.db.session() as s:
        review = ManagementReviewService(s, ADMIN).create({"title": "H2 review"})
    c, csrf = hub.session_client("vic")
    assert c.post(f"/r/{review.id}/prepare", data={"csrf_token": csrf}).status_code == 403
    with hub.db.session() as s:
        assert ManagementReviewService(s, ADMIN).get(review.id).compiled_inputs == {}


def test_a_system_page_says_why_its_impact_assessment_is_not_current(hub: Hub) -> None:
    system = hub.records["system"]
    c, _ = hub.session_client("mia")
    assert f"{system}: no approved impact assessment" in c.get(f"/r/{system}").text
    with hub.db.session() as s:
        assert mark_stale(s, ADMIN, system, StaleTrigger.INCIDENT, "incident INC-1") == []
