"""Provider bans cover every use of the provider; lists and exceptions speak one vocabulary;
``aims policy validate`` warns about what can never match.

Each test asserts the exact set of violations or warnings, not a count.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from policy_testkit import dep, imp, mcp, model, secret, workflow

from openaims.discovery.interface import Finding
from openaims.policy.engine import Evaluation, ExceptionState, evaluate
from openaims.policy.review import review, review_file
from openaims.policy.schema import PolicyError, parse_policy

TODAY = date(2026, 11, 23)


def run(policy_text: str, findings: list[Finding]) -> Evaluation:
    return evaluate(findings, parse_policy(policy_text), today=TODAY)


def judged(evaluation: Evaluation) -> set[tuple[str, str, str, str]]:
    return {(v.rule.id, v.subject, v.path, v.status.value) for v in evaluation.violations}


OPENAI_USES = [
    dep("openai", path="requirements.txt"),
    imp("openai", "pypi:openai", "openai", path="app/chat.py"),
    imp("openai.types", "pypi:openai", "openai", path="app/types.py", module="openai"),
    model("gpt-4o", "openai", path="app/config.py"),
    secret(path="app/settings.py"),
    # a CI job that receives the key
    replace(workflow(None, path=".github/workflows/ai.yml"), provider="openai"),
]


def test_prohibiting_a_provider_covers_packages_imports_models_keys_and_ci() -> None:
    evaluation = run("version: 1\nproviders:\n  prohibited: [openai]\nsecrets: 'off'\n", OPENAI_USES)
    assert judged(evaluation) == {
        ("provider.prohibited", "provider:openai", "requirements.txt", "failing"),
        ("provider.prohibited", "provider:openai", "app/chat.py", "failing"),
        ("provider.prohibited", "provider:openai", "app/types.py", "failing"),
        ("provider.prohibited", "provider:openai", "app/config.py", "failing"),
        ("provider.prohibited", "provider:openai", "app/settings.py", "failing"),
        ("provider.prohibited", "provider:openai", ".github/workflows/ai.yml", "failing"),
    }
    messages = {v.path: v.message for v in evaluation.violations}
    assert (
        messages["app/chat.py"] == "AI provider openai (import openai) is prohibited by providers.prohibited 'openai'"
    )
    assert messages["app/settings.py"] == (
        "AI provider openai (key openai-project-key) is prohibited by providers.prohibited 'openai'"
    )
    assert "sk-" not in " ".join(messages.values())


def test_other_providers_and_an_allowlist() -> None:
    findings = [imp("anthropic", "pypi:anthropic", "anthropic"), imp("openai", "pypi:openai", "openai", path="b.py")]
    assert judged(run("version: 1\nproviders:\n  prohibited: [openai]\n", findings)) == {
        ("provider.prohibited", "provider:openai", "b.py", "failing"),
    }
    allow = run("version: 1\nproviders:\n  mode: allowlist\n  approved: ['provider:anthropic']\n", findings)
    assert judged(allow) == {("provider.unapproved", "provider:openai", "b.py", "failing")}


def test_a_prohibited_package_is_flagged_where_it_is_imported() -> None:
    findings = [dep("ollama"), imp("ollama", "pypi:ollama", "ollama", path="local.py")]
    evaluation = run("version: 1\npackages:\n  prohibited: ['pypi:ollama']\n", findings)
    assert judged(evaluation) == {
        ("package.prohibited", "pypi:ollama", "requirements.txt", "failing"),
        ("package.prohibited", "pypi:ollama", "local.py", "failing"),
    }
    by_path = {v.path: v.message for v in evaluation.violations}
    assert (
        by_path["local.py"]
        == "Package pypi:ollama (imported as ollama) is prohibited by packages.prohibited 'pypi:ollama'"
    )


def test_dependency_fingerprints_are_unchanged_by_the_new_uses() -> None:
    """Baselines and diff bases written before imports were judged keep matching."""
    from openaims.policy.fingerprint import fingerprint

    (violation,) = run("version: 1\nproviders:\n  prohibited: [openai]\n", [dep("openai")]).violations
    assert violation.fingerprint == fingerprint("provider.prohibited", "requirements.txt", "openai|pypi:openai")


# --- one vocabulary --------------------------------------------------------------------------------------

GITHUB = mcp("github", package="@modelcontextprotocol/server-github")


@pytest.mark.parametrize(
    "match",
    [
        "mcp:github",
        "name:github",
        "github",
        "package:@modelcontextprotocol/server-github",
        "package:@modelcontextprotocol/*",
        "@modelcontextprotocol/server-github",
    ],
)
def test_an_exception_uses_the_same_forms_as_the_mcp_list(match: str) -> None:
    text = (
        "version: 1\nmcp_servers:\n  prohibited: ['package:@modelcontextprotocol/*']\n"
        f"exceptions:\n  - {{match: '{match}', owner: o@example.com, reason: r, expires: 2030-01-01}}\n"
    )
    evaluation = run(text, [GITHUB])
    assert judged(evaluation) == {("mcp-server.prohibited", "mcp:github", ".mcp.json", "excepted")}
    assert evaluation.exceptions[0].state is ExceptionState.APPLIED


@pytest.mark.parametrize(
    ("category", "entry", "finding", "subject"),
    [
        ("providers", "provider:openai", dep("openai"), "provider:openai"),
        ("models", "model:gpt-4o", model("gpt-4o", "openai"), "model:gpt-4o"),
        ("packages", "package:openai", dep("openai"), "pypi:openai"),
        ("mcp_servers", "mcp:github", GITHUB, "mcp:github"),
        ("ci_actions", "ci:ollama/ollama", workflow(None, image="ollama/ollama:0.5"), "ci:ollama/ollama"),
    ],
)
def test_every_list_accepts_the_exception_form_of_its_names(
    category: str, entry: str, finding: Finding, subject: str
) -> None:
    evaluation = run(f"version: 1\n{category}:\n  prohibited: ['{entry}']\n", [finding])
    assert {(v.rule.id.split(".")[1], v.subject) for v in evaluation.violations} == {("prohibited", subject)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "providers:\n  prohibited: ['pypi:openai']",
            "providers.prohibited[0]: 'pypi:openai' names a package in pypi, which this list never matches; "
            "list it under packages",
        ),
        (
            "packages:\n  prohibited: ['provider:openai']",
            "packages.prohibited[0]: 'provider:openai' names an AI provider and everything of it, which this "
            "list never matches; list it under providers",
        ),
        (
            "mcp_servers:\n  approved: ['mcp-server:github']",
            "unknown prefix 'mcp-server:' in 'mcp-server:github'; did you mean 'mcp:'?",
        ),
        ("packages:\n  prohibited: ['pip:ollama']", "unknown ecosystem 'pip' in 'pip:ollama'; did you mean 'pypi:'?"),
        ("models:\n  prohibited: ['secret:openai-api-key']", "use the 'secrets' setting or an exception"),
    ],
)
def test_a_list_entry_from_another_list_is_refused_with_where_it_belongs(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as error:
        parse_policy(f"version: 1\n{text}\n")
    assert message in str(error.value)


def test_model_ids_with_a_colon_are_still_names() -> None:
    evaluation = run("version: 1\nmodels:\n  prohibited: ['llama3:*']\n", [model("llama3:8b", "ollama")])
    assert {v.subject for v in evaluation.violations} == {"model:llama3:8b"}


# --- aims policy validate warnings ---------------------------------------------------------------------

REVIEWED = """\
version: 1
packages:
  prohibited: ["pypi:ollama"]
  approved: ["pypi:openai"]
