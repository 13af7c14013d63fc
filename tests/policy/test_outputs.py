"""Report formats: SARIF valid against the official 2.1.0 schema, JUnit, GitHub annotations, JSON, text.

Golden files pin each format; regenerate with ``AIMS_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import defusedxml.ElementTree as ET
import jsonschema
import pytest
from policy_testkit import HERE, Lint, dep, frozen, mcp, model_file, secret

from openaims.discovery.interface import Finding
from openaims.policy import baseline as baselines
from openaims.policy.engine import detect
from openaims.policy.outputs import OutputFormat, render
from openaims.policy.outputs.github import escape_data, escape_property
from openaims.policy.schema import parse_policy
from openaims.policy.service import CheckReport, CheckRequest, run_check
from openaims.policy.sources import TreeFindings

GOLDEN = HERE / "golden"
SARIF_SCHEMA = json.loads((HERE / "schemas" / "sarif-schema-2.1.0.json").read_text())

POLICY = """\
version: 1
packages:
  prohibited: ["pypi:ollama", "pypi:torch", "npm:@xenova/*"]
mcp_servers:
  mode: allowlist
  approved: [github]
agent_config:
  fail_at: high
exceptions:
  - match: "pypi:torch"
    owner: ml-platform@example.com
    reason: "Training pipeline, reviewed in RISK-12"
    expires: 2027-06-30
  - match: "npm:@xenova/*"
    owner: web@example.com
    reason: "Browser demo"
    expires: 2026-01-31
