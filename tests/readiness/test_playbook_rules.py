"""Readiness uses life-cycle gate overrides (A.6.2.5) and the incident playbooks (A.6.2.6, A.8.4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tests.readiness.kit import ADMIN, TODAY

from openaims.readiness.engine import evaluate
from openaims.readiness.model import Status
from openaims.readiness.snapshot import load_snapshot
from openaims.register.db import Database
from openaims.register.services import EvidenceService, IncidentService, SystemService

REVIEW = ("The scoring service timed out because a dependency was upgraded without load tests; upgrades now "
          "run the load test first.")  # fmt: skip


def item(database: Database, item_id: str) -> Any:
    with database.read() as session:
        return evaluate(load_snapshot(session, ADMIN, today=TODAY)).item(item_id)


def reason(found: Any, check: str) -> tuple[Status, str]:
    result = next(c for c in found.checks if c.check == check)
    return result.status, result.reason


def test_a_ready_register_has_no_gate_override_and_no_incident_due(ready: tuple[Database, dict[str, Any]]) -> None:
    database, _ = ready
    assert reason(item(database, "A.6.2.5"), "gate_overrides") == (
        Status.MET, "no in-scope AI system was moved past a life-cycle gate it did not pass")
    assert reason(item(database, "A.8.4"), "incident_notifications")[0] is Status.NOT_APPLICABLE


def test_a_6_2_5_names_a_gate_override_whose_follow_up_is_open(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    with database.session() as s:
        system = SystemService(s, ADMIN).get(ids["system"])
        moved = SystemService(s, ADMIN).move(system.id, system.version, "retirement",
                                             override="Regulator ordered the model off")  # fmt: skip
    override = moved.gate_overrides[-1]
    found = item(database, "A.6.2.5")
    status, text = reason(found, "gate_overrides")
    assert status is Status.PARTIAL
    assert text.startswith(f"life-cycle gate overridden: {system.id} moved to retirement past its gate on ")
    assert "(Regulator ordered the model off; missing approved-change, decommissioning-checklist)" in text
    assert text.endswith(f"follow-up {override.follow_up} not closed")
    assert found.status is Status.PARTIAL
    assert override.follow_up in found.links


def test_a_8_4_flags_an_overdue_art_73_report(ready: tuple[Database, dict[str, Any]]) -> None:
    database, ids = ready
    aware = dt.datetime.combine(TODAY, dt.time(8), tzinfo=dt.UTC) - dt.timedelta(days=16)
    with database.session() as s:
        late = IncidentService(s, ADMIN).create(
            {"title": "Applicants refused by a corrupted model", "severity": "high", "owner": "alice",
             "system_ids": [ids["system"]], "serious_incident": "general", "aware_at": aware}
        )  # fmt: skip
    found = item(database, "A.8.4")
    status, text = reason(found, "incident_notifications")
    due = aware + dt.timedelta(days=15)
    assert (status, text) == (
        Status.MISSING, f"EU AI Act Art. 73 report overdue: {late.id} (Serious incident, due {due:%Y-%m-%d}, "
        "Art. 73(2))")  # fmt: skip
    assert found.status is Status.PARTIAL
    with database.session() as s:
        IncidentService(s, ADMIN).record_step(late.id, late.version, "notification", note="Reported late",
                                              authority=True)  # fmt: skip
    assert reason(item(database, "A.8.4"), "incident_notifications")[0] is Status.MET


def test_a_8_4_wants_the_notification_step_before_resolving(ready: tuple[Database, dict[str, Any]]) -> None:
    database, _ = ready
    with database.session() as s:
        svc = IncidentService(s, ADMIN)
        quiet = svc.create({"title": "Wrong limits shown", "severity": "critical", "owner": "alice",
                            "containment": "Limits hidden"})  # fmt: skip
        quiet = svc.transition(quiet.id, quiet.version, "investigating")
        svc.transition(quiet.id, quiet.version, "resolved")
    assert reason(item(database, "A.8.4"), "incident_notifications") == (
        Status.MISSING, f"incidents resolved or closed without their notification step: {quiet.id}")


def test_a_6_2_6_wants_closed_incidents_through_their_playbook(
    ready: tuple[Database, dict[str, Any]], tmp_path: Path
) -> None:
    database, _ = ready
    with database.session() as s:
        svc = IncidentService(s, ADMIN)
        skipped = svc.create({"title": "Slow scores", "severity": "low", "owner": "alice",
                              "post_incident_review": "Fixed"})  # fmt: skip
        svc.transition(skipped.id, skipped.version, "closed")
    assert reason(item(database, "A.6.2.6"), "incident_playbooks") == (
        Status.MISSING, f"no closed incident went through its playbook: {skipped.id} (skipped triage, "
        "investigation, recovery, post-incident-review)")  # fmt: skip
    with database.session() as s:
        svc = IncidentService(s, ADMIN)
        done = svc.create({"title": "Scoring timeouts", "severity": "low", "owner": "alice"})
        EvidenceService(s, ADMIN, evidence_dir=tmp_path).add_link(
            "https://example.com/timeout-logs", title="Timeout logs", record_ids=[done.id])
        for step, note in (("triage", "Confirmed"), ("investigation", "Untested upgrade"), ("recovery", None),
                           ("post-incident-review", REVIEW)):  # fmt: skip
            done = svc.record_step(done.id, done.version, step, note=note)
        svc.transition(done.id, done.version, "closed")
    status, text = reason(item(database, "A.6.2.6"), "incident_playbooks")
    assert (status, text) == (Status.PARTIAL, "closed incidents went through their playbook for some, but not "
                              f"{skipped.id} (skipped triage, investigation, recovery, post-incident-review)")
