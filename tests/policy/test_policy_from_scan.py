"""``aims policy init --from-scan PATH``: a starter policy that passes today's tree and lists what it approved."""

from __future__ import annotations

import dataclasses
import random
import string
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_testkit import Lint, dep, imp, mcp, model, model_file, secret, workflow
from tests.support.cli import run as aims

from openaims.policy.engine import evaluate
from openaims.policy.from_scan import approvals, policy_from_findings
from openaims.policy.schema import Mode, parse_policy
from openaims.policy.sources import TreeFindings

TODAY = date(2026, 5, 4)
#: The random middle of a key-shaped value built at test time (never a real key).
BODY = "".join(random.Random(11).choices(string.ascii_letters + string.digits, k=74))


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AIMS_POLICY", "AIMS_FORCE", "AIMS_CHECK_PATH", "AIMS_CHECK_FORMAT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A typical repository the plain starter policy fails on (an old model, an unpinned MCP server)."""
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "requirements.txt").write_text("openai==1.40.0\nanthropic==0.34.0\nfastapi==0.110.0\n")
    (root / "app" / "chat.py").write_text(
        "import openai\nclient = openai.OpenAI()\nclient.chat.completions.create(model='gpt-3.5-turbo', messages=[])\n"
    )
    (root / ".mcp.json").write_text('{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]}}}\n')  # fmt: skip
    return root


def test_the_plain_starter_fails_the_typical_repository(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = repo.parent / "starter.yaml"
    assert aims(capsys, "policy", "init", str(policy))[0] == 0
    code, out, _ = aims(capsys, "check", str(repo), "--policy", str(policy))
    assert code == 1
    assert "model.prohibited" in out


def test_from_scan_passes_todays_tree_and_lists_what_it_approved(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = aims(capsys, "policy", "init", "--from-scan", str(repo), str(repo))
    assert code == 0, err
    assert "  providers: anthropic, openai\n" in out
    assert "  models: gpt-3.5-turbo\n" in out
    assert "  packages: pypi:anthropic, pypi:openai\n" in out
    assert "  mcp_servers: github\n" in out
    assert "  ci_actions: none found (the list stays a denylist)\n" in out
    assert out.rstrip().splitlines()[-1].startswith(f"Wrote {repo / 'aims-policy.yaml'}.")
    written = yaml.safe_load((repo / "aims-policy.yaml").read_text())
    assert written["packages"] == {"mode": "allowlist", "approved": ["pypi:anthropic", "pypi:openai"], "prohibited": []}
    assert written["ci_actions"] == {"mode": "denylist", "prohibited": []}
    code, out, _ = aims(capsys, "check", str(repo))
    assert code == 0, out
    assert "PASS" in out


def test_the_written_policy_is_valid_without_warnings(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = repo.parent / "policy.yaml"
    aims(capsys, "policy", "init", "--from-scan", str(repo), str(target))
    code, out, err = aims(capsys, "policy", "validate", str(target), "--strict")
    assert code == 0, err
    assert "valid" in out


def test_something_new_fails_the_written_policy(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    aims(capsys, "policy", "init", "--from-scan", str(repo), str(repo))
    with (repo / "requirements.txt").open("a") as f:
        f.write("cohere==5.0.0\n")
    code, out, _ = aims(capsys, "check", str(repo))
    assert code == 1
    assert "package.unapproved" in out
    assert "pypi:cohere" in out


def test_a_hard_coded_key_is_not_approved_but_named(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = "sk-" + "proj-" + BODY[:20] + "T3Blbk" + "FJ" + BODY[20:]
    (repo / "app" / "settings.py").write_text(f'OPENAI_API_KEY = "{key}"\n')
    code, out, err = aims(capsys, "policy", "init", "--from-scan", str(repo), str(repo))
    assert code == 0, err
    assert "Not approved, and failing 'aims check' until fixed (1):" in err
    assert "secret.hardcoded  app/settings.py:1  Hard-coded" in err
    assert BODY[:20] not in out + err + (repo / "aims-policy.yaml").read_text()
    code, out, _ = aims(capsys, "check", str(repo))
    assert code == 1
    assert "secret.hardcoded" in out


def test_policy_next_to_another_tree_names_it_in_the_next_step(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "policy.yaml"
    _, out, _ = aims(capsys, "policy", "init", "--from-scan", str(repo), str(target))
    assert f"aims check {repo} --policy {target}" in out.replace("\n", "")


def test_an_existing_file_is_kept_without_force(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "aims-policy.yaml").write_text("version: 1\n")
    code, _, err = aims(capsys, "policy", "init", "--from-scan", str(repo), str(repo))
    assert code == 2
    assert "already exists; pass --force" in err
    assert (repo / "aims-policy.yaml").read_text() == "version: 1\n"


def test_a_missing_tree_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = aims(capsys, "policy", "init", "--from-scan", str(tmp_path / "nope"), str(tmp_path))
    assert code == 2
    assert err.count("\n") == 1
    assert "is not a directory" in err
    assert not (tmp_path / "aims-policy.yaml").exists()


def test_approvals_name_each_thing_once_in_its_list() -> None:
    findings = [
        dep("openai"),
        imp("openai", "pypi:openai", "openai", path="a.py"),
        dep("Azure.AI.OpenAI", ecosystem="nuget", provider="azure-openai"),
        dep("azure.ai.openai", ecosystem="nuget", provider="azure-openai", path="b.csproj"),
        model("gpt-4o", provider="openai"),
        mcp("github", package="@modelcontextprotocol/server-github"),
        workflow("anthropics/claude-code-action@v1"),
        dataclasses.replace(secret(key_type="mistral-api-key"), provider="mistral"),
        model_file(),
    ]
    got = approvals(findings)
    assert got == {
        "providers": ("azure-openai", "openai"),
        "models": ("gpt-4o",),
        "packages": ("nuget:azure.ai.openai", "pypi:openai"),
        "mcp_servers": ("github",),
        "ci_actions": ("anthropics/claude-code-action",),
    }


def test_what_a_policy_never_approves_is_returned_as_still_failing() -> None:
    tree = TreeFindings([dep("openai"), secret(), model_file()], [Lint("AGENT001", "high")], 3, lint_available=True)
    made = policy_from_findings(tree, root="repo", today=TODAY)
    assert {v.rule_id for v in made.still_failing} == {
        "secret.hardcoded",
        "model-file.unsafe",
        "agent-config.AGENT001",
    }


def test_a_tree_without_ai_keeps_the_lists_as_denylists() -> None:
    made = policy_from_findings(TreeFindings([], [], 0, lint_available=True), root="repo", today=TODAY)
    policy = parse_policy(made.text)
    assert policy.providers.mode is Mode.DENYLIST
    assert policy.models.prohibited == ("gpt-3.5-*", "*-preview")
    assert made.still_failing == ()


NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=24
).filter(lambda name: name == name.strip())


@settings(max_examples=150, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=4, unique_by=str.lower))
def test_any_package_name_is_approved_exactly_and_nothing_like_it(names: list[str]) -> None:
    findings = [dep(name, provider="openai", path=f"r{i}.txt") for i, name in enumerate(names)]
    made = policy_from_findings(TreeFindings(findings, [], 1, lint_available=True), root="r\n# x", today=TODAY)
    policy = parse_policy(made.text)
    assert not evaluate(findings, policy, today=TODAY).failed
    lookalikes = [dep(name + "x", provider="openai") for name in names if name + "x" not in names]
    judged = evaluate(lookalikes, policy, today=TODAY)
    assert {v.subject for v in judged.violations if v.rule_id == "package.unapproved"} == {
        f"pypi:{d.name}" for d in lookalikes if d.name.lower() not in {n.lower() for n in names}
    }
