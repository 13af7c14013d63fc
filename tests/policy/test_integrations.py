"""Docs and integration files that tests keep honest."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main
import yaml
from policy_testkit import REPO

from openaims.policy.rules import RULES
from openaims.policy.schema import parse_policy

DOC = (REPO / "docs" / "policy.md").read_text(encoding="utf-8")


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)


def test_every_policy_example_in_the_docs_is_valid() -> None:
    policies = [block for block in _yaml_blocks(DOC) if block.startswith("version: 1")]
    assert len(policies) >= 2
    for block in policies:
        parse_policy(block, "docs/policy.md")


def test_every_rule_is_documented() -> None:
    for rule_id in RULES:
        prefix, what = rule_id.split(".")
        assert f"`{rule_id}`" in DOC or f"`{prefix}.{what}` /" in DOC or f"/ `{rule_id}`" in DOC, rule_id


def _commands() -> dict[str, Any]:
    from openaims.cli.main import app

    root: Any = typer.main.get_command(app)
    out: dict[str, Any] = {"check": root.commands["check"]}
    for group in ("policy", "baseline"):
        sub = root.commands[group]
        out.update({f"{group} {name}": cmd for name, cmd in sub.commands.items()})
    return out


# Options that must be given on the command line each time: a tree to learn a policy from,
# and accepting hard-coded keys into a baseline (never switched on for a whole CI job).
_COMMAND_LINE_ONLY = {("policy init", "from_scan"), ("baseline create", "allow_secrets")}


@pytest.mark.parametrize("command", ["check", "policy init", "policy validate", "baseline create"])
def test_every_option_environment_variable_is_documented(command: str) -> None:
    cmd = _commands()[command]
    for param in cmd.params:
        envvar = getattr(param, "envvar", None)
        if (command, param.name) in _COMMAND_LINE_ONLY:
            assert not envvar, f"{command} {param.opts} must not be set from the environment"
        elif param.param_type_name == "option" and param.name not in {"help"}:
            assert envvar, f"{command} {param.opts} has no environment default"
        if envvar:
            assert f"`{envvar}`" in DOC, envvar


def test_pre_commit_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["aims-check"]["entry"] == "aims check --staged"
    assert hooks["aims-check"]["language"] == "python"
    assert hooks["aims-check"]["pass_filenames"] is False


def test_github_action_runs_diff_mode_and_uploads_sarif() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    check = next(s for s in steps if s.get("id") == "check")
    assert "aims check" in check["run"]
    assert "--diff-base" in check["run"]
    assert "--format sarif" in check["run"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in steps)
    used = set(re.findall(r"inputs\.([a-z-]+)", (REPO / "action.yml").read_text()))
    assert used <= set(action["inputs"]), used - set(action["inputs"])
    # Inputs reach the shell only through the environment (no expression injection into scripts).
    for step in steps:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_gitlab_template() -> None:
    template = yaml.safe_load((REPO / "integrations" / "gitlab" / "aims-check.gitlab-ci.yml").read_text())
    job = template["aims-check"]
    assert job["extends"] == ".aims-check"
    script = "\n".join(template[".aims-check"]["script"])
    assert "CI_MERGE_REQUEST_DIFF_BASE_SHA" in script
    assert "--diff-base" in script
    assert template[".aims-check"]["artifacts"]["reports"]["junit"] == "aims-junit.xml"


def test_integration_docs_name_every_integration_file() -> None:
    readme = (REPO / "integrations" / "README.md").read_text()
    for name in (".pre-commit-hooks.yaml", "action.yml", "gitlab/aims-check.gitlab-ci.yml"):
        assert name in readme
