"""The sample register's systems reach their stages through the life-cycle gates (or the documented
override with its follow-up), and a closed high-severity incident went through every step of its playbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.demo import load_demo
from openaims.register.demo_lifecycle import OVERRIDES
from openaims.register.playbooks.model import load_playbooks
from openaims.register.services import ChangeService, IncidentService, NonconformityService, SystemService

TODAY = dt.date(2026, 5, 4)
READER = Actor("reader")


def test_sample_systems_pass_their_gates_or_carry_the_override_and_its_follow_up(
    database: Database, tmp_path: Path
) -> None:
    with database.session() as s:
        load_demo(s, today=TODAY, evidence_dir=tmp_path / "evidence", accounts=False)
    with database.read() as s:
        systems = {x.name: x for x in SystemService(s, READER).all()}
        ncs = {n.id: n for n in NonconformityService(s, READER).all()}
        changes = ChangeService(s, READER).all(kind="lifecycle")
    scoring = systems["Credit scoring model"]
    assert (scoring.lifecycle_stage, scoring.gate_overrides) == ("operation", [])
    [change] = [c for c in changes if c.system_id == scoring.id]
    assert (change.from_stage, change.to_stage, change.status) == ("verification", "operation", "implemented")
    for name, key, stage in (("Customer support chatbot", "chatbot", "operation"),
                             ("Internal coding assistant", "coding", "deployment")):  # fmt: skip
        system = systems[name]
        [override] = system.gate_overrides
        assert (system.lifecycle_stage, override.from_stage, override.to_stage) == (stage, "verification", stage)
        assert (override.by, override.reason) == ("maria", OVERRIDES[key])
        assert "security-review" in override.missing
        follow_up = ncs[override.follow_up]
        assert follow_up.clause_ref == "A.6.2.5"
        assert follow_up.status != "closed"


def test_sample_has_a_closed_high_incident_with_every_playbook_step(database: Database, tmp_path: Path) -> None:
    with database.session() as s:
        load_demo(s, today=TODAY, evidence_dir=tmp_path / "evidence", accounts=False)
    with database.read() as s:
        incidents = IncidentService(s, READER)
        [incident] = [i for i in incidents.all() if i.severity == "high" and i.status == "closed"]
        missing = incidents.missing_to_close(incident, incident.id)
        nc = NonconformityService(s, READER).get(incident.nonconformity_id)
    steps = [step.id for step in load_playbooks().for_severity("high").steps]
    done_in_order = sorted(incident.playbook_steps, key=lambda step: incident.playbook_steps[step].at)
    assert done_in_order == steps
    assert {done.by for done in incident.playbook_steps.values()} == {"raj"}
    assert all(done.note for done in incident.playbook_steps.values())
    assert missing == []
    assert incident.containment
    assert incident.root_cause
    assert incident.post_incident_review
    assert (nc.source, nc.source_ref) == ("incident", incident.id)
