"""Incident playbooks: steps recorded by the signed-in person, closing rules, Art. 73 deadlines, the file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.incidents.kit import CAROL, REVIEW, START, Clock, incident, preserve_evidence, service
from tests.lifecycle.kit import cleanup, evidence_dir

from openaims.errors import UsageError
from openaims.register.db import Database
from openaims.register.errors import RecordValidationError, RuleViolationError
from openaims.register.playbooks.model import DEFAULT_FILE, PlaybooksFileError, load_playbooks, parse_playbooks

HIGH_STEPS = ["triage", "containment", "notification", "investigation", "recovery", "post-incident-review"]


@pytest.fixture
def folder() -> Iterator[Path]:
    path = evidence_dir()
    yield path
    cleanup(path)


def close(database: Database, clock: Clock, incident_id: str) -> object:
    with database.session() as s:
        svc = service(s, clock)
        record = svc.get(incident_id)
        return svc.update(incident_id, record.version, {"status": "closed"})


def test_the_default_playbooks_follow_severity() -> None:
    books = load_playbooks(DEFAULT_FILE)
    assert [s.id for s in books.for_severity("high").steps] == HIGH_STEPS
    assert [s.id for s in books.for_severity("critical").steps] == HIGH_STEPS
    assert [s.id for s in books.for_severity("low").steps] == ["triage", "investigation", "recovery",
                                                                "post-incident-review"]  # fmt: skip
    assert set(books.for_severity("high").close_requires) == {
        "containment", "root-cause", "post-incident-review", "nonconformity-or-reason", "authority-report"}


def test_a_step_is_recorded_by_the_signed_in_person_at_the_time(database: Database) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock)
        done = service(s, clock, CAROL).record_step(record.id, record.version, "triage", note="Confirmed, 1 customer")
    entry = done.playbook_steps["triage"]
    assert (entry.by, entry.note) == ("carol", "Confirmed, 1 customer")
    assert START < entry.at < START + dt.timedelta(minutes=1)
    with database.read() as s:
        events = service(s, clock).history(record.id)
    assert events[-1].actor == "carol"


def test_steps_cannot_be_typed(database: Database) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock)
    typed = {"triage": {"by": "somebody", "at": "2026-08-01T00:00:00Z"}}
    with database.session() as s, pytest.raises(RuleViolationError, match="recorded by 'aims incident step"):
        service(s, clock).update(record.id, record.version, {"playbook_steps": typed})
    with database.session() as s, pytest.raises((RuleViolationError, RecordValidationError)):
        service(s, clock).create({"title": "x", "playbook_steps": typed})
    with database.session() as s, pytest.raises(RuleViolationError, match="notification --authority"):
        service(s, clock).update(record.id, record.version, {"authority_reported_at": "2026-08-10T10:00:00Z"})
    with database.read() as s:
        assert service(s, clock).get(record.id).playbook_steps == {}


def test_a_step_outside_the_playbook_is_a_usage_error(database: Database) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock, severity="low")
    with database.session() as s, pytest.raises(UsageError, match="not a step of the low playbook"):
        service(s, clock).record_step(record.id, record.version, "containment", note="Switched off")


def test_a_step_that_records_a_field_needs_it(database: Database) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock)
    with database.session() as s, pytest.raises(RuleViolationError, match="--note TEXT"):
        service(s, clock).record_step(record.id, record.version, "containment")
    with database.session() as s:
        done = service(s, clock).record_step(record.id, record.version, "containment", note="Tool calls disabled")
    assert done.containment == "Tool calls disabled"


def test_investigation_needs_the_evidence_preserved(database: Database, folder: Path) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock)
    with database.session() as s, pytest.raises(RuleViolationError, match=f"--attach {record.id}"):
        service(s, clock).record_step(record.id, record.version, "investigation", note="Session filter dropped")
    with database.session() as s:
        preserve_evidence(s, folder, record.id)
        done = service(s, clock).record_step(record.id, record.version, "investigation", note="Session filter dropped")
    assert done.root_cause == "Session filter dropped"


@pytest.mark.parametrize("review", ["done", "Reviewed, all fine now."])
def test_a_post_incident_review_without_substance_is_refused(database: Database, review: str) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock)
    with database.session() as s, pytest.raises(RuleViolationError, match="says too little"):
        service(s, clock).record_step(record.id, record.version, "post-incident-review", note=review)


def test_a_high_incident_cannot_close_and_each_missing_item_is_named(database: Database) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock, serious_incident="general")
        svc = service(s, clock)
        record = svc.update(record.id, record.version, {"post_incident_review": "done"})
    with pytest.raises(RuleViolationError) as refused:
        close(database, clock, record.id)
    message = str(refused.value)
    assert message.startswith(f"{record.id} (high) cannot close: 5 item(s) missing: ")
    for command in (f"aims incident step {record.id} containment --note",
                    f"aims incident step {record.id} investigation --note ROOT-CAUSE",
                    f"aims incident step {record.id} post-incident-review --note REVIEW",
                    f"aims incident raise-nonconformity {record.id}",
                    f"aims incident step {record.id} notification --authority"):  # fmt: skip
        assert command in message
    with database.read() as s:
        assert service(s, clock).get(record.id).status == "reported"


def test_a_high_incident_that_went_through_its_playbook_closes(database: Database, folder: Path) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock)
        svc = service(s, clock)
        for step, note in (("triage", "Confirmed"), ("containment", "Tool calls disabled"),
                           ("notification", "Customer told")):  # fmt: skip
            record = svc.record_step(record.id, record.version, step, note=note)
        preserve_evidence(s, folder, record.id)
        record = svc.record_step(record.id, record.version, "investigation", note="Session filter dropped")
        record = svc.record_step(record.id, record.version, "post-incident-review", note=REVIEW)
    with pytest.raises(RuleViolationError) as refused:
        close(database, clock, record.id)
    assert "1 item(s) missing" in str(refused.value)
    assert "raise-nonconformity" in str(refused.value)
    with database.session() as s:
        nc = service(s, clock).raise_nonconformity(record.id)
    assert nc.root_cause == "Session filter dropped"
    closed = close(database, clock, record.id)
    assert getattr(closed, "status") == "closed"  # noqa: B009


def test_a_recorded_reason_stands_in_for_a_nonconformity(database: Database, folder: Path) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock, severity="critical", containment="Feature off", root_cause="Vendor outage")
        svc = service(s, clock)
        record = svc.record_step(record.id, record.version, "containment")
        record = svc.record_step(record.id, record.version, "post-incident-review", note=REVIEW)
        record = svc.update(record.id, record.version, {"no_nonconformity_reason": "ok"})
    with pytest.raises(RuleViolationError, match="1 item"):
        close(database, clock, record.id)
    with database.session() as s:
        svc = service(s, clock)
        record = svc.get(record.id)
        svc.update(record.id, record.version,
                   {"no_nonconformity_reason": "The supplier's outage is handled under its contract, SUP-2"})  # fmt: skip
    assert getattr(close(database, clock, record.id), "status") == "closed"  # noqa: B009


def test_a_low_incident_closes_with_a_short_review(database: Database) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock, severity="low")
    with pytest.raises(RuleViolationError, match="a post-incident review"):
        close(database, clock, record.id)
    with database.session() as s:
        svc = service(s, clock)
        svc.update(record.id, record.version, {"post_incident_review": "Typo in a help text; fixed."})
    assert getattr(close(database, clock, record.id), "status") == "closed"  # noqa: B009


def test_a_closed_incident_takes_no_more_steps(database: Database) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock, severity="low", post_incident_review="Fixed.")
    close(database, clock, record.id)
    with database.session() as s:
        svc = service(s, clock)
        version = svc.get(record.id).version
        with pytest.raises(RuleViolationError, match="is closed; reopen it"):
            svc.record_step(record.id, version, "recovery")


@pytest.mark.parametrize(("kind", "days", "source"), [
    ("general", 15, "Art. 73(2)"), ("widespread-infringement", 2, "Art. 73(3)"),
    ("critical-infrastructure", 2, "Art. 73(3)"), ("death", 10, "Art. 73(4)"),
])  # fmt: skip
def test_the_art_73_deadline_runs_from_awareness(database: Database, kind: str, days: int, source: str) -> None:
    clock = Clock()
    aware = START - dt.timedelta(days=3)
    with database.session() as s:
        record = incident(s, clock, serious_incident=kind, aware_at=aware, detected_at=aware - dt.timedelta(days=1))
        due = service(s, clock).deadline(record)
    assert due is not None
    assert due.due_at == aware + dt.timedelta(days=days)
    assert due.kind.source == source
    assert due.overdue(START) is (days == 2)
    assert ("OVERDUE" in due.describe(START)) is (days == 2)
    clock.at = aware + dt.timedelta(days=days, seconds=1)
    with database.read() as s:
        overdue = [i.id for i, _ in service(s, clock).overdue_reports()]
    assert overdue == [record.id]


def test_awareness_falls_back_to_detection(database: Database) -> None:
    clock = Clock()
    detected = START - dt.timedelta(days=3)
    with database.session() as s:
        record = incident(s, clock, serious_incident="death", detected_at=detected)
        due = service(s, clock).deadline(record)
        plain = service(s, clock).deadline(incident(s, clock))
    assert due is not None
    assert due.due_at == detected + dt.timedelta(days=10)
    assert plain is None


def test_a_report_to_the_authority_stops_the_clock(database: Database) -> None:
    clock = Clock()
    with database.session() as s:
        record = incident(s, clock, serious_incident="widespread-infringement", aware_at=START)
        with pytest.raises(RuleViolationError, match="--authority marks a notification"):
            service(s, clock).record_step(record.id, record.version, "triage", authority=True)
    clock.at = START + dt.timedelta(days=1)
    with database.session() as s:
        done = service(s, clock).record_step(record.id, record.version, "notification", note="Reported via portal",
                                             authority=True)  # fmt: skip
    assert done.authority_reported_at is not None
    clock.at = START + dt.timedelta(days=20)
    with database.read() as s:
        svc = service(s, clock)
        due = svc.deadline(svc.get(record.id))
        assert svc.overdue_reports() == []
    assert due is not None
    assert not due.overdue(clock.at)
    assert "reported to the authority" in due.describe(clock.at)


def test_only_a_known_serious_incident_kind(database: Database) -> None:
    clock = Clock()
    with database.session() as s, pytest.raises(RecordValidationError, match="must be one of: general, "):
        incident(s, clock, serious_incident="fatal")
    with database.session() as s:
        record = incident(s, clock)
    with database.session() as s, pytest.raises(RuleViolationError, match="not marked as a serious incident"):
        service(s, clock).record_step(record.id, record.version, "notification", note="x", authority=True)


def test_an_organisation_file_replaces_the_defaults(tmp_path: Path) -> None:
    text = DEFAULT_FILE.read_text().replace("days: 15", "days: 12")
    books = parse_playbooks(text, "org.yaml")
    kind = books.kind("general")
    assert kind is not None
    assert kind.days == 12
    path = tmp_path / "playbooks.yaml"
    path.write_text(text)
    assert load_playbooks(path).source == str(path)


@pytest.mark.parametrize(("change", "problem"), [
    (("  - severity: low\n", "  - severity: lowish\n"), "playbooks.0.severity"),
    (("steps: [triage, investigation, recovery, post-incident-review]",
      "steps: [triage, investigate, recovery, post-incident-review]"), "unknown steps investigate"),
    (("      days: 15", "      days: 0"), "serious_incidents.kinds.0.days"),
    (("format: 1", "format: 1\nextra: true"), "extra"),
])  # fmt: skip
def test_a_bad_playbooks_file_is_refused_with_what_to_fix(change: tuple[str, str], problem: str) -> None:
    text = DEFAULT_FILE.read_text()
    assert change[0] in text
    with pytest.raises(PlaybooksFileError, match=problem):
        parse_playbooks(text.replace(change[0], change[1], 1), "org.yaml")


def test_a_playbooks_file_must_cover_every_severity() -> None:
    text = DEFAULT_FILE.read_text()
    start = text.index("  - severity: critical")
    end = text.index("# A post-incident review")
    with pytest.raises(PlaybooksFileError, match="one playbook for each severity"):
        parse_playbooks(text[:start] + text[end:], "org.yaml")
