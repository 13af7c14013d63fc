"""An incident's page offers its playbook steps to the signed-in person and shows its Art. 73
deadline; a system's page shows the gate of its next stage and moves it, with an override for a manager."""

from __future__ import annotations

import datetime as dt

from tests.web.conftest import ADMIN, Hub

from openaims.register.services import IncidentService, NonconformityService, SystemService


def test_an_incident_page_records_a_step_by_the_signed_in_person(hub: Hub) -> None:
    aware = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    with hub.db.session() as s:
        incident = IncidentService(s, ADMIN).create(
            {"title": "Prompt injection", "severity": "high", "owner": "mia", "serious_incident": "critical-infrastructure",
             "aware_at": aware})  # fmt: skip
    c, csrf = hub.session_client("mia")
    page = c.get(f"/r/{incident.id}").text
    assert "Playbook (high)" in page
    assert "Art. 73(3)): OVERDUE" in page
    assert "Record containment as Mia" in page
    response = c.post(f"/r/{incident.id}/step", data={"csrf_token": csrf, "version": str(incident.version),
                                                      "step": "containment", "note": "Tools switched off"})  # fmt: skip
    assert response.status_code == 303
    with hub.db.read() as s:
        done = IncidentService(s, ADMIN).get(incident.id)
    assert done.playbook_steps["containment"].by == "mia"
    assert done.containment == "Tools switched off"
    refused = c.post(f"/r/{incident.id}/step", data={"csrf_token": csrf, "version": str(done.version),
                                                     "step": "investigation", "note": "Tool output"})  # fmt: skip
    assert refused.status_code == 422
    assert "needs the evidence preserved first" in refused.text
    viewer, token = hub.session_client("vic")
    assert viewer.post(f"/r/{incident.id}/step", data={"csrf_token": token, "version": str(done.version),
                                                       "step": "triage"}).status_code == 403  # fmt: skip


def test_a_system_page_shows_the_gate_and_a_manager_overrides_it(hub: Hub) -> None:
    system_id = hub.records["system"]
    with hub.db.session() as s:
        system = SystemService(s, ADMIN).get(system_id)
        system = SystemService(s, ADMIN).update(system_id, system.version, {"lifecycle_stage": "verification"})
    c, csrf = hub.session_client("mia")
    page = c.get(f"/r/{system_id}").text
    assert "Moving from verification to deployment: 6 criterion(s) missing." in page
    assert f"To meet it: classify it with &#39;aims classify {system_id}&#39;" in page
    refused = c.post(f"/r/{system_id}/move", data={"csrf_token": csrf, "version": str(system.version),
                                                   "to": "deployment"})  # fmt: skip
    assert refused.status_code == 422
    assert "cannot move from verification to deployment" in refused.text
    moved = c.post(f"/r/{system_id}/move", data={"csrf_token": csrf, "version": str(system.version),
                                                 "to": "deployment", "use_override": "yes",
                                                 "override": "Regulator ordered the fix live"})  # fmt: skip
    assert moved.status_code == 303
    with hub.db.read() as s:
        after = SystemService(s, ADMIN).get(system_id)
        follow = NonconformityService(s, ADMIN).get(after.gate_overrides[-1].follow_up or "")
    assert (after.lifecycle_stage, after.gate_overrides[-1].by) == ("deployment", "mia")
    assert follow.clause_ref == "A.6.2.5"
    assert "Gate overridden: verification to deployment" in c.get(f"/r/{system_id}").text