providers:
  prohibited: [opnai, "provider:openai"]
exceptions:
  - {match: "mcp:github", owner: a@example.com, reason: r, expires: 2030-01-01}
  - {match: "mcp-server:github", owner: a@example.com, reason: r, expires: 2030-01-01}
  - {match: "pypi:ollama", rule: "pakage.*", owner: a@example.com, reason: r, expires: 2030-01-01}
  - {match: "provider:opneai", owner: a@example.com, reason: r, expires: 2030-01-01}
  - {match: "pypi:ollama", rule: "model-file.*", owner: a@example.com, reason: r, expires: 2030-01-01}
  - {match: "pypi:ollama", owner: a@example.com, reason: r, expires: 2030-01-01}
  - {match: "provider:openai", rule: "package.*", owner: a@example.com, reason: r, expires: 2030-01-01}
  - {match: "0123456789abcdef0123456789abcdef", owner: a@example.com, reason: r, expires: 2030-01-01}
  - {match: "secret:*", owner: a@example.com, reason: r, expires: 2020-01-01}
"""


def test_validate_warns_on_what_can_never_match(tmp_path: Path) -> None:
    target = tmp_path / "aims-policy.yaml"
    target.write_text(REVIEWED)
    reviewed = review_file(target, today=TODAY)
    got = {(line, w.location, w.message.split(":")[0]) for line, w in reviewed.warnings}
    assert got == {
        (4, "packages.approved", "packages.approved is only read in allowlist mode; add 'mode"),
        (6, "providers.prohibited[0]", "can match nothing"),
        (8, "exceptions[0].match", "'mcp"),
        (9, "exceptions[1].match", "'mcp-server"),
        (10, "exceptions[2].rule", "rule 'pakage.*' matches no rule id; did you mean 'package.*'?"),
        (11, "exceptions[3].match", "'provider"),
        (12, "exceptions[4].match", "'pypi"),
    }
    assert [e.match for e in reviewed.expired] == ["secret:*"]


def test_a_clean_policy_has_no_warnings() -> None:
    policy = parse_policy(
        "version: 1\nproviders:\n  mode: allowlist\n  approved: [openai]\nexceptions:\n"
        "  - {match: 'provider:google', owner: a@example.com, reason: r, expires: 2030-01-01}\n"
    )
    assert review(policy, today=TODAY).warnings == ()


def test_an_exception_in_a_policy_that_reports_nothing() -> None:
    policy = parse_policy(
        "version: 1\nsecrets: 'off'\nunsafe_model_files: 'off'\nexceptions:\n"
        "  - {match: 'pypi:torch', owner: a@example.com, reason: r, expires: 2030-01-01}\n"
    )
    (warning,) = review(policy, today=TODAY).warnings
    assert warning.location == "exceptions[0].match"
    assert warning.message.startswith("'pypi:torch' can match nothing: this policy reports no violation")