"""

FINDINGS: list[Finding] = [
    dep("ollama", line=2),
    dep("torch", line=3),
    dep("cohere", line=4),
    dep("@xenova/transformers", path="web/package.json", line=12, ecosystem="npm", provider="huggingface"),
    mcp("github", package="@modelcontextprotocol/server-github"),
    mcp("shell, with comma: yes", package="mcp-shell", line=9),
    secret(path="config/.env", line=5),
    model_file("models/classifier.pkl"),
]
LINT = [
    Lint(
        "AGT-INJECT-001",
        "critical",
        path="AGENTS.md",
        line=7,
        message="Instruction to ignore earlier instructions",
    )
]


def _source(root: Path, paths: list[str] | None, with_lint: bool) -> TreeFindings:
    return TreeFindings(list(FINDINGS), list(LINT) if with_lint else [], 8, lint_available=True)


@pytest.fixture
def report(tmp_path: Path) -> CheckReport:
    (tmp_path / "aims-policy.yaml").write_text(POLICY)
    # The baseline accepts the cohere dependency... which no rule flags; and ollama.
    policy = parse_policy(POLICY)
    ollama = [v for v in detect(FINDINGS, policy) if v.subject == "pypi:ollama"]
    baseline_file = tmp_path / "baseline.json"
    baselines.write(baselines.from_violations(ollama), baseline_file)
    return run_check(
        CheckRequest(
            root=tmp_path, baseline_file=baseline_file, clock=frozen(date(2026, 11, 23)), source=_source
        )
    )


def _normalise(text: str, report: CheckReport) -> str:
    return text.replace(str(report.root), "<root>").replace(str(report.baseline_file), "<baseline>")


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("AIMS_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with AIMS_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_statuses_behind_the_goldens(report: CheckReport) -> None:
    assert {(v.rule.id, v.subject, v.status.value) for v in report.evaluation.violations} == {
        ("package.prohibited", "pypi:ollama", "baselined"),
        ("package.prohibited", "pypi:torch", "excepted"),
        ("package.prohibited", "npm:@xenova/transformers", "expired-exception"),
        ("mcp-server.unapproved", "mcp:shell, with comma: yes", "failing"),
        ("secret.hardcoded", "secret:openai-project-key", "failing"),
        ("model-file.unsafe", "model-file:models/classifier.pkl", "failing"),
        ("agent-config.AGT-INJECT-001", "agent-config:AGT-INJECT-001", "failing"),
    }
    assert report.exit_code == 1


def test_sarif_is_valid_and_matches_golden(report: CheckReport) -> None:
    text = render(report, OutputFormat.SARIF)
    doc = json.loads(text)
    jsonschema.validate(doc, SARIF_SCHEMA)
    _golden("check.sarif", _normalise(text, report))


def test_sarif_rules_results_fingerprints_and_suppressions(report: CheckReport) -> None:
    run = json.loads(render(report, OutputFormat.SARIF))["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    secret_rule = rules["secret.hardcoded"]
    assert secret_rule["name"] == "HardcodedAiKey"
    assert secret_rule["shortDescription"]["text"] == "Hard-coded AI provider key"
    assert secret_rule["defaultConfiguration"]["level"] == "error"
    assert secret_rule["properties"]["security-severity"] == "9.5"
    assert "Revoke it" in secret_rule["help"]["text"]
    assert rules["agent-config.AGT-INJECT-001"]["name"] == "AgentConfigAGTINJECT001"

    by_subject = {r["properties"]["subject"]: r for r in run["results"]}
    torch = by_subject["pypi:torch"]
    assert torch["suppressions"][0]["kind"] == "external"
    assert "ml-platform@example.com" in torch["suppressions"][0]["justification"]
    assert by_subject["pypi:ollama"]["suppressions"][0]["justification"] == "Accepted in the baseline file"
    assert "suppressions" not in by_subject["npm:@xenova/transformers"]
    assert by_subject["npm:@xenova/transformers"]["level"] == "error"
    assert by_subject["npm:@xenova/transformers"]["baselineState"] == "new"
    assert by_subject["pypi:ollama"]["baselineState"] == "unchanged"
    leaked = by_subject["secret:openai-project-key"]
    assert leaked["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "config/.env", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 5},
    }
    assert "region" not in by_subject["model-file:models/classifier.pkl"]["locations"][0]["physicalLocation"]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["partialFingerprints"]["openaims/v1"]) == 32
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("EXPIRED on 2026-01-31" in n for n in notes)
    assert run["invocations"][0]["exitCode"] == 1


def test_sarif_of_a_clean_tree_is_valid(tmp_path: Path) -> None:
    clean = run_check(
        CheckRequest(
            root=tmp_path, source=lambda root, paths, lint: TreeFindings([], [], 0, lint_available=False)
        )
    )
    doc = json.loads(render(clean, OutputFormat.SARIF))
    jsonschema.validate(doc, SARIF_SCHEMA)
    assert doc["runs"][0]["results"] == []
    assert clean.exit_code == 0
    assert (
        "built-in default"
        in doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    )


def test_junit_matches_golden_and_counts_failures(report: CheckReport) -> None:
    text = render(report, OutputFormat.JUNIT)
    _golden("check.junit.xml", _normalise(text, report))
    root = ET.fromstring(text.encode())
    assert root.tag == "testsuites"
    assert (root.get("failures"), root.get("skipped")) == ("5", "2")
    failures = {
        (case.get("classname"), failure.get("type"))
        for case in root.iter("testcase")
        if (failure := case.find("failure")) is not None
    }
    assert failures == {
        ("package.prohibited", "high"),
        ("mcp-server.unapproved", "medium"),
        ("secret.hardcoded", "critical"),
        ("model-file.unsafe", "critical"),
        ("agent-config.AGT-INJECT-001", "critical"),
    }
    exceptions = [
        out.text
        for c in root.iter("testcase")
        if c.get("classname") == "policy.exceptions" and (out := c.find("system-out")) is not None
    ]
    assert exceptions == [
        "exception #1 'pypi:torch' (owner ml-platform@example.com, expires 2027-06-30): applied to 1",
        "exception #2 'npm:@xenova/*' (owner web@example.com, expires 2026-01-31): "
        "EXPIRED on 2026-01-31, no longer applies (1 affected)",
    ]


def test_github_annotations(report: CheckReport) -> None:
    text = render(report, OutputFormat.GITHUB)
    _golden("check.github.txt", _normalise(text, report))
    lines = text.splitlines()
    assert (
        "::error file=config/.env,line=5,title=Hard-coded AI provider key (secret.hardcoded%2C critical)::"
        "Hard-coded openai-project-key key sk-proj-…AAAA%0AA live AI provider key is committed."
    ) in "\n".join(lines)
    assert any(
        line.startswith("::error file=.mcp.json,line=9,")
        and "MCP server shell, with comma: yes (mcp-shell)" in line
        for line in lines
    )
    assert any(line.startswith("::notice file=requirements.txt,line=3,title=Excepted%3A ") for line in lines)
    assert not any(
        "pypi:ollama" in line and line.startswith("::") for line in lines
    )  # baselined: not annotated
    assert any(line.startswith("::warning title=Expired policy exception::exception #2") for line in lines)
    assert lines[-1].startswith("FAIL: 5 violations fail the policy")


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [("a%b", "a%25b", "a%25b"), ("x\ny\r", "x%0Ay%0D", "x%0Ay%0D"), ("k: v, w", "k: v, w", "k%3A v%2C w")],
)
def test_github_escaping(raw: str, data: str, prop: str) -> None:
    assert (escape_data(raw), escape_property(raw)) == (data, prop)


def test_json_report(report: CheckReport) -> None:
    doc = json.loads(render(report, OutputFormat.JSON))
    assert doc["schema"] == "https://openaims.dev/schemas/check-report/v1"
    assert doc["result"] == "fail"
    assert doc["summary"] == {
        "failing": 4,
        "expired-exception": 1,
        "warning": 0,
        "existing": 0,
        "baselined": 1,
        "excepted": 1,
    }
    assert [(e["match"], e["state"], e["matched"]) for e in doc["exceptions"]] == [
        ("pypi:torch", "applied", 1),
        ("npm:@xenova/*", "expired", 1),
    ]
    leaked = next(v for v in doc["violations"] if v["rule"] == "secret.hardcoded")
    assert leaked["finding"]["redacted"] == "sk-proj-…AAAA"
    doc["stats"]["duration_s"] = 0
    _golden("check.json", _normalise(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", report))


def test_text_report_lists_violations_and_exceptions(report: CheckReport) -> None:
    text = render(report, OutputFormat.TEXT)
    for expected in (
        "Policy violations",
        "expired-exception",
        "secret.hardcoded",
        "config/.env:5",
        "Policy exceptions",
        "ml-platform@example.com",
        "FAIL: 5 violations fail the policy (4 failing, 1 expired exception, 1 baselined, 1 excepted)",
    ):
        assert expected in text
