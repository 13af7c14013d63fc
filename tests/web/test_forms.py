"""Forms built from the field description: what is typed persists (sub-forms, unticked boxes),
references are picked from the register, refusals keep what was typed, and the record
actions carry an incident to a verified corrective action without ids or JSON typed by hand."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import ADMIN, Hub, csrf_of

from openaims.register.services import (
    CorrectiveActionService,
    ImpactAssessmentService,
    IncidentService,
    NonconformityService,
    SoaService,
)


def _post(hub: Hub, user: str, url: str, data: dict[str, Any]) -> Any:
    c, _ = hub.session_client(user)
    page = c.get("/")
    return c.post(url, data={"csrf_token": csrf_of(page.text), **data})


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select id="f-{name}" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_impact_assessment_areas_are_a_sub_form_that_round_trips(hub: Hub) -> None:
    c, _ = hub.session_client("ada")
    form = c.get("/records/impact_assessment/new")
    assert form.status_code == 200
    assert hub.records["system"] in _options(form.text, "system_id")
    assert 'name="areas.fairness.severity"' in form.text
    created = _post(hub, "ada", "/records/impact_assessment", {
        "_shown": "areas", "system_id": hub.records["system"], "title": "Chatbot impact",
        "areas.fairness.severity": "3", "areas.fairness.likelihood": "2",
        "areas.fairness.description": "Answers differ by dialect",
    })  # fmt: skip
    assert created.status_code == 303, created.text
    record_id = created.headers["location"].rsplit("/", 1)[1]
    edit = c.get(f"/r/{record_id}/edit")
    assert edit.status_code == 200
    assert 'name="areas.fairness.description"' in edit.text
    assert "Answers differ by dialect" in edit.text
    with hub.db.read() as session:
        version = ImpactAssessmentService(session, ADMIN).get(record_id).version
    saved = _post(hub, "ada", f"/r/{record_id}", {
        "_shown": "areas", "version": str(version), "system_id": hub.records["system"], "title": "Chatbot impact",
        "areas.fairness.severity": "4", "areas.fairness.likelihood": "2",
        "areas.fairness.description": "Answers differ by dialect", "areas.privacy.severity": "2",
        "areas.privacy.likelihood": "1",
    })  # fmt: skip
    assert saved.status_code == 303, saved.text
    with hub.db.read() as session:
        areas = ImpactAssessmentService(session, ADMIN).get(record_id).model_dump(mode="json")["areas"]
    assert areas["fairness"]["severity"] == 4
    assert areas["privacy"] == {"severity": 2, "likelihood": 1, "description": None}


def test_unticking_an_soa_checkbox_excludes_the_control(hub: Hub) -> None:
    with hub.db.session() as session:
        soa = SoaService(session, ADMIN)
        row = soa.all(control_id="A.2.2")[0] if soa.all(control_id="A.2.2") else soa.create({"control_id": "A.2.2"})
    c, _ = hub.session_client("ada")
    edit = c.get(f"/r/{row.id}/edit")
    assert 'id="f-applicable"' in edit.text
    saved = _post(hub, "ada", f"/r/{row.id}", {
        "_shown": ["applicable", "treatment_ids", "evidence_ids"], "version": str(row.version),
        "control_id": "A.2.2", "justification": "No AI policy needed for this pilot scope",
    })  # fmt: skip
    assert saved.status_code == 303, saved.text
    with hub.db.read() as session:
        assert SoaService(session, ADMIN).get(row.id).applicable is False


def test_a_refusal_is_shown_on_the_form_with_what_was_typed(hub: Hub) -> None:
    refused = _post(hub, "ada", "/records/risk", {"title": "", "description": "Typed with care",
                                                  "inherent_likelihood": "9"})  # fmt: skip
    assert refused.status_code == 422
    assert "Typed with care" in refused.text
    assert 'class="field has-error"' in refused.text
    assert "Not saved" in refused.text
    assert "Something is not right" not in refused.text
    assert '<nav class="side"' in refused.text


def test_risk_levels_are_picked_on_the_method_scale(hub: Hub) -> None:
    c, _ = hub.session_client("ada")
    form = c.get("/records/risk/new").text
    assert _options(form, "inherent_likelihood") == ["", "1", "2", "3", "4", "5"]
    assert "5 · almost certain" in form
    assert "1 · negligible" in form


def test_frozen_records_and_the_auditor_get_no_edit_form(hub: Hub) -> None:
    auditor, _ = hub.session_client("aude")
    assert auditor.get(f"/r/{hub.records['risk_carl']}/edit").status_code == 403
    assert 'href="/r/' + hub.records["risk_carl"] + '/edit"' not in auditor.get(f"/r/{hub.records['risk_carl']}").text


def test_incident_to_verified_corrective_action_without_typing_ids(hub: Hub) -> None:
    with hub.db.session() as session:
        incident = IncidentService(session, ADMIN).create(
            {"title": "Chatbot quoted another customer's order", "owner": "mia", "system_ids": [hub.records["system"]],
             "containment": "Conversation history switched off"}
        )  # fmt: skip
    page = hub.session_client("ada")[0].get(f"/r/{incident.id}").text
    assert f'action="/r/{incident.id}/raise-nonconformity"' in page
    raised = _post(hub, "ada", f"/r/{incident.id}/raise-nonconformity", {})
    assert raised.status_code == 303
    nc_id = raised.headers["location"].rsplit("/", 1)[1]
    with hub.db.read() as session:
        nc = NonconformityService(session, ADMIN).get(nc_id)
        assert (nc.source, nc.source_ref, nc.title) == ("incident", incident.id, incident.title)
        assert IncidentService(session, ADMIN).get(incident.id).nonconformity_id == nc_id
    nc_page = hub.session_client("ada")[0].get(f"/r/{nc_id}").text
    add = f"/records/corrective_action/new?nonconformity_id={nc_id}"
    assert add in nc_page
    form = hub.session_client("ada")[0].get(add).text
    assert re.search(rf'<option value="{nc_id}" selected>', form)
    created = _post(hub, "ada", "/records/corrective_action", {
        "nonconformity_id": nc_id, "description": "Scope history to the signed-in customer", "owner": "mia",
        "due_date": "2027-01-31",
    })  # fmt: skip
    assert created.status_code == 303, created.text
    ca_id = created.headers["location"].rsplit("/", 1)[1]
    for status in ("in_progress", "done"):
        with hub.db.read() as session:
            version = CorrectiveActionService(session, ADMIN).get(ca_id).version
        moved = _post(hub, "ada", f"/r/{ca_id}/status", {"version": str(version), "status": status})
        assert moved.status_code == 303, moved.text
    ca_page = hub.session_client("ada")[0].get(f"/r/{ca_id}").text
    assert 'name="verification_notes"' in ca_page
    assert 'name="effective"' in ca_page
    with hub.db.read() as session:
        version = CorrectiveActionService(session, ADMIN).get(ca_id).version
    verified = _post(hub, "ada", f"/r/{ca_id}/status", {
        "version": str(version), "status": "verified", "confirm": "yes", "effective": "yes",
        "verification_notes": "Replayed 200 conversations: no other customer's data shown",
    })  # fmt: skip
    assert verified.status_code == 303, verified.text
    with hub.db.read() as session:
        action = CorrectiveActionService(session, ADMIN).get(ca_id)
    assert (action.status, action.effective, action.verified_by) == ("verified", True, "ada")
    frozen = hub.session_client("ada")[0].get(f"/r/{ca_id}").text
    assert f'href="/r/{ca_id}/edit"' not in frozen


def test_admins_and_auditors_verify_the_history_in_the_browser(hub: Hub) -> None:
    from sqlalchemy import text

    auditor, _ = hub.session_client("aude")
    assert 'href="/history/verify"' in auditor.get("/history").text
    page = auditor.get("/history/verify")
    assert page.status_code == 200
    assert "The register matches its history" in page.text
    assert hub.session_client("carl")[0].get("/history/verify").status_code == 403
    with hub.db.session() as session:
        session.execute(text("UPDATE risks SET title = 'Quietly edited' WHERE id = :id"),
                        {"id": hub.records["risk_carl"]})  # fmt: skip
    altered = hub.session_client("ada")[0].get("/history/verify")
    assert "does not match its history" in altered.text
    assert hub.records["risk_carl"] in altered.text


def test_the_auditor_downloads_file_evidence_with_its_name_and_type(database: Any, tmp_path: Any) -> None:
    from tests.web.conftest import make_accounts, seed_records, sign_in, web_settings

    from openaims.register.services import EvidenceService
    from openaims.web.app import create_app

    make_accounts(database)
    records = seed_records(database)
    source = tmp_path / "dpia summary.pdf"
    source.write_bytes(b"%PDF-1.4 evidence body")
    store_dir = tmp_path / "store"
    with database.session() as session:
        item = EvidenceService(session, ADMIN, evidence_dir=store_dir).add_file(
            source, record_ids=[records["risk_carl"]]
        )
    app = create_app(database, web_settings=web_settings(evidence_dir=store_dir))
    auditor, _ = sign_in(app, "aude")
    assert f'href="/r/{item.id}/download"' in auditor.get(f"/r/{records['risk_carl']}").text
    reply = auditor.get(f"/r/{item.id}/download")
    assert reply.status_code == 200
    assert reply.content == b"%PDF-1.4 evidence body"
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.headers["content-disposition"].startswith('attachment; filename="dpia summary.pdf"')
    assert auditor.get(f"/r/{records['risk_carl']}/download").status_code == 404


def test_bulk_approve_and_assign_records_one_event_each(hub: Hub) -> None:
    from openaims.register import history
    from openaims.register.services import ComponentService, RiskService

    with hub.db.session() as session:
        extra = ComponentService(session, ADMIN).create(
            {"kind": "dependency", "name": "anthropic", "fingerprint": "dep:pypi:anthropic",
             "repository": "github.com/acme/chat"}
        )  # fmt: skip
    ids = [hub.records["component"], extra.id]
    listing = hub.session_client("mia")[0].get("/records/component").text
    assert f'name="ids" value="{extra.id}"' in listing
    refused = _post(hub, "carl", "/records/component/bulk", {"ids": ids, "status": "approved"})
    assert refused.status_code == 403
    approved = _post(hub, "mia", "/records/component/bulk", {"ids": ids, "status": "approved"})
    assert approved.status_code == 303
    with hub.db.read() as session:
        assert [c.status for c in ComponentService(session, ADMIN).all()] == ["approved", "approved"]
        for record_id in ids:
            assert [e.action for e in history.events_for(session, record_id)][-1] == "status:approved"
    risks = [hub.records["risk_carl"], hub.records["risk_nora"]]
    assigned = _post(hub, "mia", "/records/risk/bulk", {"ids": risks, "owner": "nora"})
    assert assigned.status_code == 303
    with hub.db.read() as session:
        assert {RiskService(session, ADMIN).get(r).owner for r in risks} == {"nora"}


def test_impacted_groups_and_failure_modes_are_row_sub_forms_with_a_vulnerable_box(hub: Hub) -> None:
    c, _ = hub.session_client("ada")
    form = c.get("/records/impact_assessment/new").text
    for name in ("impacted_groups.0.name", "impacted_groups.0.vulnerable", "impacted_groups.1.harms",
                 "failure_modes.0.failure", "dataset_ids", "model_ids"):  # fmt: skip
        assert f'name="{name}"' in form, name
    assert 'name="impacted_groups"' not in form  # no JSON box
    created = _post(hub, "ada", "/records/impact_assessment", {
        "_shown": ["impacted_groups", "failure_modes"], "system_id": hub.records["system"], "title": "Chatbot impact",
        "impacted_groups.0.name": "Customers", "impacted_groups.0.harms": "Wrong answers",
        "impacted_groups.0.severity": "3", "impacted_groups.0.likelihood": "2",
        "impacted_groups.1.name": "Customers in arrears", "impacted_groups.1.vulnerable": "on",
        "impacted_groups.1.severity": "4", "impacted_groups.1.likelihood": "2",
        "failure_modes.0.failure": "Hallucinated fees", "failure_modes.0.consequences": "Complaints",
    })  # fmt: skip
    assert created.status_code == 303, created.text
    record_id = created.headers["location"].rsplit("/", 1)[1]
    with hub.db.read() as session:
        record = ImpactAssessmentService(session, ADMIN).get(record_id)
    assert [(g.name, g.vulnerable, g.severity) for g in record.impacted_groups] == [
        ("Customers", False, 3), ("Customers in arrears", True, 4)]
    assert [f.failure for f in record.failure_modes] == ["Hallucinated fees"]
    page = c.get(f"/r/{record_id}").text
    assert "<td>Customers in arrears</td><td>yes</td>" in page
    assert "<td>Hallucinated fees</td>" in page
    edit = c.get(f"/r/{record_id}/edit").text
    assert 'value="Customers in arrears"' in edit
