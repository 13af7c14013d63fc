"""Evaluation: each policy category, globs, built-in checks, severities and exceptions.

Every test asserts the exact set of violations (rule id, subject, status), not a count.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_testkit import SAMPLE_POLICY, Lint, dep, mcp, model, model_file, secret, workflow

from openaims.discovery.interface import Finding, FindingKind
from openaims.policy.engine import Evaluation, ExceptionState, Status, detect, evaluate
from openaims.policy.matching import glob_match
from openaims.policy.schema import Severity, parse_policy

TODAY = date(2026, 11, 23)


def run(
    policy_text: str, findings: list[Finding], lint: list[Lint] | None = None, today: date = TODAY
) -> Evaluation:
    return evaluate(findings, parse_policy(policy_text), today=today, lint_findings=lint or [])


def triples(evaluation: Evaluation) -> set[tuple[str, str, str]]:
    return {(v.rule.id, v.subject, v.status.value) for v in evaluation.violations}


# --- glob semantics ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("gpt-3.5-*", "gpt-3.5-turbo", True),
        ("gpt-3.5-*", "gpt-3.5", False),
        ("*-preview", "gpt-4.5-preview", True),
        ("*-preview", "gpt-4.5-preview-2025", False),
        ("npm:@xenova/*", "npm:@xenova/transformers", True),
        ("npm:@xenova/*", "npm:@xenovax/transformers", False),
        ("pypi:ollama", "pypi:OLLAMA", True),
        ("pypi:ollama", "pypi:ollama-python", False),
        ("pypi:llama-*", "npm:llama-index", False),
        ("claude-?-opus", "claude-3-opus", True),
        ("[ab]*", "anthropic", True),
        ("tests/*", "tests/deep/dir/file.py", True),
    ],
)
def test_glob_semantics(pattern: str, value: str, expected: bool) -> None:
    assert glob_match(pattern, value) is expected


# --- categories --------------------------------------------------------------------------------------

FINDINGS = [
    dep("openai", line=1),
    dep("ollama", line=2),
    dep("torch", line=3),
    dep("@xenova/transformers", path="package.json", ecosystem="npm", provider="huggingface"),
    dep("langchain", line=4, provider="langchain"),
    model("gpt-3.5-turbo", "openai"),
    model("gpt-4o", "openai"),
    model("gemini-2.0-flash-preview", "google"),
    mcp("github", package="@modelcontextprotocol/server-github"),
    mcp("filesystem", package="@modelcontextprotocol/server-filesystem@0.6.2"),
    mcp("remote", url="https://mcp.example.com/sse"),
]


def test_issue_sample_policy_exact_violations() -> None:
    evaluation = run(SAMPLE_POLICY, FINDINGS, today=TODAY)
    assert triples(evaluation) == {
        ("package.prohibited", "pypi:ollama", "failing"),
        ("package.prohibited", "npm:@xenova/transformers", "failing"),
        ("provider.unapproved", "provider:ollama", "failing"),
        ("provider.unapproved", "provider:pytorch", "excepted"),
        ("provider.unapproved", "provider:huggingface", "failing"),
        ("provider.unapproved", "provider:langchain", "failing"),
        ("provider.unapproved", "provider:google", "failing"),
        ("model.prohibited", "model:gpt-3.5-turbo", "failing"),
        ("model.prohibited", "model:gemini-2.0-flash-preview", "failing"),
        ("mcp-server.unapproved", "mcp:filesystem", "failing"),
        ("mcp-server.unapproved", "mcp:remote", "failing"),
    }
    assert evaluation.failed
    (use,) = evaluation.exceptions
    assert (use.state, use.matched) == (ExceptionState.APPLIED, 1)


@pytest.mark.parametrize(
    ("category", "expected_deny", "expected_allow"),
    [
        (
            "providers",
            {("provider.prohibited", "provider:ollama")},
            {("provider.unapproved", "provider:ollama"), ("provider.unapproved", "provider:pytorch")},
        ),
        (
            "packages",
            {("package.prohibited", "pypi:ollama")},
            {("package.unapproved", "pypi:ollama"), ("package.unapproved", "pypi:torch")},
        ),
    ],
)
def test_deny_and_allow_modes(
    category: str, expected_deny: set[tuple[str, str]], expected_allow: set[tuple[str, str]]
) -> None:
    findings = [dep("openai"), dep("ollama", line=2), dep("torch", line=3)]
    deny_entry = "ollama" if category == "providers" else "pypi:ollama"
    allow_entry = "openai" if category == "providers" else "pypi:openai"
    deny = run(f"version: 1\n{category}:\n  prohibited: [{deny_entry!r}]\n", findings)
    assert {(v.rule.id, v.subject) for v in deny.violations} == expected_deny
    allow = run(f"version: 1\n{category}:\n  mode: allowlist\n  approved: [{allow_entry!r}]\n", findings)
    assert {(v.rule.id, v.subject) for v in allow.violations} == expected_allow


def test_prohibited_wins_over_approved_in_allowlist() -> None:
    text = "version: 1\npackages:\n  mode: allowlist\n  approved: ['pypi:*']\n  prohibited: ['pypi:ollama']\n"
    evaluation = run(text, [dep("openai"), dep("ollama", line=2)])
    assert triples(evaluation) == {("package.prohibited", "pypi:ollama", "failing")}


def test_bare_package_pattern_matches_any_ecosystem() -> None:
    findings = [
        dep("ollama"),
        dep("ollama", path="package.json", ecosystem="npm"),
        dep("ollama-js", ecosystem="npm"),
    ]
    evaluation = run("version: 1\npackages:\n  prohibited: [ollama]\n", findings)
    assert triples(evaluation) == {
        ("package.prohibited", "pypi:ollama", "failing"),
        ("package.prohibited", "npm:ollama", "failing"),
    }


def test_models_deny_and_allow() -> None:
    findings = [
        model("gpt-4o", "openai"),
        model("gpt-3.5-turbo", "openai"),
        model("claude-sonnet-4-5", "anthropic"),
    ]
    deny = run("version: 1\nmodels:\n  prohibited: ['gpt-3.5-*']\n", findings)
    assert triples(deny) == {("model.prohibited", "model:gpt-3.5-turbo", "failing")}
    allow = run(
        "version: 1\nmodels:\n  mode: allowlist\n  approved: ['claude-*', 'openai/gpt-4o']\n", findings
    )
    assert triples(allow) == {("model.unapproved", "model:gpt-3.5-turbo", "failing")}


def test_mcp_servers_by_name_package_and_host() -> None:
    findings = [
        mcp("github", package="@modelcontextprotocol/server-github"),
        mcp("files", package="@modelcontextprotocol/server-filesystem@0.6.2"),
        mcp("tunnel", url="https://abc.ngrok.io/mcp"),
        mcp("playwright", package="@playwright/mcp@latest"),
    ]
    text = (
        "version: 1\nmcp_servers:\n  prohibited:\n    - 'package:@modelcontextprotocol/server-filesystem'\n"
        "    - 'host:*.ngrok.io'\n    - 'name:playwright'\n"
    )
    assert triples(run(text, findings)) == {
        ("mcp-server.prohibited", "mcp:files", "failing"),
        ("mcp-server.prohibited", "mcp:tunnel", "failing"),
        ("mcp-server.prohibited", "mcp:playwright", "failing"),
    }
    allow = "version: 1\nmcp_servers:\n  mode: allowlist\n  approved: [github, '@playwright/*']\n"
    assert triples(run(allow, findings)) == {
        ("mcp-server.unapproved", "mcp:files", "failing"),
        ("mcp-server.unapproved", "mcp:tunnel", "failing"),
    }


def test_ci_actions_ignore_refs_and_tags() -> None:
    findings = [
        workflow("anthropics/claude-code-action@v1"),
        workflow("some/ai-reviewer@main", line=20),
        workflow(None, image="ollama/ollama:0.5.1", path=".gitlab-ci.yml", line=3),
        workflow(None, line=30),  # a job receiving a key, not an action: not judged here
    ]
    deny = run("version: 1\nci_actions:\n  prohibited: ['ollama/ollama']\n", findings)
    assert triples(deny) == {("ci-action.prohibited", "ci:ollama/ollama", "failing")}
    allow = run("version: 1\nci_actions:\n  mode: allowlist\n  approved: ['anthropics/*']\n", findings)
    assert triples(allow) == {
        ("ci-action.unapproved", "ci:some/ai-reviewer", "failing"),
        ("ci-action.unapproved", "ci:ollama/ollama", "failing"),
    }


# --- secrets, model files, agent config --------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("block", {("secret.hardcoded", "secret:openai-project-key", "failing")}),
        ("warn", {("secret.hardcoded", "secret:openai-project-key", "warning")}),
        ("'off'", set()),
    ],
)
def test_secrets_setting(setting: str, expected: set[tuple[str, str, str]]) -> None:
    evaluation = run(f"version: 1\nsecrets: {setting}\n", [secret()])
    assert triples(evaluation) == expected
    assert evaluation.failed is (setting == "block")


def test_secret_messages_show_only_the_redacted_form() -> None:
    (violation,) = run("version: 1\n", [secret()]).violations
    assert violation.message == "Hard-coded openai-project-key key sk-proj-…AAAA"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("block", {("model-file.unsafe", "model-file:models/m.pkl", "failing")}),
        ("warn", {("model-file.unsafe", "model-file:models/m.pkl", "warning")}),
        ("'off'", set()),
    ],
)
def test_unsafe_model_files_setting(setting: str, expected: set[tuple[str, str, str]]) -> None:
    findings = [model_file(), model_file("models/safe.pkl", unsafe=False)]
    assert triples(run(f"version: 1\nunsafe_model_files: {setting}\n", findings)) == expected


def _model_finding(path: str, unsafe: bool | None, **details: object) -> Finding:
    return Finding(
        kind=FindingKind.MODEL_FILE,
        name=path.rsplit("/", 1)[-1],
        path=path,
        line=None,
        detector="test",
        format="pickle",
        unsafe=unsafe,
        details={"sha256": "cd" * 32, "dangerous_globals": [], **details},
    )


def test_a_model_file_off_the_allowlist_fails_with_its_reason() -> None:
    reason = "imports mypkg.models.Net, which is not on the allowlist of safe globals"
    finding = _model_finding("models/net.pkl", True, unknown_globals=["mypkg.models.Net"], unsafe_reasons=[reason])
    (violation,) = run("version: 1\n", [finding]).violations
    assert (violation.rule.id, violation.blocking) == ("model-file.unsafe", True)
    assert violation.message == f"Model file models/net.pkl is unsafe to load: {reason}"


def test_a_model_file_that_could_not_be_checked_fails_closed() -> None:
    unscanned = "archive/data.pkl: stopped after 2000000 opcodes in the file"
    findings = [
        _model_finding("models/huge.pt", None, unscanned=unscanned),
        _model_finding("models/plain.safetensors", None),  # nothing to check: no violation
    ]
    (violation,) = run("version: 1\n", findings).violations
    assert (violation.rule.id, violation.path, violation.blocking) == ("model-file.unsafe", "models/huge.pt", True)
    assert violation.message == (
        "Model file models/huge.pt could not be fully checked for code that runs when it is loaded "
        f"({unscanned}); treat it as unsafe"
    )


def test_built_in_default_flags_keys_and_unsafe_model_files_only() -> None:
    findings = [*FINDINGS, secret(), model_file()]
    assert {v.rule.id for v in run("version: 1\n", findings).violations} == {
        "secret.hardcoded",
        "model-file.unsafe",
    }


def test_agent_config_findings_at_or_above_fail_at() -> None:
    lint = [
        Lint("hidden-text", "critical", line=1, message="tag characters spell 'ignore all'"),
        Lint("prompt-injection", "high", line=4),
        Lint("mcp-unpinned", "medium", path=".mcp.json", line=2, message="server runs @latest"),
        Lint("empty-file", "low", path="AGENTS.md", line=None, message="empty"),
    ]
    high = run("version: 1\nagent_config:\n  fail_at: high\n", [], lint)
    assert triples(high) == {
        ("agent-config.hidden-text", "agent-config:hidden-text", "failing"),
        ("agent-config.prompt-injection", "agent-config:prompt-injection", "failing"),
    }
    medium = run("version: 1\nagent_config:\n  fail_at: medium\n", [], lint)
    assert {v.rule.id for v in medium.violations} == {
        "agent-config.hidden-text",
        "agent-config.prompt-injection",
        "agent-config.mcp-unpinned",
    }
    assert run("version: 1\n", [], lint).violations == ()


# --- severities --------------------------------------------------------------------------------------


def test_severity_override_and_fail_on() -> None:
    findings = [dep("ollama"), dep("torch", line=2)]
    text = (
        "version: 1\npackages:\n  prohibited: ['pypi:ollama']\n  mode: allowlist\n  approved: ['pypi:openai']\n"
        "fail_on: [high, critical]\n"
    )
    evaluation = run(text, findings)
    assert triples(evaluation) == {
        ("package.prohibited", "pypi:ollama", "failing"),
        ("package.unapproved", "pypi:torch", "warning"),
    }
    lowered = run(text + "severity:\n  package.prohibited: low\n", findings)
    assert {(v.rule.id, v.severity, v.status) for v in lowered.violations} == {
        ("package.prohibited", Severity.LOW, Status.WARNING),
        ("package.unapproved", Severity.MEDIUM, Status.WARNING),
    }
    assert not lowered.failed


# --- exceptions --------------------------------------------------------------------------------------

EXCEPTION_POLICY = """\
version: 1
packages:
  prohibited: ["pypi:ollama", "pypi:torch"]
