"""``aims check``, ``aims policy`` and ``aims baseline`` from the command line: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from policy_testkit import HERE, toy_source

from openaims.cli.main import main
from openaims.policy.sources import TreeFindings

SARIF_SCHEMA = json.loads((HERE / "schemas" / "sarif-schema-2.1.0.json").read_text())
POLICY = "version: 1\npackages:\n  prohibited: ['pypi:ollama']\n"


@pytest.fixture(autouse=True)
def _toy_scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    def scan_tree(
        root: Path, paths: list[str] | None = None, *, with_lint: bool = False, **_budgets: object
    ) -> TreeFindings:
        return toy_source(root, paths, with_lint)

    monkeypatch.setattr("openaims.policy.service.scan_tree", scan_tree)
    for name in ("AIMS_POLICY", "AIMS_CHECK_FORMAT", "AIMS_CHECK_OUTPUT", "AIMS_DIFF_BASE", "AIMS_BASELINE"):
        monkeypatch.delenv(name, raising=False)


def aims(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 0), out.out, out.err


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "aims-policy.yaml").write_text(POLICY)
    (tmp_path / "deps.txt").write_text("openai\n")
    return tmp_path


def test_clean_tree_exits_0(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = aims(capsys, "check", str(tree))
    assert code == 0
    assert "PASS: no violation fails the policy" in out


def test_violation_exits_1_and_names_it(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "deps.txt").write_text("openai\nollama\n")
    code, out, _ = aims(capsys, "check", str(tree))
    assert code == 1
    assert "package.prohibited" in out
    assert "deps.txt:2" in out
    assert "FAIL: 1 violation fails the policy" in out


def test_no_policy_file_uses_and_announces_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "deps.txt").write_text("ollama\n")
    code, out, _ = aims(capsys, "check", str(tmp_path))
    assert code == 0
    assert "built-in default policy" in out
    assert "aims policy init" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "{tree}/missing"], "no such directory"),
        (["check", "{tree}", "--policy", "{tree}/nope.yaml"], "policy file not found"),
        (["check", "{tree}", "--baseline", "{tree}/nope.json"], "baseline file not found"),
        (["check", "{tree}", "--format", "xml"], "Invalid value for '--format'"),
        (["check", "{tree}", "--diff-base", "HEAD"], "is not inside one"),
        (["check", "{tree}", "-f", "sarif", "-o", "{tree}/no/dir/out.sarif"], "its directory does not exist"),
    ],
)
def test_usage_and_input_errors_exit_2(
    tree: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = aims(capsys, *[a.format(tree=tree) for a in args])
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_invalid_policy_exits_2_with_the_line(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "aims-policy.yaml").write_text("version: 1\npackages:\n  prohibited: ['pip:ollama']\n")
    code, _, err = aims(capsys, "check", str(tree))
    assert code == 2
    assert f"{tree / 'aims-policy.yaml'}:3: packages.prohibited[0]: unknown ecosystem 'pip'" in err


def test_sarif_to_file_and_summary_on_terminal(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "deps.txt").write_text("ollama\n")
    target = tree / "out.sarif"
    code, out, _ = aims(capsys, "check", str(tree), "--format", "sarif", "-o", str(target))
    assert code == 1
    jsonschema.validate(json.loads(target.read_text()), SARIF_SCHEMA)
    assert f"Wrote sarif report to {target}" in out
    assert "FAIL" in out


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github", "text"])
def test_every_format_on_stdout(tree: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    (tree / "deps.txt").write_text("ollama\n")
    code, out, _ = aims(capsys, "check", str(tree), "--format", fmt)
    assert code == 1
    assert "ollama" in out


def test_format_from_environment(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMS_CHECK_FORMAT", "json")
    code, out, _ = aims(capsys, "check", str(tree))
    assert code == 0
    assert json.loads(out)["result"] == "pass"


def test_policy_init_validate_and_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "aims-policy.yaml"
    assert aims(capsys, "policy", "init", str(target))[0] == 0
    assert target.read_text().startswith("# OpenAIMS AI policy")
    code, _, err = aims(capsys, "policy", "init", str(target))
    assert code == 2
    assert "already exists; pass --force" in err
    target.write_text("version: 1\n")
    assert aims(capsys, "policy", "init", str(tmp_path), "--force")[0] == 0
    assert target.read_text().startswith("# OpenAIMS AI policy")
    code, out, _ = aims(capsys, "policy", "validate", str(target))
    assert code == 0
    assert "valid (version 1" in out


def test_policy_validate_prints_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "p.yaml"
    target.write_text("version: 1\nsecrets: maybe\nextra: 1\n")
    code, _, err = aims(capsys, "policy", "validate", str(target))
    assert code == 2
    assert f"{target}:2: secrets: must be one of: block, warn, off (got 'maybe')" in err
    assert f"{target}:3: extra: unknown key" in err


def test_policy_validate_lists_expired_exceptions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "p.yaml"
    target.write_text(
        "version: 1\nexceptions:\n  - {match: x, owner: o@example.com, reason: r, expires: 2020-01-01}\n"
    )
    code, out, _ = aims(capsys, "policy", "validate", str(target))
    assert code == 0
    assert "1 expired" in out
    assert "'x' (owner o@example.com) expired on 2020-01-01" in out


def test_baseline_create_then_check(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "deps.txt").write_text("ollama\n")
    code, out, _ = aims(capsys, "baseline", "create", str(tree))
    assert code == 0
    assert "1 violation accepted" in out
    baseline = tree / ".aims-baseline.json"
    assert json.loads(baseline.read_text())["violations"][0]["subject"] == "pypi:ollama"
    assert aims(capsys, "check", str(tree), "--baseline", str(baseline))[0] == 0
    (tree / "other").mkdir()
    (tree / "other" / "deps.txt").write_text("ollama\n")
    assert aims(capsys, "check", str(tree), "--baseline", str(baseline))[0] == 1


def test_cli_defaults_agree_with_the_services() -> None:
    from openaims.cli import baseline as baseline_cli
    from openaims.cli import policy as policy_cli
    from openaims.policy import baseline, schema

    assert policy_cli.DEFAULT_POLICY_FILE == schema.DEFAULT_POLICY_FILE
    assert baseline_cli.DEFAULT_BASELINE_FILE == baseline.DEFAULT_BASELINE_FILE


def test_policy_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = aims(capsys, "policy", "schema")
    assert code == 0
    doc = json.loads(out)
    assert doc["$id"] == "https://openaims.dev/schemas/policy/v1.json"
    assert "exceptions" in doc["properties"]
