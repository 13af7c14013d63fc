"""``aims frameworks`` and ``aims classify``: output, storing, prompts and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.frameworks.kit import answers
from tests.support.cli import run
from typer.testing import CliRunner

from openaims.cli import main as cli_main


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "alice")
    monkeypatch.delenv("AIMS_LIST_FORMAT", raising=False)
    return db_url


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIMS_LIST_FORMAT", raising=False)


def write(tmp_path: Path, data: Any, name: str = "answers.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- frameworks


@pytest.mark.usefixtures("no_env")
def test_frameworks_list_json_gives_versions_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "frameworks", "list", "--format", "json")
    assert code == 0
    data = json.loads(out)
    counts = {f["id"]: f["counts"] for f in data["frameworks"]}
    assert counts["iso42001"]["control"] == 38
    assert counts["nist-ai-rmf"] == {"function": 4, "category": 19, "subcategory": 72}
    assert {m["id"]: m["rows"] for m in data["mappings"]}["iso42001-nist-ai-rmf"] == 279
    assert all(f["catalogue_version"] and f["checked_against"] for f in data["frameworks"])


@pytest.mark.usefixtures("no_env")
def test_frameworks_show_an_item_with_its_crosswalk(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "frameworks", "show", "6.1.3", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "6.1.3"
    assert {d["kind"] for d in data["documented_information"]} == {"retain", "maintain"}
    assert {c["id"] for c in data["children"]} == {"6.1.3/di1", "6.1.3/di2", "6.1.3/di3"}
    assert "eu-ai-act:Art.9" in {r["ref"] for r in data["crosswalk"]}


@pytest.mark.usefixtures("no_env")
def test_frameworks_show_a_framework_and_crosswalk_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "frameworks", "show", "nist-ai-rmf", "--format", "json")
    assert code == 0
    assert len([i for i in json.loads(out)["items"] if i["kind"] == "subcategory"]) == 72
    code, out, _ = run(capsys, "frameworks", "crosswalk", "MEASURE 2.3")
    assert code == 0
    assert "MEASURE 2.3 relates to A.6.2.6, A.7.4, Art. 10, Art. 15, Art. 72" in out


@pytest.mark.usefixtures("no_env")
def test_frameworks_crosswalk_of_several_items(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "frameworks", "crosswalk", "A.6.2.4", "A.7.4", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [i["id"] for i in data["items"]] == ["A.6.2.4", "A.7.4"]
    assert "MEASURE 2.3" in data["summary"]


@pytest.mark.usefixtures("no_env")
def test_frameworks_unknown_item_is_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "frameworks", "crosswalk", "A.6.10")
    assert code == 2
    assert err.startswith("aims: error: no framework has an item 'A.6.10'")
    assert "Traceback" not in err


# ---------------------------------------------------------------- classify


@pytest.mark.usefixtures("no_env")
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_classify_questions_lists_stable_ids(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = run(capsys, "classify", "--questions", "--format", fmt)
    assert code == 0
    data = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    ids = [q["id"] for q in data["questions"]]
    assert ids[:2] == ["subject", "role.provider"]
    assert {"annex_iii.profiling", "annex_iii.exceptions", "gpai.training_flop"} <= set(ids)
    exceptions = next(q for q in data["questions"] if q["id"] == "annex_iii.exceptions")
    assert exceptions["when"] == {"all": [{"question": "annex_iii.points", "not_empty": True},
                                          {"question": "annex_iii.profiling", "equals": False}]}  # fmt: skip


@pytest.mark.usefixtures("no_env")
def test_classify_questions_table_says_when_each_is_asked_in_words(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from openaims.cli.console import console

    monkeypatch.setattr(console, "_width", 80)
    code, out, _ = run(capsys, "classify", "--questions")
    assert code == 0
    flat = " ".join(out.split())
    assert "annex_iii.exceptions (any of 5 choices)" in flat
    assert "Asked when annex_iii.points has an answer and annex_iii.profiling is no" in flat
    assert "Asked when role.provider is no and subject is system or system_and_gpai_model" in flat
    assert '{"' not in out  # no raw JSON conditions
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80


@pytest.mark.usefixtures("no_env")
def test_classify_without_storing_prints_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, answers(**{"transparency.deep_fake": True, "role.deployer": True}))
    code, out, _ = run(capsys, "classify", "--no-store", "--answers", path, "--format", "json", "--date", "2026-11-23")
    assert code == 0
    data = json.loads(out)
    assert (data["tiers"], data["stored"], data["decided_on"]) == (["limited"], False, "2026-11-23")
    assert data["transparency_cases"] == ["Art.50(4)"]


def test_classify_stores_on_the_system_and_records_who(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "system", "add", "--name", "Screener", "--owner", "alice", "--purpose", "Rank",
                       "--intended-use", "HR", "--format", "json")  # fmt: skip
    assert code == 0
    system_id = json.loads(out)["id"]
    path = write(tmp_path, {"answers": answers(**{"annex_iii.points": ["AnnexIII.4(a)"], "annex_iii.profiling": True})})
    code, out, _ = run(capsys, "classify", system_id, "--answers", path, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["stored"], data["answered_by"], data["register_tier"]) == (True, "alice", "high")
    code, out, _ = run(capsys, "system", "show", system_id, "--format", "json")
    shown = json.loads(out)
    assert shown["risk_tier"] == "high"
    assert shown["eu_ai_act"]["answered_by"] == "alice"
    assert shown["eu_ai_act"]["classification"]["high_risk_routes"] == ["annex_iii"]


def test_classify_check_exits_1_until_classified_and_after_the_purpose_changes(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "system", "add", "--name", "Bot", "--purpose", "FAQ", "--format", "json")
    system_id = json.loads(out)["id"]
    code, _, err = run(capsys, "classify", system_id, "--check")
    assert (code, err.strip()) == (
        1, f"aims: error: {system_id} has no EU AI Act classification yet; run 'aims classify {system_id}'"
    )  # fmt: skip
    code, _, _ = run(capsys, "classify", system_id, "--answers", write(tmp_path, answers()), "--format", "json")
    assert code == 0
    code, out, _ = run(capsys, "classify", system_id, "--check", "--format", "json")
    assert code == 0
    assert json.loads(out)["tiers"] == ["minimal"]
    code, out, _ = run(capsys, "system", "update", system_id, "--version", "2", "--purpose", "Screen loans")
    assert code == 0, out
    code, _, err = run(capsys, "classify", system_id, "--check")
    assert code == 1
    assert f"the purpose of {system_id} changed since it was classified" in err


def test_classify_errors_are_exit_2(capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path) -> None:
    good = write(tmp_path, answers())
    code, _, err = run(capsys, "classify", "SYS-404", "--answers", good)
    assert (code, err.strip()) == (2, "aims: error: no system 'SYS-404'; list them with 'aims system list'")
    code, _, err = run(capsys, "classify", "--answers", good)
    assert code == 2
    assert "give the AI system id" in err
    code, _, err = run(capsys, "classify", "--no-store", "--answers", write(tmp_path, ["a"], "list.yaml"))
    assert code == 2
    assert "an answers file maps question ids to answers" in err
    code, _, err = run(capsys, "classify", "--no-store", "--answers", write(tmp_path, {"subject": "robot"}, "x.yaml"))
    assert code == 2
    assert "subject: choose one of system, gpai_model, system_and_gpai_model" in err
    code, _, err = run(capsys, "classify", "--no-store", "--answers", str(tmp_path / "missing.yaml"))
    assert code == 2
    code, _, err = run(capsys, "classify", "--no-store", "--answers", good, "--date", "soon")
    assert code == 2
    assert "--date 'soon' is not a date" in err
    assert "Traceback" not in err


@pytest.mark.usefixtures("no_env")
def test_classify_walks_the_questionnaire_interactively() -> None:
    # subject: a wrong number first, then 1; provider yes; deployer no; no practice, no Annex I or III;
    # interacts with people yes, not obviously AI; the other transparency questions no.
    typed = "7\n1\ny\nn\nnone\nnone\nnone\ny\nn\nn\nn\nn\n"
    result = CliRunner().invoke(cli_main.app, ["classify", "--no-store", "--format", "json"], input=typed)
    assert result.exit_code == 0, result.output
    assert "choose one of" in result.output
    data = json.loads(result.output[result.output.index('{\n  "system"') :])
    assert data["tiers"] == ["limited"]
    assert data["answers"]["transparency.interacts_with_people"] is True
    assert "annex_iii.profiling" not in data["answers"]


@pytest.mark.usefixtures("no_env")
def test_interactive_input_that_ends_early_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli_main.app, ["classify", "--no-store"], input="1\n")
    assert result.exception is not None
    assert "use --answers FILE" in str(result.exception)