exceptions:
  - match: "pypi:torch"
    owner: ml@example.com
    reason: reviewed
    expires: 2027-06-30
  - match: "pypi:ollama"
    paths: ["experiments/*"]
    owner: research@example.com
    reason: local only
    expires: 2026-01-31
  - match: "pypi:never-used"
    owner: x@example.com
    reason: stale
    expires: 2030-01-01
"""


@pytest.mark.parametrize(
    ("today", "torch_status", "torch_state"),
    [
        (date(2027, 6, 29), "excepted", ExceptionState.APPLIED),
        (date(2027, 6, 30), "excepted", ExceptionState.APPLIED),  # valid through its expiry date
        (date(2027, 7, 1), "expired-exception", ExceptionState.EXPIRED),
    ],
)
def test_exception_applies_until_it_expires(
    today: date, torch_status: str, torch_state: ExceptionState
) -> None:
    evaluation = run(EXCEPTION_POLICY, [dep("torch")], today=today)
    assert triples(evaluation) == {("package.prohibited", "pypi:torch", torch_status)}
    assert evaluation.failed is (torch_status == "expired-exception")
    assert evaluation.exceptions[0].state is torch_state
    assert evaluation.exceptions[0].matched == 1


def test_exception_narrowed_by_path_and_every_exception_is_reported() -> None:
    findings = [dep("ollama", path="experiments/deps.txt"), dep("ollama", path="service/deps.txt")]
    evaluation = run(EXCEPTION_POLICY, findings, today=date(2026, 1, 15))
    assert {(v.path, v.status.value) for v in evaluation.violations} == {
        ("experiments/deps.txt", "excepted"),
        ("service/deps.txt", "failing"),
    }
    assert [(u.index, u.state, u.matched) for u in evaluation.exceptions] == [
        (0, ExceptionState.UNUSED, 0),
        (1, ExceptionState.APPLIED, 1),
        (2, ExceptionState.UNUSED, 0),
    ]


def test_exception_by_rule_and_by_fingerprint() -> None:
    findings = [dep("ollama"), dep("torch", line=2)]
    base = "version: 1\nproviders:\n  prohibited: [ollama]\npackages:\n  prohibited: ['pypi:ollama']\n"
    by_rule = (
        base
        + "exceptions:\n  - {match: 'pypi:ollama', rule: 'provider.*', owner: o, reason: r, expires: 2030-01-01}\n"
    )
    assert triples(run(by_rule, findings)) == {
        ("provider.prohibited", "provider:ollama", "excepted"),
        ("package.prohibited", "pypi:ollama", "failing"),
    }
    fingerprint = next(
        v.fingerprint for v in detect(findings, parse_policy(base)) if v.rule.id == "package.prohibited"
    )
    by_fp = base + f"exceptions:\n  - {{match: '{fingerprint}', owner: o, reason: r, expires: 2030-01-01}}\n"
    assert triples(run(by_fp, findings)) == {
        ("provider.prohibited", "provider:ollama", "failing"),
        ("package.prohibited", "pypi:ollama", "excepted"),
    }


def test_existing_and_baselined_do_not_fail() -> None:
    policy = parse_policy("version: 1\npackages:\n  prohibited: ['pypi:*']\n")
    findings = [dep("ollama"), dep("torch", line=2), dep("cohere", line=3)]
    found = {v.subject: v.fingerprint for v in detect(findings, policy)}
    evaluation = evaluate(
        findings, policy, today=TODAY, existing={found["pypi:ollama"]}, baseline={found["pypi:torch"]}
    )
    assert triples(evaluation) == {
        ("package.prohibited", "pypi:ollama", "existing"),
        ("package.prohibited", "pypi:torch", "baselined"),
        ("package.prohibited", "pypi:cohere", "failing"),
    }


@settings(max_examples=300, deadline=None)
@given(pattern=st.text(max_size=20), value=st.text(max_size=20))
def test_any_pattern_matches_or_not_without_raising(pattern: str, value: str) -> None:
    assert glob_match(pattern, value) in {True, False}
    assert glob_match(value.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]"), value) is True
