"""``aims system gate`` and ``aims system move`` as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.lifecycle.kit import ADMIN, cleanup, evidence_dir, new_system, ready_for_deployment
from tests.support.cli import run

from openaims.register.db import Database
from openaims.register.services import NonconformityService, SystemService


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "admin")
    folder = evidence_dir()
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(folder))
    yield folder
    cleanup(folder)


def test_gate_lists_each_missing_criterion_and_exits_1(
    env: Path, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with database.session() as s:
        system = new_system(s)
    code, out, err = run(capsys, "system", "gate", system.id, "--to", "deployment")
    assert code == 1, err
    assert out.splitlines()[0] == f"{system.id}: verification -> deployment (gates: deployment) does not pass: " \
        "6 criterion(s) missing"
    for name in ("eu-ai-act-classification", "impact-assessment-current", "risks-treated", "verification-evidence",
                 "approved-change", "security-review"):  # fmt: skip
        assert f"MISSING {name}: " in out
    assert f"to meet it: classify it with 'aims classify {system.id}'" in out


def test_gate_passes_with_the_records_behind_each_criterion(
    env: Path, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with database.session() as s:
        system = ready_for_deployment(s, env)
    code, out, _ = run(capsys, "system", "gate", system.id, "--to", "deployment", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["passed"] is True
    records = {c["id"]: c["records"] for c in data["criteria"]}
    assert records["eu-ai-act-classification"] == [system.id]
    assert records["impact-assessment-current"][0].startswith("IA-")
    assert records["approved-change"][0].startswith("CHG-")


def test_update_and_move_are_refused_with_the_list(
    env: Path, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with database.session() as s:
        system = new_system(s)
    for args in (("update", system.id, "--lifecycle-stage", "deployment"), ("move", system.id, "--to", "deployment")):
        code, _out, err = run(capsys, "system", *args, "--version", str(system.version))
        assert code == 1
        assert err.startswith(f"aims: error: {system.id} cannot move from verification to deployment: 6 gate "
                              "criterion(s) missing: (1) eu-ai-act-classification: ")  # fmt: skip
        assert len(err.strip().splitlines()) == 1
    with database.read() as s:
        assert SystemService(s, ADMIN).get(system.id).lifecycle_stage == "verification"


def test_usage_errors_exit_2(env: Path, database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    with database.session() as s:
        system = new_system(s)
    code, _, err = run(capsys, "system", "gate", system.id, "--to", "flying")
    assert (code, err.strip()) == (2, "aims: error: no life-cycle stage 'flying'; stages: inception, design, "
                                      "development, verification, deployment, operation, retirement")  # fmt: skip
    code, _, err = run(capsys, "system", "gate", "SYS-99", "--to", "deployment")
    assert code == 2
    assert "no system 'SYS-99'" in err
    code, _, err = run(capsys, "system", "move", system.id, "--to", "deployment", "--override", " ", "--version", "1")
    assert (code, err.strip()) == (2, "aims: error: --override needs the reason for the emergency")


def test_override_moves_records_and_raises_a_follow_up(
    env: Path, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with database.session() as s:
        system = new_system(s)
    code, out, err = run(capsys, "system", "move", system.id, "--to", "deployment", "--override",
                         "Regulator-ordered fix", "--version", str(system.version))  # fmt: skip
    assert code == 0, err
    with database.read() as s:
        moved = SystemService(s, ADMIN).get(system.id)
        (follow_up,) = NonconformityService(s, ADMIN).all()
    assert out.splitlines() == [f"Moved {system.id} (active, version 2)", f"gate overridden; follow-up {follow_up.id}"]
    assert moved.lifecycle_stage == "deployment"
    assert moved.gate_overrides[0].reason == "Regulator-ordered fix"


def test_a_system_added_at_a_gated_stage_is_refused_naming_each_criterion(
    env: Path, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "system", "add", "--name", "Scorer", "--lifecycle-stage", "deployment")
    assert (code, out) == (1, "")
    assert err.startswith("aims: error: A new AI system cannot be created at deployment: 6 gate criterion(s) "
                          "missing: (1) eu-ai-act-classification: the new system has no EU AI Act classification "
                          "yet; classify it with 'aims classify SYS-ID' | (2) impact-assessment-current: ")  # fmt: skip
    for name in ("risks-treated", "verification-evidence", "approved-change", "security-review"):
        assert f") {name}: " in err
    assert err.rstrip().endswith("Create it at inception (or the stage whose gate it passes), record what the gates "
                                 "ask for, then move it with 'aims system move SYS-ID --to deployment --version N'")
    assert len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, "system", "add", "--name", "Scorer", "--lifecycle-stage", "verification")
    assert code == 0, err
    with database.read() as s:
        assert [(x.name, x.lifecycle_stage) for x in SystemService(s, ADMIN).all()] == [("Scorer", "verification")]
