"""Life-cycle gates: each default criterion met and missing, refusals, overrides, the file format."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.lifecycle.kit import (
    ADMIN,
    CAROL,
    accept,
    approved_assessment,
    approved_change,
    attach_evidence,
    classify_system,
    cleanup,
    evidence_dir,
    high_risk,
    low_risk,
    new_system,
    ready_for_deployment,
    security_review,
    treat,
)

from openaims.errors import PermissionDeniedError, UsageError
from openaims.register.db import Database
from openaims.register.errors import RuleViolationError
from openaims.register.lifecycle.gates import GateRefusedError
from openaims.register.lifecycle.model import DEFAULT_FILE, LifecycleFileError, load_lifecycle, parse_lifecycle
from openaims.register.services import ChangeService, EvidenceService, NonconformityService, RiskService, SystemService
from openaims.register.services.systems import LIFECYCLE_STAGES

DEPLOYMENT = {"eu-ai-act-classification", "impact-assessment-current", "risks-treated", "verification-evidence",
              "approved-change", "security-review"}  # fmt: skip


@pytest.fixture
def folder() -> Iterator[Path]:
    path = evidence_dir()
    yield path
    cleanup(path)


def states(database: Database, system_id: str, to: str = "deployment") -> dict[str, str]:
    with database.read() as s:
        result = SystemService(s, ADMIN).gate(system_id, to)
    return {c.id: c.state for c in result.criteria}


def test_a_system_meeting_every_criterion_moves_to_deployment(database: Database, folder: Path) -> None:
    with database.session() as s:
        system = ready_for_deployment(s, folder)
    assert states(database, system.id) == dict.fromkeys(DEPLOYMENT, "met")
    with database.session() as s:
        moved = SystemService(s, ADMIN).move(system.id, system.version, "deployment")
    assert moved.lifecycle_stage == "deployment"
    assert moved.gate_overrides == []


def test_a_bare_system_is_refused_naming_each_missing_criterion(database: Database) -> None:
    with database.session() as s:
        system = new_system(s)
    assert states(database, system.id) == dict.fromkeys(DEPLOYMENT, "missing")
    with pytest.raises(GateRefusedError) as refused, database.session() as s:
        SystemService(s, ADMIN).update(system.id, system.version, {"lifecycle_stage": "deployment"})
    message = refused.value.message
    for name, remedy in (
        ("eu-ai-act-classification", f"aims classify {system.id}"),
        ("impact-assessment-current", "aims impact-assessment approve"),
        ("risks-treated", f"aims risk add --system-ids {system.id}"),
        ("verification-evidence", f"aims evidence add-file FILE --attach {system.id}"),
        ("approved-change", "aims change approve"),
        ("security-review", f"aims review start {system.id}"),
    ):
        assert f"{name}: " in message
        assert remedy in message
    assert refused.value.exit_code == 1
    with database.read() as s:
        assert SystemService(s, ADMIN).get(system.id).lifecycle_stage == "verification"
        assert [e.action for e in SystemService(s, ADMIN).history(system.id)] == ["create"]


@pytest.mark.parametrize(
    "taken",
    ["eu-ai-act-classification", "impact-assessment-current", "verification-evidence", "approved-change",
     "security-review"],
)  # fmt: skip
def test_each_criterion_missing_alone(database: Database, folder: Path, taken: str) -> None:
    with database.session() as s:
        system = new_system(s)
        if taken != "eu-ai-act-classification":
            classify_system(s, system.id)
        if taken != "impact-assessment-current":
            approved_assessment(s, system.id)
        low_risk(s, system.id)
        if taken != "verification-evidence":
            attach_evidence(s, folder, system.id)
        if taken != "approved-change":
            approved_change(s, system.id)
        if taken != "security-review":
            security_review(s, system.id)
    found = states(database, system.id)
    assert {k for k, v in found.items() if v == "missing"} == {taken}


def test_classification_no_longer_counts_once_the_purpose_changes(database: Database, folder: Path) -> None:
    with database.session() as s:
        system = ready_for_deployment(s, folder)
        SystemService(s, ADMIN).update(system.id, system.version, {"purpose": "Write code unattended"})
    assert states(database, system.id)["eu-ai-act-classification"] == "missing"


def test_an_assessment_past_its_review_date_is_not_current(database: Database, folder: Path) -> None:
    with database.session() as s:
        system = new_system(s)
        assessment = approved_assessment(s, system.id, next_review=dt.date.today() - dt.timedelta(days=1))
        result = SystemService(s, ADMIN).gate(system.id, "deployment")
    (criterion,) = [c for c in result.criteria if c.id == "impact-assessment-current"]
    assert (criterion.state, criterion.records) == ("missing", (assessment.id,))
    assert "was due for review" in criterion.detail


def test_risks_assessed_treated_and_accepted(database: Database) -> None:
    with database.session() as s:
        system = new_system(s)
    assert states(database, system.id)["risks-treated"] == "missing"  # no risk at all
    with database.session() as s:
        RiskService(s, ADMIN).create({"title": "Unassessed", "system_ids": [system.id]})
    with database.read() as s:
        detail = SystemService(s, ADMIN).gate(system.id, "deployment").criteria[2].detail
    assert detail.endswith("is not assessed")
    with database.session() as s:
        for risk in RiskService(s, ADMIN).all(system_ids=system.id):
            RiskService(s, ADMIN).update(risk.id, risk.version, {"status": "closed"})
        risk = high_risk(s, system.id)
    with database.read() as s:
        detail = SystemService(s, ADMIN).gate(system.id, "deployment").criteria[2].detail
    assert detail == f"{risk.id} is rated critical (above appetite) and has no treatment"
    with database.session() as s:
        risk = treat(s, risk, residual=(4, 4))  # still above appetite
    with database.read() as s:
        detail = SystemService(s, ADMIN).gate(system.id, "deployment").criteria[2].detail
    assert detail == f"{risk.id} keeps a residual high above appetite, not accepted"
    with database.session() as s:
        accept(s, risk)
    assert states(database, system.id)["risks-treated"] == "met"


def test_a_treated_risk_within_appetite_meets_the_criterion(database: Database) -> None:
    with database.session() as s:
        system = new_system(s)
        treat(s, high_risk(s, system.id), residual=(1, 2))
    assert states(database, system.id)["risks-treated"] == "met"


def test_withdrawn_evidence_does_not_count(database: Database, folder: Path) -> None:
    with database.session() as s:
        system = new_system(s)
        item = attach_evidence(s, folder, system.id)
        EvidenceService(s, ADMIN, evidence_dir=folder).update(item.id, item.version, {"status": "withdrawn"})
    assert states(database, system.id)["verification-evidence"] == "missing"


def test_a_proposed_change_or_one_to_another_stage_does_not_count(database: Database) -> None:
    with database.session() as s:
        system = new_system(s)
        ChangeService(s, ADMIN).create({"title": "Go live", "kind": "lifecycle", "system_id": system.id,
                                         "to_stage": "deployment"})  # fmt: skip
        approved_change(s, system.id, "operation")
    assert states(database, system.id)["approved-change"] == "missing"


def test_implementing_the_approved_change_moves_the_system_through_the_gate(database: Database, folder: Path) -> None:
    with database.session() as s:
        system = ready_for_deployment(s, folder)
        (change,) = ChangeService(s, ADMIN).all(system_id=system.id)
        ChangeService(s, ADMIN).transition(change.id, change.version, "implemented")
        assert SystemService(s, ADMIN).get(system.id).lifecycle_stage == "deployment"


def test_implementing_a_change_whose_gate_fails_changes_nothing(database: Database) -> None:
    with database.session() as s:
        system = new_system(s)
        change = approved_change(s, system.id)
    with pytest.raises(GateRefusedError, match="impact-assessment-current"), database.session() as s:
        ChangeService(s, ADMIN).transition(change.id, change.version, "implemented")
    with database.read() as s:
        assert ChangeService(s, ADMIN).get(change.id).status == "approved"
        assert SystemService(s, ADMIN).get(system.id).lifecycle_stage == "verification"


def test_skipping_a_stage_passes_its_gate_and_moving_back_passes_none(database: Database, folder: Path) -> None:
    with database.session() as s:
        system = new_system(s, "development")
        result = SystemService(s, ADMIN).gate(system.id, "operation")
        assert result.gates == ("deployment", "operation")
        back = SystemService(s, ADMIN).gate(system.id, "design")
        assert (back.gates, back.passed) == ((), True)
        SystemService(s, ADMIN).update(system.id, system.version, {"lifecycle_stage": "design"})


def test_retirement_needs_the_decommissioning_checklist(database: Database) -> None:
    with database.session() as s:
        system = new_system(s)  # retirement is entered from any stage and checks only its own gate
        approved_change(s, system.id, "retirement")
        system = SystemService(s, ADMIN).update(
            system.id, system.version, {"decommissioning": {"users-informed": "Notice sent 2026-05-01"}}
        )
        result = SystemService(s, ADMIN).gate(system.id, "retirement")
    assert result.gates == ("retirement",)
    (checklist,) = result.missing
    assert checklist.id == "decommissioning-checklist"
    assert checklist.detail == (
        "not done: Data retained or deleted per policy (data-disposed); Model artefacts archived "
        "(artefacts-archived); Dependent systems updated (dependents-updated); Keys and credentials revoked "
        "(keys-revoked)"
    )
    done = {i.id: "Done" for i in load_lifecycle().decommissioning_checklist}
    with database.session() as s:
        retired = SystemService(s, ADMIN).update(
            system.id, system.version, {"decommissioning": done, "lifecycle_stage": "retirement"}
        )
    assert retired.lifecycle_stage == "retirement"


def test_an_override_needs_a_reason_and_the_manager_role(database: Database) -> None:
    with database.session() as s:
        system = new_system(s)
        SystemService(s, ADMIN).update(system.id, system.version, {"owner": "carol"})
        system = SystemService(s, ADMIN).get(system.id)
    with pytest.raises(UsageError, match="needs the reason"), database.session() as s:
        SystemService(s, ADMIN).move(system.id, system.version, "deployment", override="  ")
    with pytest.raises(PermissionDeniedError, match="only an admin or AIMS manager"), database.session() as s:
        SystemService(s, CAROL).move(system.id, system.version, "deployment", override="Outage")
    with database.read() as s:
        assert NonconformityService(s, ADMIN).all() == []
        assert SystemService(s, ADMIN).get(system.id).lifecycle_stage == "verification"


def test_an_override_is_recorded_with_a_follow_up(database: Database) -> None:
    with database.session() as s:
        system = new_system(s)
        moved = SystemService(s, ADMIN).move(system.id, system.version, "deployment", override="Regulator hotfix")
    (override,) = moved.gate_overrides
    assert (override.from_stage, override.to_stage, override.reason, override.by) == (
        "verification", "deployment", "Regulator hotfix", "admin",
    )
    assert set(override.missing) == DEPLOYMENT
    with database.read() as s:
        follow_up = NonconformityService(s, ADMIN).get(override.follow_up or "")
    assert follow_up.source_ref == system.id
    assert follow_up.status == "open"
    assert follow_up.owner == "alice"
    assert "Regulator hotfix" in (follow_up.description or "")


def test_overrides_cannot_be_typed(database: Database) -> None:
    with database.session() as s:
        system = new_system(s)
    assert "gate_overrides" in SystemService.register_fields()
    with pytest.raises(RuleViolationError, match="gate overrides are recorded by 'aims system move"), \
            database.session() as s:
        SystemService(s, ADMIN).update(system.id, system.version, {"gate_overrides": [
            {"from_stage": "a", "to_stage": "b", "reason": "r", "by": "x", "at": "2026-01-01T00:00:00Z"}]})


def test_an_override_of_a_passing_gate_is_refused(database: Database, folder: Path) -> None:
    with database.session() as s:
        system = ready_for_deployment(s, folder)
    with pytest.raises(RuleViolationError, match="move it without --override"), database.session() as s:
        SystemService(s, ADMIN).move(system.id, system.version, "deployment", override="Just because")


def test_the_shipped_life_cycle_file_matches_the_register() -> None:
    life = load_lifecycle(DEFAULT_FILE)
    assert life.stage_ids() == LIFECYCLE_STAGES
    assert set(life.stage("deployment").criteria) == DEPLOYMENT
    assert life.stage("retirement").criteria == ("approved-change", "decommissioning-checklist")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("format: 1\nstages: []\n", "stages must be the register's"),
        ("format: 9\nstages: []\n", "format"),
        ("format: 1\nstages:\n  - {id: inception, title: Idea, criteria: [astrology]}\n", "unknown criteria astrology"),
        ("format: 1\nstages: [\n", "org-lifecycle.yaml"),
        ("format: 1\nstages: []\nextra: 1\n", "extra"),
    ],
)
def test_a_life_cycle_file_that_does_not_fit_is_refused(text: str, problem: str) -> None:
    criteria = ("approved-change",)
    if "astrology" in text:
        text = "format: 1\nstages:\n" + "".join(
            f"  - {{id: {s}, title: {s}, criteria: [astrology]}}\n" for s in LIFECYCLE_STAGES
        )
    with pytest.raises(LifecycleFileError, match=problem) as refused:
        parse_lifecycle(text, "org-lifecycle.yaml", known_stages=LIFECYCLE_STAGES, known_criteria=criteria)
    assert refused.value.exit_code == 2
    assert refused.value.message.startswith("org-lifecycle.yaml")


def test_an_organisation_file_replaces_the_defaults(database: Database, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    own = tmp_path / "lifecycle.yaml"
    own.write_text("format: 1\nstages:\n" + "".join(
        f"  - {{id: {s}, title: {s.title()}{', criteria: [verification-evidence]' if s == 'design' else ''}}}\n"
        for s in LIFECYCLE_STAGES
    ), encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("AIMS_LIFECYCLE_FILE", str(own))
    with database.session() as s:
        system = new_system(s, "inception")
        result = SystemService(s, ADMIN).gate(system.id, "deployment")
    assert result.gates == ("design",)
    assert [(c.id, c.state) for c in result.criteria] == [("verification-evidence", "missing")]
    assert result.source == str(own)


def test_a_stale_security_review_no_longer_meets_the_deployment_gate(database: Database, folder: Path) -> None:
    from openaims.register.services.systems import ComponentService

    with database.session() as s:
        system = ready_for_deployment(s, folder)
        SystemService(s, ADMIN).update(system.id, system.version, {"repositories": ["git@example.org:assist.git"]})
        ComponentService(s, ADMIN).sync("git@example.org:assist.git", [
            {"kind": "mcp_server", "name": "shell", "fingerprint": "mcp-shell", "details": {"package": "mcp-shell"}},
        ], system_id=system.id)  # fmt: skip
    with database.read() as s:
        result = SystemService(s, ADMIN).gate(system.id, "deployment")
    review = next(c for c in result.criteria if c.id == "security-review")
    assert review.state == "missing"
    assert "is stale: new MCP server shell found by a scan" in review.detail


def test_a_system_created_at_a_gated_stage_passes_the_same_gates_as_a_move(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(GateRefusedError) as refused, database.session() as s:
        new_system(s, "operation")
    result = refused.value.result
    assert (result.from_stage, result.to_stage, result.gates) == ("inception", "operation", ("deployment", "operation"))
    assert {c.id for c in result.missing} == DEPLOYMENT
    assert refused.value.message.startswith("A new AI system cannot be created at operation: 6 gate criterion(s)")
    assert refused.value.exit_code == 1
    with database.read() as s:
        assert SystemService(s, ADMIN).all() == []
    with database.session() as s:  # stages before the first gate need nothing
        assert new_system(s, "verification").lifecycle_stage == "verification"
    own = tmp_path / "lifecycle.yaml"  # an organisation whose gates ask only for verification evidence at design
    own.write_text("format: 1\nstages:\n" + "".join(
        f"  - {{id: {s}, title: {s.title()}{', criteria: [verification-evidence]' if s == 'design' else ''}}}\n"
        for s in LIFECYCLE_STAGES
    ), encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("AIMS_LIFECYCLE_FILE", str(own))
    with pytest.raises(GateRefusedError, match=r"\(1\) verification-evidence: no evidence is attached to the new "
                       r"system"), database.session() as s:  # fmt: skip
        new_system(s, "deployment")
    own.write_text("format: 1\nstages:\n" + "".join(f"  - {{id: {s}, title: {s.title()}}}\n" for s in LIFECYCLE_STAGES),
                   encoding="utf-8")  # fmt: skip
    with database.session() as s:  # no gate at all: created where it is
        assert new_system(s, "deployment").lifecycle_stage == "deployment"
